#include "validation/checks/text_style.h"

#include <algorithm>
#include <functional>
#include <string>

namespace validprof::validation {

namespace {

void for_each_line(std::string_view text, const std::function<void(std::string_view, int)>& visit) {
    int number = 1;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        visit(line, number++);
        start = end + 1;
    }
}

void note_issue(CheckOutcome& outcome, int line, const std::string& what) {
    if (outcome.issues == 0) outcome.detail = "line " + std::to_string(line) + ": " + what;
    ++outcome.issues;
    outcome.passed = false;
}

}  // namespace

int count_lines(std::string_view text) {
    int lines = 0;
    for_each_line(text, [&](std::string_view, int) { ++lines; });
    return lines;
}

CheckOutcome check_whitespace(std::string_view text, bool check_indentation) {
    CheckOutcome outcome = passed_check(kWhitespaceCheck);
    int first_tab_line = 0;
    int first_space_line = 0;
    for_each_line(text, [&](std::string_view line, int number) {
        if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
            note_issue(outcome, number, "trailing whitespace");
            return;
        }
        if (!check_indentation) return;
        std::size_t indent = line.find_first_not_of(" \t");
        if (indent == std::string_view::npos) return;  // blank line
        std::string_view leading = line.substr(0, indent);
        if (leading.find(" \t") != std::string_view::npos) {
            note_issue(outcome, number, "space before tab in indentation");
            return;
        }
        if (!leading.empty() && leading.front() == '\t') {
            if (first_tab_line == 0) first_tab_line = number;
        } else if (leading.size() >= 2) {
            if (first_space_line == 0) first_space_line = number;
        }
    });
    if (first_tab_line != 0 && first_space_line != 0) {
        const int later = std::max(first_tab_line, first_space_line);
        note_issue(outcome, later,
                   "indentation mixes tabs (line " + std::to_string(first_tab_line) + ") and spaces (line " +
                       std::to_string(first_space_line) + ")");
    }
    return outcome;
}

CheckOutcome check_line_length(std::string_view text, int max_columns) {
    CheckOutcome outcome = passed_check(kLineLengthCheck);
    for_each_line(text, [&](std::string_view line, int number) {
        int columns = 0;
        for (char c : line) {
            const auto byte = static_cast<unsigned char>(c);
            if (c == '\t') {
                columns = (columns / 8 + 1) * 8;
            } else if ((byte & 0xc0) != 0x80) {  // not a UTF-8 continuation byte
                ++columns;
            }
        }
        if (columns > max_columns) {
            note_issue(outcome, number,
                       std::to_string(columns) + " columns, limit " + std::to_string(max_columns));
        }
    });
    return outcome;
}

}  // namespace validprof::validation
