// Column layout for the text report. Durations contain "µ" (two bytes, one
// column) and argv can hold any UTF-8, so widths are counted in code points,
// not bytes, or every column after the first "µs" would drift.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace validprof::report {

// Number of code points (continuation bytes not counted). East Asian wide
// characters still count as one column; argv is rarely made of them and the
// misalignment is cosmetic.
std::size_t display_width(std::string_view text);

// argv and exe paths are bytes, not necessarily UTF-8 (a file name in
// Latin-1, a truncated read). Each byte that does not start a well-formed
// sequence becomes U+FFFD, so the text stays printable and JSON
// serialisation (which rejects invalid UTF-8) cannot fail.
std::string to_valid_utf8(std::string_view text);

// to_valid_utf8, then control characters (a newline in `git commit -m "a<NL>b"`, a tab, ESC)
// would break the table or drive the terminal; each becomes a '?'.
std::string sanitize(std::string_view text);

// At most `width` code points, the last one an ellipsis when shortened;
// never cuts a multi-byte character in half.
std::string truncate(std::string_view text, std::size_t width);

std::string pad_right(std::string_view text, std::size_t width);
std::string pad_left(std::string_view text, std::size_t width);

enum class Align { kLeft, kRight };

// A plain table: one header row, columns sized to their widest cell, two
// spaces between columns, every line prefixed with `indent`.
class TextTable {
public:
    TextTable(std::vector<std::string> headers, std::vector<Align> aligns);

    void add_row(std::vector<std::string> cells);
    std::string render(std::string_view indent) const;

private:
    std::vector<std::string> headers_;
    std::vector<Align> aligns_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace validprof::report
