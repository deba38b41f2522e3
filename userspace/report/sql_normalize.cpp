#include "report/sql_normalize.h"

#include <cstddef>
#include <vector>

namespace validprof::report {
namespace {

enum class Kind { kWord, kQuoted, kLiteral, kParameter, kPunct };

struct Token {
    Kind kind;
    std::string text;
    bool space_before;  // whitespace or a comment separated it from the previous token
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// SQLite takes every byte >= 0x80 as an identifier character (UTF-8 names).
bool is_word_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_word_char(char c) { return is_word_start(c) || is_digit(c) || c == '$'; }

bool equals_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// The end (one past the closing quote) of a quoted run starting at `open`,
// where a doubled quote stands for itself; the end of the text when the
// closing quote is missing.
std::size_t skip_quoted(std::string_view sql, std::size_t open, char quote) {
    std::size_t at = open + 1;
    while (true) {
        std::size_t close = sql.find(quote, at);
        if (close == std::string_view::npos) return sql.size();
        if (close + 1 < sql.size() && sql[close + 1] == quote) {
            at = close + 2;
            continue;
        }
        return close + 1;
    }
}

std::size_t skip_digits(std::string_view sql, std::size_t at) {
    // '_' separators (SQLite 3.46: 1_000_000) only between digits, but a
    // stray one is harmless here: it ends up inside the same literal.
    while (at < sql.size() && (is_digit(sql[at]) || sql[at] == '_')) ++at;
    return at;
}

std::size_t skip_number(std::string_view sql, std::size_t at) {
    const auto peek = [&](std::size_t i) { return i < sql.size() ? sql[i] : '\0'; };
    if (peek(at) == '0' && (peek(at + 1) == 'x' || peek(at + 1) == 'X') && is_hex(peek(at + 2))) {
        at += 2;
        while (at < sql.size() && (is_hex(sql[at]) || sql[at] == '_')) ++at;
    } else {
        at = skip_digits(sql, at);
        if (peek(at) == '.') at = skip_digits(sql, at + 1);
        if ((peek(at) == 'e' || peek(at) == 'E') &&
            (is_digit(peek(at + 1)) || ((peek(at + 1) == '+' || peek(at + 1) == '-') && is_digit(peek(at + 2)))))
            at = skip_digits(sql, at + 2);
    }
    // "12abc" is a syntax error for SQLite; keep it one literal rather than
    // leave "?abc" behind.
    while (at < sql.size() && is_word_char(sql[at])) ++at;
    return at;
}

bool is_placeholder(const Token& token) {
    return (token.kind == Kind::kLiteral || token.kind == Kind::kParameter) && token.text == "?";
}
bool is_punct(const Token& token, char c) { return token.kind == Kind::kPunct && token.text.size() == 1 && token.text[0] == c; }

// After these a sign cannot be a binary operator.
bool sign_is_unary_after(const std::vector<Token>& tokens, std::size_t sign_index) {
    if (sign_index == 0) return true;
    const Token& before = tokens[sign_index - 1];
    if (before.kind != Kind::kPunct) return false;
    static constexpr std::string_view kOperators = "(,=<>!+-*/%|&~";
    return before.text.size() == 1 && kOperators.find(before.text[0]) != std::string_view::npos;
}

void push_number(std::vector<Token>& tokens, bool space_before) {
    if (!tokens.empty() && (is_punct(tokens.back(), '-') || is_punct(tokens.back(), '+')) &&
        sign_is_unary_after(tokens, tokens.size() - 1)) {
        space_before = tokens.back().space_before;
        tokens.pop_back();
    }
    tokens.push_back({Kind::kLiteral, "?", space_before});
}

// Called right after a ')' was pushed: "IN (?, ?, ...)" with two or more
// bare placeholders becomes "IN (?, ...)".
void collapse_in_list(std::vector<Token>& tokens) {
    // Walk back from the ')': placeholder, then (',' placeholder)*, then '('.
    std::size_t at = tokens.size() - 1;
    std::size_t placeholders = 0;
    while (true) {
        if (at == 0 || !is_placeholder(tokens[at - 1])) return;
        --at;
        ++placeholders;
        if (at == 0) return;
        if (is_punct(tokens[at - 1], ',')) {
            --at;
            continue;
        }
        if (is_punct(tokens[at - 1], '(')) {
            --at;
            break;
        }
        return;
    }
    if (placeholders < 2 || at == 0) return;
    const Token& in = tokens[at - 1];
    if (in.kind != Kind::kWord || !equals_ignore_case(in.text, "in")) return;
    tokens.resize(at + 1);  // keep through the '('
    tokens.push_back({Kind::kLiteral, "?", false});
    tokens.push_back({Kind::kPunct, ",", false});
    tokens.push_back({Kind::kPunct, "...", true});
    tokens.push_back({Kind::kPunct, ")", false});
}

std::vector<Token> tokenize(std::string_view sql) {
    std::vector<Token> tokens;
    bool pending_space = false;
    std::size_t i = 0;
    const auto peek = [&](std::size_t at) { return at < sql.size() ? sql[at] : '\0'; };
    while (i < sql.size()) {
        const char c = sql[i];
        if (is_space(c)) {
            pending_space = true;
            ++i;
            continue;
        }
        if (c == '-' && peek(i + 1) == '-') {
            std::size_t end = sql.find('\n', i + 2);
            i = end == std::string_view::npos ? sql.size() : end;
            pending_space = true;
            continue;
        }
        if (c == '/' && peek(i + 1) == '*') {
            std::size_t end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
            pending_space = true;
            continue;
        }
        const bool space_before = pending_space && !tokens.empty();
        pending_space = false;
        if (c == '\'') {
            i = skip_quoted(sql, i, '\'');
            tokens.push_back({Kind::kLiteral, "?", space_before});
        } else if ((c == 'x' || c == 'X') && peek(i + 1) == '\'') {
            i = skip_quoted(sql, i + 1, '\'');
            tokens.push_back({Kind::kLiteral, "?", space_before});
        } else if (c == '"' || c == '`' || c == '[') {
            std::size_t end = c == '[' ? sql.find(']', i + 1) : skip_quoted(sql, i, c);
            if (c == '[') end = end == std::string_view::npos ? sql.size() : end + 1;
            tokens.push_back({Kind::kQuoted, std::string(sql.substr(i, end - i)), space_before});
            i = end;
        } else if (is_digit(c) || (c == '.' && is_digit(peek(i + 1)))) {
            i = skip_number(sql, i);
            push_number(tokens, space_before);
        } else if (c == '?') {
            std::size_t end = i + 1;
            while (end < sql.size() && is_digit(sql[end])) ++end;
            tokens.push_back({Kind::kParameter, std::string(sql.substr(i, end - i)), space_before});
            i = end;
        } else if ((c == ':' || c == '@' || c == '$') && is_word_char(peek(i + 1))) {
            std::size_t end = i + 1;
            while (end < sql.size() && is_word_char(sql[end])) ++end;
            tokens.push_back({Kind::kParameter, std::string(sql.substr(i, end - i)), space_before});
            i = end;
        } else if (is_word_start(c)) {
            std::size_t end = i + 1;
            while (end < sql.size() && is_word_char(sql[end])) ++end;
            tokens.push_back({Kind::kWord, std::string(sql.substr(i, end - i)), space_before});
            i = end;
        } else {
            tokens.push_back({Kind::kPunct, std::string(1, c), space_before});
            ++i;
            if (c == ')') collapse_in_list(tokens);
        }
    }
    while (!tokens.empty() && is_punct(tokens.back(), ';')) tokens.pop_back();
    return tokens;
}

}  // namespace

std::string normalize_sql(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    for (const Token& token : tokenize(sql)) {
        if (token.space_before && !out.empty()) out += ' ';
        out += token.text;
    }
    return out;
}

}  // namespace validprof::report
