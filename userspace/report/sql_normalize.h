// SQL text normalization for grouping statement executions: two runs of the
// same statement with different literals (an autocommit INSERT per row, a
// SELECT per key) must fall into one group in `validprof report --sql`.
//
// A single pass over SQLite's lexical grammar, no parsing: the input may be
// cut at the recording bound (mid-string, mid-comment) or not be valid SQL
// at all, and normalization must still terminate with something readable.
#pragma once

#include <string>
#include <string_view>

namespace validprof::report {

// Rules, in the order a reader would apply them:
//  - string literals ('...', '' inside is a quote) become ?; an unterminated
//    one (text cut at the bound) runs to the end and becomes ?;
//  - blob literals (x'..', X'..') become ?;
//  - numeric literals become ?: integers, decimals (1.5, .5, 1.), exponents
//    (1e10, 2.5E-3), hex (0x1F), digit separators (1_000). Digits inside a
//    word (t1, col2) or a quoted identifier ("col2") are kept;
//  - a + or - sign directly before a number becomes part of the literal when
//    it cannot be a binary operator, i.e. when it follows an opening
//    parenthesis, a comma, another operator or nothing: "VALUES (-1)" and
//    "VALUES (1)" normalize alike, "a - 1" keeps its minus;
//  - quoted identifiers ("..", `..`, [..]) are kept byte for byte;
//  - parameters (?, ?NNN, :name, @name, $name) are kept;
//  - comments (-- to the end of the line, /* ... */) become whitespace;
//  - each run of whitespace becomes one space; the text is trimmed and
//    trailing semicolons are removed;
//  - IN lists of two or more bare ? (after the replacements above) become
//    "(?, ...)", so IN lists of different lengths group together. A single
//    "IN (?)" and lists holding anything else are kept.
// Keywords keep their case; a statement typed in two cases stays two groups.
std::string normalize_sql(std::string_view sql);

}  // namespace validprof::report
