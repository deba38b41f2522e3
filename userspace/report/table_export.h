// The report's tables for other programs: `validprof report --format csv|md`.
//
// Each table is defined once, as a neutral ExportTable (typed columns, rows
// of optional cells) built from the same ReportData / summaries the text and
// JSON reports use, and then rendered:
// - CSV (RFC 4180): one table per output, a header row of snake_case column
//   names with the unit in the name (`p50_wall_ns`), LF line ends. A field is
//   quoted when it holds a comma, a double quote, CR or LF; quotes inside are
//   doubled. Durations and counts are integers (nanoseconds for durations,
//   the same figures as the JSON report), fractional means and percentages
//   are shortest round-trip decimals. An empty field is a value the JSON
//   report has as null (a percentile with no complete invocation). Names go
//   through to_valid_utf8, so the output is valid UTF-8.
// - Markdown (GitHub-flavoured pipe tables): a `###` heading per table, a
//   `---` row with `---:` for numeric columns, durations human-readable as in
//   the text report ("12.3 ms") and the `_ns` suffix dropped from their
//   column names. Names go through sanitize (control characters, newlines
//   included, become '?'); `|`, `\` and the characters that would start
//   inline formatting (`*`, `_`, backquote, `[`, `]`, `<`, `>`, `&`, `~`) are
//   backslash-escaped, so a hook called `a|b` stays one cell and reads as
//   itself. Unknown values read "-".
//
// Spreadsheets may evaluate a CSV cell beginning with '=', '+', '-' or '@'
// as a formula; cells are not altered for that, since the same bytes must
// come back out of a CSV reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "report/report_input.h"

namespace validprof::report {

// How a column's values read; everything but kText is numeric (right-aligned
// in Markdown).
enum class ColumnKind {
    kText,
    kInteger,     // a count or an id
    kDurationNs,  // nanoseconds; Markdown: format_duration
    kUnixTimeNs,  // a Unix timestamp in nanoseconds; Markdown: format_local_time
    kDecimal,     // a fractional mean (switches, processes); Markdown: format_count
    kPercent,     // Markdown: format_percent
};

struct ExportColumn {
    std::string name;  // snake_case, unit in the name
    ColumnKind kind = ColumnKind::kText;

    bool numeric() const { return kind != ColumnKind::kText; }
};

// nullopt: not known (null in the JSON report). Text cells hold the raw
// bytes; each renderer makes them safe for its format.
using ExportValue = std::variant<std::string, std::uint64_t, std::int64_t, double>;
using ExportCell = std::optional<ExportValue>;

struct ExportTable {
    std::string title;  // the Markdown heading
    std::vector<ExportColumn> columns;
    std::vector<std::vector<ExportCell>> rows;  // each as long as columns
};

enum class TableKind {
    kHooks,    // one row per hook: counts, wall-time percentiles, mean breakdown
    kPhases,   // USDT phases per hook (phase_summary.h)
    kSlowest,  // the slowest complete invocations, slowest first
    kSql,      // normalized SQL statements by total time (report --sql)
};

// "hooks", "phases", "slowest", "sql"; nullopt for anything else.
std::optional<TableKind> parse_table_kind(std::string_view name);
inline constexpr const char* kTableKindNames = "hooks, phases, slowest or sql";

// The tables of one report. hook_filter, slowest_count and the phases are
// taken from the input as the text report takes them; top_n bounds the SQL
// statements (0: all). An SQL table of a session without SQLite data has
// no rows.
ExportTable hooks_table(const ReportInput& input);
ExportTable phases_table(const ReportInput& input);
ExportTable slowest_table(const ReportInput& input);
ExportTable sql_table(const ReportInput& input, std::size_t top_n);
ExportTable build_table(const ReportInput& input, TableKind kind, std::size_t top_n);

std::string render_csv(const ExportTable& table);
std::string render_markdown(const ExportTable& table);

// `report --format md` without --table: hooks, then phases when the
// selection has any, then the slowest invocations.
std::string render_markdown_report(const ReportInput& input);

// The CSV field and Markdown cell encodings on their own, for tests.
std::string csv_field(std::string_view text);
std::string markdown_cell(std::string_view text);

}  // namespace validprof::report
