#include "validation/checks/c_brackets.h"

#include <cctype>
#include <string>
#include <vector>

namespace validprof::validation {

namespace {

struct Open {
    char bracket;
    int line;
};

char closer_of(char open) { return open == '(' ? ')' : open == '[' ? ']' : '}'; }

CheckOutcome failure(int line, const std::string& what) {
    return CheckOutcome{kSyntaxCheck, false, 1, "line " + std::to_string(line) + ": " + what};
}

}  // namespace

CheckOutcome check_c_brackets(std::string_view text) {
    std::vector<Open> open;
    int line = 1;
    std::size_t i = 0;
    const std::size_t size = text.size();
    auto at = [&](std::size_t index) { return index < size ? text[index] : '\0'; };
    while (i < size) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            ++i;
        } else if (c == '/' && at(i + 1) == '/') {
            while (i < size && text[i] != '\n') ++i;
        } else if (c == '/' && at(i + 1) == '*') {
            const int start_line = line;
            i += 2;
            while (i < size && !(text[i] == '*' && at(i + 1) == '/')) {
                if (text[i] == '\n') ++line;
                ++i;
            }
            if (i >= size) return failure(start_line, "unterminated /* comment");
            i += 2;
        } else if (c == 'R' && at(i + 1) == '"' &&
                   (i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_') ||
                    text[i - 1] == 'u' || text[i - 1] == 'U' || text[i - 1] == 'L' || text[i - 1] == '8')) {
            // Raw string R"delim( ... )delim": nothing inside is escaped.
            const int start_line = line;
            std::size_t paren = text.find('(', i + 2);
            if (paren == std::string_view::npos || paren - (i + 2) > 16) return failure(line, "malformed raw string");
            const std::string terminator = ")" + std::string(text.substr(i + 2, paren - (i + 2))) + "\"";
            std::size_t end = text.find(terminator, paren + 1);
            if (end == std::string_view::npos) return failure(start_line, "unterminated raw string");
            for (std::size_t k = i; k < end; ++k) line += text[k] == '\n' ? 1 : 0;
            i = end + terminator.size();
        } else if (c == '"' || c == '\'') {
            // Ordinary literal: ends at the matching quote or, unterminated,
            // at the end of the line (a stray apostrophe in a digit separator
            // such as 1'000 must not swallow the rest of the file).
            const bool digit_separator = c == '\'' && i > 0 && std::isxdigit(static_cast<unsigned char>(text[i - 1])) &&
                                         std::isxdigit(static_cast<unsigned char>(at(i + 1)));
            ++i;
            if (digit_separator) continue;
            while (i < size && text[i] != c && text[i] != '\n') {
                if (text[i] == '\\' && at(i + 1) == '\n') ++line;  // line continuation inside the literal
                i += text[i] == '\\' ? 2 : 1;
            }
            if (i >= size || text[i] == '\n') return failure(line, std::string("unterminated ") + (c == '"' ? "string" : "character") + " literal");
            ++i;
        } else if (c == '(' || c == '[' || c == '{') {
            open.push_back({c, line});
            ++i;
        } else if (c == ')' || c == ']' || c == '}') {
            if (open.empty()) return failure(line, std::string("unmatched '") + c + "'");
            if (closer_of(open.back().bracket) != c) {
                return failure(line, std::string("'") + c + "' closes '" + open.back().bracket + "' opened on line " +
                                         std::to_string(open.back().line));
            }
            open.pop_back();
            ++i;
        } else {
            ++i;
        }
    }
    if (!open.empty()) {
        return failure(open.back().line, std::string("'") + open.back().bracket + "' is never closed");
    }
    return passed_check(kSyntaxCheck);
}

}  // namespace validprof::validation
