#include "validation/checks/yaml_structure.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace validprof::validation {

namespace {

enum class BlockKind { Mapping, Sequence };

struct Level {
    int indent;
    BlockKind kind;
    std::set<std::string> keys;  // mappings only
};

std::string_view trim_right(std::string_view text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::string_view trim_left(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    return text;
}

// Where a quoted scalar that starts at text[0] ends (index of the closing
// quote), or npos when it continues on the next line. Double quotes escape
// with a backslash, single quotes by doubling.
std::size_t closing_quote(std::string_view text, std::size_t from = 1) {
    const char quote = text[0];
    for (std::size_t i = from; i < text.size(); ++i) {
        if (quote == '"' && text[i] == '\\') {
            ++i;
        } else if (text[i] == quote) {
            if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                ++i;
            } else {
                return i;
            }
        }
    }
    return std::string_view::npos;
}

// A comment starts with '#' at the start of the content or after
// whitespace; callers strip quoted scalars first, so a '#' inside quotes is
// never seen here.
std::string_view strip_comment(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) return trim_right(text.substr(0, i));
    }
    return trim_right(text);
}

class YamlChecker {
public:
    CheckOutcome run(std::string_view text) {
        std::size_t start = 0;
        while (start < text.size() && !failed_) {
            std::size_t end = text.find('\n', start);
            if (end == std::string_view::npos) end = text.size();
            std::string_view line = text.substr(start, end - start);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            ++line_number_;
            check_line(line);
            start = end + 1;
        }
        if (!failed_ && quote_open_line_ != 0) fail_at(quote_open_line_, "unterminated quoted scalar");
        if (!failed_ && flow_depth_.size() > 0) fail_at(flow_open_line_, "unclosed flow collection");
        if (failed_) return CheckOutcome{kSyntaxCheck, false, 1, message_};
        return passed_check(kSyntaxCheck);
    }

private:
    void fail(const std::string& what) { fail_at(line_number_, what); }
    void fail_at(int line, const std::string& what) {
        if (failed_) return;
        failed_ = true;
        message_ = "line " + std::to_string(line) + ": " + what;
    }

    void check_line(std::string_view line) {
        // Inside a multi-line quoted scalar: only look for its end.
        if (quote_open_line_ != 0) {
            std::string with_quote(1, open_quote_);
            with_quote += line;
            std::size_t close = closing_quote(with_quote);
            if (close == std::string_view::npos) return;
            quote_open_line_ = 0;
            after_value(std::string_view(with_quote).substr(close + 1));
            return;
        }
        const std::size_t indent_end = line.find_first_not_of(' ');
        if (indent_end == std::string_view::npos) return;  // blank
        const int indent = static_cast<int>(indent_end);
        std::string_view content = line.substr(indent_end);
        if (!flow_depth_.empty()) {
            scan_flow(strip_comment(content));
            return;
        }
        if (block_scalar_parent_ >= 0) {
            if (content.front() == '\t' || indent > block_scalar_parent_) return;  // scalar text, opaque
            block_scalar_parent_ = -1;
        }
        if (content.front() == '\t') {
            fail("tab character in indentation");
            return;
        }
        if (content.front() == '#') return;
        if (indent == 0 && (content.starts_with("---") || content.starts_with("..."))) {
            if (content.size() == 3 || content[3] == ' ') {
                reset_document();
                std::string_view rest = strip_comment(content.substr(3));
                if (!trim_left(rest).empty()) value_of_document(trim_left(rest));
                return;
            }
        }
        if (indent == 0 && content.front() == '%') return;  // directive
        place_content(indent, content);
    }

    void reset_document() {
        levels_.clear();
        open_block_parent_.reset();
        scalar_continuation_indent_ = -1;
    }

    // "--- value" on the marker line: a scalar or flow document.
    void value_of_document(std::string_view value) { scan_value(value, 0); }

    void place_content(int column, std::string_view content) {
        // Peel "- " sequence indicators; each opens an item whose content
        // sits two or more columns to the right.
        while (content == "-" || content.starts_with("- ")) {
            if (!place(column, BlockKind::Sequence, {})) return;
            if (content == "-") {
                open_block_parent_ = column;
                scalar_continuation_indent_ = -1;
                return;
            }
            std::string_view rest = content.substr(1);
            const std::size_t spaces = rest.find_first_not_of(' ');
            if (spaces == std::string_view::npos) {
                open_block_parent_ = column;
                scalar_continuation_indent_ = -1;
                return;
            }
            if (rest[spaces] == '\t') {
                fail("tab character in indentation");
                return;
            }
            // The item's own content opens a nested block at its column.
            open_block_parent_ = column;
            column += 1 + static_cast<int>(spaces);
            content = rest.substr(spaces);
            if (content.front() == '#') return;
        }
        std::optional<std::size_t> colon = key_separator(content);
        if (failed_) return;
        if (!colon) {
            place_scalar(column, content);
            return;
        }
        std::string key(trim_right(content.substr(0, *colon)));
        if (!place(column, BlockKind::Mapping, key)) return;
        std::string_view value = trim_left(content.substr(*colon + 1));
        scan_value(value, column);
    }

    // Index of the ':' that separates a key from its value: the first ':'
    // followed by a space or the end of the line, after a quoted key if the
    // content starts with a quote. nullopt: the content is not "key: ...".
    std::optional<std::size_t> key_separator(std::string_view content) {
        std::size_t from = 0;
        if (content.front() == '"' || content.front() == '\'') {
            std::size_t close = closing_quote(content);
            if (close == std::string_view::npos) return std::nullopt;  // a quoted scalar spanning lines
            from = close + 1;
            std::string_view after = trim_left(content.substr(from));
            if (after.empty() || after.front() != ':') return std::nullopt;
            from = content.size() - after.size();
            if (from + 1 < content.size() && content[from + 1] != ' ' && content[from + 1] != '\t') return std::nullopt;
            return from;
        }
        if (content.front() == '[' || content.front() == '{') return std::nullopt;  // flow value
        std::string_view uncommented = strip_comment(content);
        for (std::size_t i = 0; i < uncommented.size(); ++i) {
            if (uncommented[i] != ':') continue;
            if (i + 1 == uncommented.size() || uncommented[i + 1] == ' ' || uncommented[i + 1] == '\t') {
                if (i == 0) {
                    fail("empty key before ':'");
                    return std::nullopt;
                }
                return i;
            }
        }
        return std::nullopt;
    }

    void place_scalar(int column, std::string_view content) {
        const bool continues_scalar = scalar_continuation_indent_ >= 0 && column > scalar_continuation_indent_;
        const bool block_value = open_block_parent_ && column > *open_block_parent_;
        const bool document_scalar = levels_.empty() && !open_block_parent_;
        if (!continues_scalar && !block_value && !document_scalar) {
            fail("expected 'key: value' or '- item', found '" + std::string(strip_comment(content).substr(0, 40)) + "'");
            return;
        }
        open_block_parent_.reset();
        scan_value(content, continues_scalar ? scalar_continuation_indent_ : column - 1);
    }

    // Registers a mapping key or sequence item at a column, checking it
    // against the enclosing blocks.
    bool place(int column, BlockKind kind, const std::string& key) {
        while (!levels_.empty() && levels_.back().indent > column) levels_.pop_back();
        // A sequence may be the value of a key at the same column
        // ("key:\n- a"); when it ends, the mapping under it continues.
        if (kind == BlockKind::Mapping && levels_.size() >= 2 && levels_.back().indent == column &&
            levels_.back().kind == BlockKind::Sequence && levels_[levels_.size() - 2].indent == column) {
            levels_.pop_back();
        }
        const std::optional<int> opened = open_block_parent_;
        const int continuation = scalar_continuation_indent_;
        open_block_parent_.reset();
        scalar_continuation_indent_ = -1;
        if (!levels_.empty() && levels_.back().indent == column) {
            Level& level = levels_.back();
            if (level.kind == kind) return add_key(level, key);
            if (kind == BlockKind::Sequence && opened && *opened == column) {
                levels_.push_back({column, kind, {}});
                return true;
            }
            fail(kind == BlockKind::Sequence ? "'- item' where a mapping key was expected"
                                             : "mapping key where a '- item' was expected");
            return false;
        }
        if (levels_.empty() || (opened && column > *opened)) {
            levels_.push_back({column, kind, {}});
            return add_key(levels_.back(), key);
        }
        if (continuation >= 0 && column > continuation && kind == BlockKind::Mapping) {
            fail("mapping value not allowed here: the line above holds a scalar, not a block");
        } else {
            fail("indentation of " + std::to_string(column) + " matches no enclosing block");
        }
        return false;
    }

    bool add_key(Level& level, const std::string& key) {
        if (level.kind != BlockKind::Mapping) return true;
        if (!level.keys.insert(key).second) {
            fail("duplicate key '" + key + "'");
            return false;
        }
        return true;
    }

    // The value part of "key: value" (or of a scalar line); column is the
    // key's column, beyond which continuation lines may follow.
    void scan_value(std::string_view value, int column) {
        // Node properties (anchor, tag) before the value proper.
        while (!value.empty() && (value.front() == '&' || value.front() == '!')) {
            std::size_t space = value.find(' ');
            value = space == std::string_view::npos ? std::string_view{} : trim_left(value.substr(space));
        }
        value = trim_right(value);
        if (value.empty() || value.front() == '#') {
            open_block_parent_ = column;
            return;
        }
        if (value.front() == '|' || value.front() == '>') {
            std::string_view indicators = strip_comment(value.substr(1));
            if (indicators.find_first_not_of("+-0123456789") != std::string_view::npos) {
                fail("unexpected text after block scalar indicator");
                return;
            }
            block_scalar_parent_ = column;
            return;
        }
        if (value.front() == '"' || value.front() == '\'') {
            std::size_t close = closing_quote(value);
            if (close == std::string_view::npos) {
                quote_open_line_ = line_number_;
                open_quote_ = value.front();
                return;
            }
            after_value(value.substr(close + 1));
            return;
        }
        if (value.front() == '[' || value.front() == '{') {
            flow_open_line_ = line_number_;
            scan_flow(strip_comment(value));
            return;
        }
        std::string_view plain = strip_comment(value);
        if (plain.find(": ") != std::string_view::npos || plain.ends_with(":")) {
            fail("mapping values are not allowed in a plain scalar (quote it)");
            return;
        }
        scalar_continuation_indent_ = column;
    }

    void after_value(std::string_view rest) {
        rest = strip_comment(rest);
        if (!trim_left(rest).empty()) fail("unexpected text after a quoted scalar");
    }

    void scan_flow(std::string_view text) {
        for (std::size_t i = 0; i < text.size() && !failed_; ++i) {
            const char c = text[i];
            if ((c == '"' || c == '\'') && (i == 0 || std::string_view("[{, :").find(text[i - 1]) != std::string_view::npos)) {
                std::size_t close = closing_quote(text.substr(i));
                if (close == std::string_view::npos) {
                    fail("quoted scalar inside a flow collection must end on its line");
                    return;
                }
                i += close;
            } else if (c == '[' || c == '{') {
                flow_depth_.push_back(c);
            } else if (c == ']' || c == '}') {
                const char open = c == ']' ? '[' : '{';
                if (flow_depth_.empty() || flow_depth_.back() != open) {
                    fail(std::string("unbalanced '") + c + "' in flow collection");
                    return;
                }
                flow_depth_.pop_back();
                if (flow_depth_.empty() && !trim_left(text.substr(i + 1)).empty()) {
                    fail("unexpected text after a flow collection");
                    return;
                }
            }
        }
    }

    std::vector<Level> levels_;
    std::optional<int> open_block_parent_;   // the last line opened a block at this column
    int scalar_continuation_indent_ = -1;    // a plain scalar may continue right of this column
    int block_scalar_parent_ = -1;           // inside | or > text indented right of this column
    std::vector<char> flow_depth_;
    int flow_open_line_ = 0;
    int quote_open_line_ = 0;
    char open_quote_ = '"';
    int line_number_ = 0;
    bool failed_ = false;
    std::string message_;
};

}  // namespace

CheckOutcome check_yaml_structure(std::string_view text) { return YamlChecker().run(text); }

}  // namespace validprof::validation
