// Whitespace and line-length checks: the part of a code formatter's verdict
// that needs no formatter. They work on bytes and lines, never on a parse, so
// they apply to any text file; which ones apply to which kind of file is
// decided in file_checks.cpp.
#pragma once

#include <string_view>

#include "validation/checks/check_outcome.h"

namespace validprof::validation {

// Lines split on '\n'; a '\r' before it is part of the line ending (CRLF
// files are not "trailing whitespace" on every line).
struct LineRange {
    std::string_view text;
    int number = 0;  // 1-based
};

// Trailing spaces or tabs. With check_indentation also: a space followed by
// a tab inside one line's indentation, and a file that indents some lines
// with tabs and others with two or more spaces (a single space is the " * "
// of a block comment continuation, not indentation).
CheckOutcome check_whitespace(std::string_view text, bool check_indentation);

// Lines wider than max_columns. Columns count UTF-8 code points, a tab
// advancing to the next multiple of 8 as in editors and diffs.
CheckOutcome check_line_length(std::string_view text, int max_columns);

// Number of lines the way `wc -l` would count them, plus a last line without
// its newline.
int count_lines(std::string_view text);

}  // namespace validprof::validation
