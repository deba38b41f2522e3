// Column layout for the text report. Durations contain "µ" (two bytes, one
// column) and argv can hold any UTF-8, so widths are counted in code points,
// not bytes, or every column after the first "µs" would drift.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace validprof::text {

// Number of code points (continuation bytes not counted). East Asian wide
// characters still count as one column; argv is rarely made of them and the
// misalignment is cosmetic.
std::size_t display_width(std::string_view text);

// argv and exe paths are bytes, not necessarily UTF-8 (a file name in
// Latin-1, a truncated read). Each byte that does not start a well-formed
// sequence becomes U+FFFD, so the text stays printable and JSON
// serialisation (which rejects invalid UTF-8) cannot fail.
std::string to_valid_utf8(std::string_view text);

// to_valid_utf8, then control characters (a newline in `git commit -m "a<NL>b"`, a tab, ESC,
// and the C1 controls U+0080..U+009F, which some terminals obey as escape sequences)
// would break the table or drive the terminal; each becomes a '?'.
std::string sanitize(std::string_view text);

// At most `width` code points, the last one an ellipsis when shortened;
// never cuts a multi-byte character in half.
std::string truncate(std::string_view text, std::size_t width);

// The same from the other end: "…" then the last width - 1 code points,
// for paths, whose file name is at the end.
std::string truncate_start(std::string_view text, std::size_t width);

std::string pad_right(std::string_view text, std::size_t width);
std::string pad_left(std::string_view text, std::size_t width);

enum class Align { kLeft, kRight };
enum class Cut { kEnd, kStart };

// A plain table: one header row, columns sized to their widest cell, two
// spaces between columns, every line prefixed with `indent`.
//
// Fitted to a width (the terminal's), a table never wraps: first its
// elastic column (a command line, an SQL statement) is cut with "…" down
// to its minimum, then columns are hidden in the table's drop order and a
// line under the table names them ("--wide shows them"), and only a table
// that still does not fit has its lines cut.
class TextTable {
public:
    TextTable(std::vector<std::string> headers, std::vector<Align> aligns);

    void add_row(std::vector<std::string> cells);
    // The column that gives up width first, and how narrow it may get.
    void set_elastic(std::size_t column, std::size_t min_width, Cut cut = Cut::kEnd);
    // Columns hidden, in this order, when the elastic one is at its minimum.
    void set_drop_order(std::vector<std::size_t> columns);
    // max_width 0: as wide as the cells are (--wide).
    std::string render(std::string_view indent, std::size_t max_width = 0) const;

private:
    std::vector<std::string> headers_;
    std::vector<Align> aligns_;
    std::vector<std::vector<std::string>> rows_;
    std::size_t elastic_ = static_cast<std::size_t>(-1);
    std::size_t elastic_min_ = 0;
    Cut elastic_cut_ = Cut::kEnd;
    std::vector<std::size_t> drop_order_;
};

// Lines longer than `width` code points are wrapped at spaces, continued
// with the line's own indentation plus two; a word longer than the room is
// cut with "…". Tables are fitted before (TextTable::render), so this only
// breaks prose. width 0 leaves the text as it is.
std::string wrap_lines(std::string_view text, std::size_t width);

}  // namespace validprof::text
