#include "report/table_export.h"

#include <charconv>
#include <cmath>
#include <sstream>
#include <type_traits>

#include "text/duration_format.h"
#include "report/exit_status.h"
#include "report/phase_summary.h"
#include "report/report_data.h"
#include "report/sqlite_summary.h"
#include "text/text_layout.h"

namespace validprof::report {

// The text helpers (userspace/text) are this module's vocabulary.
using namespace validprof::text;
namespace {

constexpr ColumnKind kText = ColumnKind::kText;
constexpr ColumnKind kInteger = ColumnKind::kInteger;
constexpr ColumnKind kDuration = ColumnKind::kDurationNs;
constexpr ColumnKind kUnixTime = ColumnKind::kUnixTimeNs;
constexpr ColumnKind kDecimal = ColumnKind::kDecimal;
constexpr ColumnKind kPercent = ColumnKind::kPercent;

// As the JSON report rounds its means: to the nearest nanosecond, never negative.
std::uint64_t round_ns(double ns) { return ns > 0 ? static_cast<std::uint64_t>(std::llround(ns)) : 0; }

ExportCell count_cell(std::uint64_t value) { return ExportValue(value); }
ExportCell signed_cell(std::int64_t value) { return ExportValue(value); }
ExportCell text_cell(const std::string& text) { return ExportValue(text); }

std::string session_title(const std::string& what, const ReportInput& input) {
    std::string title = what + " (session " + std::to_string(input.session.id);
    if (input.hook_filter) title += ", hook " + *input.hook_filter;
    return title + ")";
}

// The session's phases after the hook filter, attributed as the text and
// JSON reports attribute them.
PhaseReport selected_phases(const ReportInput& input, const ReportData& data) {
    std::vector<model::Invocation> selected;
    for (const model::Invocation& invocation : input.invocations)
        if (!input.hook_filter || invocation.hook == *input.hook_filter) selected.push_back(invocation);
    std::vector<model::PhaseExecution> phases;
    const std::vector<std::string> owners = attribute_phases(input.invocations, input.phases);
    for (std::size_t i = 0; i < input.phases.size(); ++i)
        if (!input.hook_filter || owners[i] == *input.hook_filter) phases.push_back(input.phases[i]);
    if (phases.empty()) return {};
    return summarize_phases(selected, phases, data.span.known ? data.span.duration_ns : 0);
}

ExportTable hooks_table(const ReportInput& input, const ReportData& data) {
    ExportTable table;
    table.title = session_title("Hooks", input);
    table.columns = {{"hook", kText},
                     {"count", kInteger},
                     {"complete", kInteger},
                     {"incomplete", kInteger},
                     {"failed", kInteger},
                     {"p50_wall_ns", kDuration},
                     {"p90_wall_ns", kDuration},
                     {"p95_wall_ns", kDuration},
                     {"p99_wall_ns", kDuration},
                     {"max_wall_ns", kDuration},
                     {"min_wall_ns", kDuration},
                     {"mean_wall_ns", kDuration},
                     {"mean_on_cpu_ns", kDuration},
                     {"mean_run_queue_wait_ns", kDuration},
                     {"mean_off_cpu_sleep_ns", kDuration},
                     {"mean_off_cpu_blocked_ns", kDuration},
                     {"mean_voluntary_switches", kDecimal},
                     {"mean_involuntary_switches", kDecimal},
                     {"mean_processes", kDecimal},
                     {"total_on_cpu_ns", kDuration},
                     {"mean_other_thread_count", kDecimal},
                     {"mean_main_threads_on_cpu_ns", kDuration},
                     {"mean_main_threads_run_queue_wait_ns", kDuration},
                     {"mean_main_threads_off_cpu_sleep_ns", kDuration},
                     {"mean_main_threads_off_cpu_blocked_ns", kDuration},
                     {"mean_other_threads_on_cpu_ns", kDuration},
                     {"mean_other_threads_run_queue_wait_ns", kDuration},
                     {"mean_other_threads_off_cpu_sleep_ns", kDuration},
                     {"mean_other_threads_off_cpu_blocked_ns", kDuration}};
    for (const HookSummary& h : data.hooks) {
        // Empty, as null in JSON, when nothing completed: 0 ns would read as "fast".
        const auto wall = [&h](std::uint64_t ns) { return h.complete ? count_cell(ns) : ExportCell(); };
        const auto mean = [&h](double value) { return h.complete ? ExportCell(ExportValue(value)) : ExportCell(); };
        table.rows.push_back({text_cell(h.hook),
                              count_cell(h.count),
                              count_cell(h.complete),
                              count_cell(h.incomplete()),
                              count_cell(h.failed),
                              wall(h.p50_ns),
                              wall(h.p90_ns),
                              wall(h.p95_ns),
                              wall(h.p99_ns),
                              wall(h.max_ns),
                              wall(h.min_ns),
                              wall(h.mean_ns),
                              wall(round_ns(h.mean_on_cpu_ns)),
                              wall(round_ns(h.mean_run_queue_wait_ns)),
                              wall(round_ns(h.mean_off_cpu_sleep_ns)),
                              wall(round_ns(h.mean_off_cpu_blocked_ns)),
                              mean(h.mean_voluntary_switches),
                              mean(h.mean_involuntary_switches),
                              mean(h.mean_processes),
                              count_cell(h.total_on_cpu_ns()),
                              mean(h.mean_other_thread_count),
                              wall(h.mean_main_threads.on_cpu_ns),
                              wall(h.mean_main_threads.run_queue_wait_ns),
                              wall(h.mean_main_threads.off_cpu_sleep_ns),
                              wall(h.mean_main_threads.off_cpu_blocked_ns),
                              wall(h.mean_other_threads.on_cpu_ns),
                              wall(h.mean_other_threads.run_queue_wait_ns),
                              wall(h.mean_other_threads.off_cpu_sleep_ns),
                              wall(h.mean_other_threads.off_cpu_blocked_ns)});
    }
    return table;
}

ExportTable phases_table(const ReportInput& input, const ReportData& data) {
    ExportTable table;
    table.title = session_title("Phases", input);
    table.columns = {{"hook", kText},         {"provider", kText},
                     {"phase", kText},        {"count", kInteger},
                     {"p50_ns", kDuration},   {"p99_ns", kDuration},
                     {"max_ns", kDuration},   {"total_ns", kDuration},
                     {"share_of_hook_wall_percent", kPercent}, {"on_cpu_ns", kDuration}};
    for (const PhaseSummary& phase : selected_phases(input, data).phases)
        table.rows.push_back({text_cell(phase.hook), text_cell(phase.provider), text_cell(phase.phase),
                              count_cell(phase.count), count_cell(phase.p50_ns), count_cell(phase.p99_ns),
                              count_cell(phase.max_ns), count_cell(phase.total_ns),
                              ExportValue(phase.share_of_hook_wall_percent), count_cell(phase.on_cpu_ns)});
    return table;
}

ExportTable slowest_table(const ReportInput& input, const ReportData& data) {
    ExportTable table;
    table.title = session_title("Slowest complete invocations", input);
    table.columns = {{"rank", kInteger},
                     {"invocation_id", kInteger},
                     {"hook", kText},
                     {"root_pid", kInteger},
                     {"start_unix_ns", kUnixTime},
                     {"wall_ns", kDuration},
                     {"exit_code", kInteger},
                     {"exit", kText},
                     {"on_cpu_ns", kDuration},
                     {"run_queue_wait_ns", kDuration},
                     {"off_cpu_sleep_ns", kDuration},
                     {"off_cpu_blocked_ns", kDuration},
                     {"voluntary_switches", kInteger},
                     {"involuntary_switches", kInteger},
                     {"process_count", kInteger}};
    for (std::size_t i = 0; i < data.slowest.size(); ++i) {
        const model::Invocation& inv = *data.slowest[i];
        table.rows.push_back({count_cell(i + 1), signed_cell(inv.id), text_cell(inv.hook), signed_cell(inv.root_pid),
                              signed_cell(to_unix_ns(input.session.info, inv.start_ns)), count_cell(inv.wall_ns()),
                              signed_cell(inv.exit_code), text_cell(describe_exit_status(inv.exit_code)),
                              count_cell(inv.times.on_cpu_ns), count_cell(inv.times.run_queue_wait_ns),
                              count_cell(inv.times.off_cpu_sleep_ns), count_cell(inv.times.off_cpu_blocked_ns),
                              count_cell(inv.times.voluntary_switches), count_cell(inv.times.involuntary_switches),
                              count_cell(inv.processes.size())});
    }
    return table;
}

// Markdown's name of a column whose values it prints with their unit.
std::string markdown_label(const ExportColumn& column) {
    const auto strip = [&column](std::string_view suffix) {
        const std::string& name = column.name;
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            return name.substr(0, name.size() - suffix.size());
        return name;
    };
    if (column.kind == kDuration) return strip("_ns");
    if (column.kind == kUnixTime) return strip("_unix_ns");
    return column.name;
}

std::string number_text(double value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);  // shortest round trip
    return std::string(buffer, result.ptr);
}

std::string csv_value(const ExportValue& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>)
                return csv_field(v);
            else if constexpr (std::is_same_v<T, double>)
                return std::isfinite(v) ? number_text(v) : std::string();
            else
                return std::to_string(v);
        },
        value);
}

std::string markdown_value(const ExportValue& value, ColumnKind kind) {
    return std::visit(
        [kind](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) {
                return markdown_cell(v);
            } else if constexpr (std::is_same_v<T, double>) {
                if (kind == kPercent) return format_percent(v);
                if (kind == kDuration) return format_duration(v);
                return format_count(v);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                if (kind == kUnixTime) return markdown_cell(format_local_time(v));
                if (kind == kDuration) return format_signed_duration(v);
                return std::to_string(v);
            } else {
                if (kind == kDuration) return format_duration(v);
                return std::to_string(v);
            }
        },
        value);
}

}  // namespace

std::optional<TableKind> parse_table_kind(std::string_view name) {
    if (name == "hooks") return TableKind::kHooks;
    if (name == "phases") return TableKind::kPhases;
    if (name == "slowest") return TableKind::kSlowest;
    if (name == "sql") return TableKind::kSql;
    return std::nullopt;
}

ExportTable hooks_table(const ReportInput& input) { return hooks_table(input, analyze(input)); }

ExportTable phases_table(const ReportInput& input) { return phases_table(input, analyze(input)); }

ExportTable slowest_table(const ReportInput& input) { return slowest_table(input, analyze(input)); }

ExportTable sql_table(const ReportInput& input, std::size_t top_n) {
    ExportTable table;
    table.title = session_title("SQL statements", input);
    table.columns = {{"rank", kInteger},          {"statement", kText},      {"database", kText},
                     {"sql_truncated", kText},    {"from_exec", kText},      {"count", kInteger},
                     {"total_ns", kDuration},     {"mean_ns", kDuration},    {"p50_ns", kDuration},
                     {"p99_ns", kDuration},       {"max_ns", kDuration},     {"rows", kInteger},
                     {"busy_results", kInteger},  {"locked_results", kInteger}, {"errors", kInteger}};
    if (!input.sqlite) return table;
    const SqlReport report = summarize_sql(input.invocations, *input.sqlite, input.hook_filter, top_n);
    for (std::size_t i = 0; i < report.statements.size(); ++i) {
        const StatementGroup& g = report.statements[i];
        // Empty text: prepared before validprof attached; empty database: unknown.
        const auto optional_text = [](const std::string& text) { return text.empty() ? ExportCell() : text_cell(text); };
        const std::uint64_t mean = g.count ? (g.total_ns + g.count / 2) / g.count : 0;
        table.rows.push_back({count_cell(i + 1), optional_text(g.sql), optional_text(g.database),
                              text_cell(g.sql_truncated ? "true" : "false"), text_cell(g.from_exec ? "true" : "false"),
                              count_cell(g.count), count_cell(g.total_ns), count_cell(mean), count_cell(g.p50_ns),
                              count_cell(g.p99_ns), count_cell(g.max_ns), count_cell(g.rows),
                              count_cell(g.busy_results), count_cell(g.locked_results), count_cell(g.errors)});
    }
    return table;
}

ExportTable build_table(const ReportInput& input, TableKind kind, std::size_t top_n) {
    switch (kind) {
        case TableKind::kHooks: return hooks_table(input);
        case TableKind::kPhases: return phases_table(input);
        case TableKind::kSlowest: return slowest_table(input);
        case TableKind::kSql: return sql_table(input, top_n);
    }
    return {};
}

std::string csv_field(std::string_view text) {
    std::string valid = to_valid_utf8(text);
    if (valid.find_first_of(",\"\r\n") == std::string::npos) return valid;
    std::string quoted = "\"";
    for (char c : valid) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string markdown_cell(std::string_view text) {
    // Backslash first among the escapes: GFM splits cells on any '|' not
    // preceded by a backslash escape, and "\\|" is an escaped backslash
    // followed by a cell boundary.
    static constexpr std::string_view kEscaped = "\\|`*_[]<>&~";
    std::string out;
    for (char c : sanitize(text)) {
        if (kEscaped.find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

std::string render_csv(const ExportTable& table) {
    std::string out;
    for (std::size_t i = 0; i < table.columns.size(); ++i) out += (i ? "," : "") + csv_field(table.columns[i].name);
    out += "\n";
    for (const auto& row : table.rows) {
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            if (i) out += ",";
            if (i < row.size() && row[i]) out += csv_value(*row[i]);
        }
        out += "\n";
    }
    return out;
}

std::string render_markdown(const ExportTable& table) {
    std::ostringstream out;
    out << "### " << markdown_cell(table.title) << "\n\n|";
    // Column names are ours, snake_case: an underscore inside a word starts no emphasis.
    for (const ExportColumn& column : table.columns) out << " " << markdown_label(column) << " |";
    out << "\n|";
    for (const ExportColumn& column : table.columns) out << (column.numeric() ? " ---: |" : " --- |");
    out << "\n";
    for (const auto& row : table.rows) {
        out << "|";
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            const bool known = i < row.size() && row[i];
            out << " " << (known ? markdown_value(*row[i], table.columns[i].kind) : std::string("-")) << " |";
        }
        out << "\n";
    }
    return out.str();
}

std::string render_markdown_report(const ReportInput& input) {
    const ReportData data = analyze(input);
    std::string out = render_markdown(hooks_table(input, data));
    ExportTable phases = phases_table(input, data);
    if (!phases.rows.empty()) out += "\n" + render_markdown(phases);
    out += "\n" + render_markdown(slowest_table(input, data));
    return out;
}

}  // namespace validprof::report
