#include "thresholds/yaml_subset.h"

#include <cctype>
#include <optional>

namespace validprof::thresholds {
namespace {

struct Line {
    int number = 0;
    int indent = 0;       // column of the content (after "- " for an item line)
    int dash_indent = -1;  // column of the "-" of a sequence item, -1 if none
    std::string text;      // content, comment and trailing space removed
};

common::Error error_at(int line, const std::string& message) {
    return common::make_error(std::to_string(line) + ": " + message);
}

std::string trim_right(std::string text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
    return text;
}

// Removes a comment: '#' at the start or after a space, outside quotes.
common::Result<std::string> strip_comment(const std::string& text, int number) {
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            if (c == quote) quote = 0;
            continue;
        }
        if ((c == '"' || c == '\'') && (i == 0 || text[i - 1] == ' ' || text[i - 1] == ':' || text[i - 1] == '-'))
            quote = c;
        else if (c == '#' && (i == 0 || text[i - 1] == ' '))
            return trim_right(text.substr(0, i));
    }
    if (quote) return error_at(number, "unterminated quoted string");
    return trim_right(text);
}

common::Result<std::vector<Line>> split_lines(const std::string& text) {
    std::vector<Line> lines;
    int number = 0;
    std::size_t start = 0;
    bool content_seen = false;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string raw = text.substr(start, end - start);
        start = end + 1;
        ++number;
        std::size_t column = 0;
        while (column < raw.size() && raw[column] == ' ') ++column;
        if (column < raw.size() && raw[column] == '\t') return error_at(number, "tab in indentation: use spaces");
        auto stripped = strip_comment(raw, number);
        if (!stripped) return stripped.error();
        std::string content = stripped->substr(std::min(column, stripped->size()));
        if (content.empty()) {
            if (end == text.size()) break;
            continue;
        }
        if (content == "---" && !content_seen) {
            content_seen = true;
            continue;
        }
        if (content == "---" || content == "...")
            return error_at(number, "only one YAML document per file");
        content_seen = true;
        Line line{number, static_cast<int>(column), -1, content};
        // "- x" and "- " item lines: the content moves right of the dash.
        while (line.text == "-" || line.text.starts_with("- ")) {
            if (line.dash_indent >= 0) return error_at(number, "nested sequences on one line are not supported");
            line.dash_indent = line.indent;
            std::size_t skip = 1;
            while (skip < line.text.size() && line.text[skip] == ' ') ++skip;
            line.indent += static_cast<int>(skip);
            line.text = line.text.substr(skip);
            if (line.text.empty()) break;
        }
        lines.push_back(std::move(line));
        if (end == text.size()) break;
    }
    return lines;
}

common::Result<std::string> scalar_text(const std::string& text, int number) {
    if (text.empty()) return text;
    const char first = text.front();
    if (first == '"' || first == '\'') {
        if (text.size() < 2 || text.back() != first) return error_at(number, "text after a closing quote");
        std::string inner = text.substr(1, text.size() - 2);
        if (inner.find(first) != std::string::npos) return error_at(number, "quotes inside a quoted string are not supported");
        return inner;
    }
    if (first == '{' || first == '[') return error_at(number, "flow collections ({...}, [...]) are not supported");
    if (first == '&' || first == '*') return error_at(number, "anchors and aliases are not supported");
    if (first == '!') return error_at(number, "tags are not supported");
    if (first == '|' || first == '>') return error_at(number, "block scalars (| and >) are not supported");
    if (first == '@' || first == '`') return error_at(number, "a plain value cannot start with '" + std::string(1, first) + "'");
    if (text.find(": ") != std::string::npos || text.back() == ':')
        return error_at(number, "a value cannot hold ': ' (quote it, or indent a nested mapping on the next line)");
    return text;
}

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

class Parser {
public:
    explicit Parser(std::vector<Line> lines) : lines_(std::move(lines)) {}

    common::Result<YamlNode> document() {
        if (lines_.empty()) return YamlNode{YamlNode::Kind::Mapping, 1, {}, {}, {}, {}};
        if (lines_.front().indent != 0 && lines_.front().dash_indent != 0)
            return error_at(lines_.front().number, "the document must start at column 1");
        auto root = parse_node();
        if (!root) return root;
        if (pos_ < lines_.size()) return error_at(lines_[pos_].number, "unexpected indentation");
        return root;
    }

private:
    // The node starting at lines_[pos_].
    common::Result<YamlNode> parse_node() {
        const Line& line = lines_[pos_];
        if (line.dash_indent >= 0) return sequence(line.dash_indent);
        if (line.text.find(':') == std::string::npos || line.text.front() == '"' || line.text.front() == '\'') {
            // A lone scalar line: only as an item's value, handled in sequence().
            return error_at(line.number, "expected 'key: value'");
        }
        return mapping(line.indent);
    }

    common::Result<YamlNode> sequence(int dash_column) {
        YamlNode node{YamlNode::Kind::Sequence, lines_[pos_].number, {}, {}, {}, {}};
        while (pos_ < lines_.size() && lines_[pos_].dash_indent == dash_column) {
            Line& line = lines_[pos_];
            if (line.text.empty()) {
                ++pos_;
                if (pos_ >= lines_.size() || effective_indent(lines_[pos_]) <= dash_column)
                    return error_at(line.number, "empty sequence item");
                auto item = node_at_deeper(dash_column);
                if (!item) return item;
                node.items.push_back(std::move(*item));
                continue;
            }
            if (line.text.find(':') == std::string::npos || line.text.front() == '"' || line.text.front() == '\'') {
                auto text = scalar_text(line.text, line.number);
                if (!text) return text.error();
                node.items.push_back({YamlNode::Kind::Scalar, line.number, *text, {}, {}, {}});
                ++pos_;
                continue;
            }
            // "- key: value": a mapping whose keys sit at the item's content column.
            line.dash_indent = -1;
            auto item = mapping(line.indent);
            if (!item) return item;
            node.items.push_back(std::move(*item));
        }
        if (pos_ < lines_.size() && lines_[pos_].dash_indent > dash_column)
            return error_at(lines_[pos_].number, "unexpected indentation");
        return node;
    }

    static int effective_indent(const Line& line) { return line.dash_indent >= 0 ? line.dash_indent : line.indent; }

    common::Result<YamlNode> node_at_deeper(int parent_column) {
        if (effective_indent(lines_[pos_]) <= parent_column) return error_at(lines_[pos_].number, "expected an indented value");
        return parse_node();
    }

    common::Result<YamlNode> mapping(int column) {
        YamlNode node{YamlNode::Kind::Mapping, lines_[pos_].number, {}, {}, {}, {}};
        while (pos_ < lines_.size() && lines_[pos_].dash_indent < 0 && lines_[pos_].indent == column) {
            const Line line = lines_[pos_];
            const std::size_t colon = line.text.find(':');
            if (colon == std::string::npos) return error_at(line.number, "expected 'key: value'");
            const std::string key = line.text.substr(0, colon);
            if (key.empty()) return error_at(line.number, "empty key");
            for (char c : key)
                if (!is_key_char(c)) return error_at(line.number, "invalid key '" + key + "' (letters, digits, _ - . only)");
            if (colon + 1 < line.text.size() && line.text[colon + 1] != ' ')
                return error_at(line.number, "expected a space after ':' in '" + line.text + "'");
            for (const auto& [existing, value] : node.entries)
                if (existing == key) return error_at(line.number, "duplicate key '" + key + "'");
            std::size_t value_start = colon + 1;
            while (value_start < line.text.size() && line.text[value_start] == ' ') ++value_start;
            const std::string value = line.text.substr(value_start);
            ++pos_;
            if (!value.empty()) {
                auto text = scalar_text(value, line.number);
                if (!text) return text.error();
                node.entries.push_back(YamlEntry{key, YamlNode{YamlNode::Kind::Scalar, line.number, *text, {}, {}, {}}});
                node.key_lines.push_back(line.number);
                continue;
            }
            // "key:" then a nested block: deeper, or a sequence at the same column.
            if (pos_ >= lines_.size() ||
                !(lines_[pos_].indent > column || (lines_[pos_].dash_indent >= column)))
                return error_at(line.number, "'" + key + "' has no value");
            auto child = parse_node();
            if (!child) return child;
            node.entries.push_back(YamlEntry{key, std::move(*child)});
            node.key_lines.push_back(line.number);
        }
        if (pos_ < lines_.size() && lines_[pos_].dash_indent < 0 && lines_[pos_].indent > column)
            return error_at(lines_[pos_].number, "unexpected indentation");
        return node;
    }

    std::vector<Line> lines_;
    std::size_t pos_ = 0;
};

}  // namespace

common::Result<YamlNode> parse_yaml_subset(const std::string& text) {
    auto lines = split_lines(text);
    if (!lines) return lines.error();
    return Parser(std::move(*lines)).document();
}

}  // namespace validprof::thresholds
