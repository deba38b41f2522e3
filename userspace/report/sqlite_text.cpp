#include "report/sqlite_text.h"

#include <cstdio>
#include <sstream>
#include <vector>

#include "text/duration_format.h"
#include "report/phase_summary.h"
#include "report/sqlite_summary.h"
#include "text/text_layout.h"

namespace validprof::report {

// The text helpers (userspace/text) are this module's vocabulary.
using namespace validprof::text;
namespace {

// Normalized statements are bounded at the recording limit (256 bytes) but
// a table row should still fit a wide terminal.
constexpr std::size_t kSqlWidth = 100;
constexpr std::size_t kPathWidth = 40;


// The end of a path matters more than its start: keep the file name and cut
// on the left.
std::string shorten_left(const std::string& text, std::size_t width) { return truncate_start(sanitize(text), width); }

std::string share_text(const std::optional<double>& percent) { return percent ? format_percent(*percent) : "-"; }

std::string hook_heading(const HookDatabaseSummary& h) {
    return sanitize(h.hook) + " (" + std::to_string(h.invocations) + (h.invocations == 1 ? " run" : " runs") +
           ", wall " + format_duration(h.wall_ns) + " summed)";
}

void write_hook(std::ostream& out, const HookDatabaseSummary& h, bool outside) {
    out << "  " << (outside ? sanitize(h.hook) : hook_heading(h)) << "\n";
    out << "    in SQLite  " << format_duration(h.in_sqlite_ns);
    if (!outside) out << "  " << share_text(h.sqlite_share_of_wall_percent()) << " of wall";
    out << "  (" << h.api_calls << " API calls)\n";
    out << "    file I/O   " << format_duration(h.file_io_ns()) << "  "
        << share_text(h.file_io_share_of_sqlite_percent()) << " of SQLite";
    if (h.in_sqlite_ns == 0 && h.file_io_ns() > 0) out << " (no SQLite calls seen)";
    out << "  (" << h.reads << " reads " << format_bytes(h.read_bytes) << ", " << h.writes << " writes "
        << format_bytes(h.write_bytes) << ")\n";
    out << "    syncs      " << format_duration(h.sync_ns) << "  " << share_text(h.sync_share_of_file_io_percent())
        << " of file I/O  (" << h.syncs << " fsync/fdatasync)\n";
    if (outside) {
        out << "    " << h.statements << " statements, " << h.syncs << " syncs, " << h.busy_results << " busy, "
            << h.locked_results << " locked, " << h.lock_failures << " lock refusals, lock wait "
            << format_duration(h.lock_wait_ns) << "\n";
        return;
    }
    out << "    per run: " << format_count(h.per_invocation(h.statements)) << " statements, "
        << format_count(h.per_invocation(h.syncs)) << " syncs, " << format_count(h.per_invocation(h.busy_results))
        << " busy, " << format_count(h.per_invocation(h.locked_results)) << " locked, "
        << format_count(h.per_invocation(h.lock_failures)) << " lock refusals, lock wait "
        << format_duration(h.per_invocation(h.lock_wait_ns)) << "\n";
}

void write_files(std::ostream& out, const std::vector<FileSummary>& files, std::size_t width) {
    out << "\nDatabase files: system calls of the selected processes, summed over them\n";
    if (files.empty()) {
        out << "  none\n";
        return;
    }
    TextTable table({"file", "role", "procs", "opens", "reads", "read", "writes", "written", "I/O", "syncs",
                     "sync time", "locks", "refused", "lock wait", "truncates", "unlinks"},
                    {Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
                     Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
                     Align::kRight, Align::kRight, Align::kRight, Align::kRight});
    for (const FileSummary& file : files) {
        const model::DatabaseFileActivity& t = file.totals;
        table.add_row({shorten_left(file.path, kPathWidth), sanitize(file.role), std::to_string(file.processes),
                       std::to_string(t.opens), std::to_string(t.reads), format_bytes(t.read_bytes),
                       std::to_string(t.writes), format_bytes(t.write_bytes), format_duration(t.io_ns),
                       std::to_string(t.syncs), format_duration(t.sync_ns), std::to_string(t.lock_calls),
                       std::to_string(t.lock_failures), format_duration(t.lock_wait_ns), std::to_string(t.truncates),
                       std::to_string(t.unlinks)});
    }
    table.set_elastic(0, 20, Cut::kStart);
    // Least telling first: counts of rare calls, then byte and time totals
    // that the syncs and locks columns summarise.
    table.set_drop_order({14, 15, 3, 2, 5, 7, 8, 11, 13, 4, 6});
    out << table.render("  ", width);
}

bool is_empty(const model::SqliteActivity& activity) {
    return activity.statements.empty() && activity.processes.empty() && activity.files.empty();
}

}  // namespace

std::string database_section_text(const ReportInput& input) {
    if (!input.sqlite) return "";
    std::ostringstream out;
    if (is_empty(*input.sqlite)) {
        out << "\nDatabase (SQLite): traced, but no SQLite calls or database file activity\n"
               "were seen\n";
        return out.str();
    }
    const DatabaseReport report = summarize_database(input.invocations, *input.sqlite, input.hook_filter);
    out << "\nDatabase (SQLite), per hook: time inside SQLite API calls (outermost calls,\n"
           "summed over threads, so it can exceed 100%) as a share of the hook's summed\n"
           "wall time; of it, file I/O = system calls on database files (read/write,\n"
           "fsync/fdatasync, fcntl locks); of that, syncs\n";
    std::vector<std::string> quiet;
    for (const HookDatabaseSummary& h : report.hooks) {
        if (h.has_activity())
            write_hook(out, h, false);
        else
            quiet.push_back(sanitize(h.hook));
    }
    if (!quiet.empty()) {
        out << "  no SQLite activity:";
        for (std::size_t i = 0; i < quiet.size(); ++i) out << (i ? ", " : " ") << quiet[i];
        out << "\n";
    }
    if (report.outside.has_activity()) write_hook(out, report.outside, true);
    return out.str();
}

std::string render_sql_text(const ReportInput& input, std::size_t top_n) {
    std::ostringstream out;
    out << "SQL statements of session " << input.session.id;
    if (input.hook_filter) out << ", hook " << sanitize(*input.hook_filter);
    if (!input.sqlite) {
        out << ": SQLite activity was not recorded in this session\n";
        return out.str();
    }
    const SqlReport report = summarize_sql(input.invocations, *input.sqlite, input.hook_filter, top_n);
    out << ": " << report.executions << " executions, " << report.distinct << " distinct statements";
    if (report.statements.size() < report.distinct) out << "; top " << report.statements.size() << " by total time";
    out << "\n";
    if (report.statements.empty()) {
        out << "  no statement executions recorded\n";
    } else {
        out << "  Latency: first sqlite3_step to SQLITE_DONE, an error or reset; exact\n"
               "  nearest-rank percentiles. Literals are replaced by ?; [cut]: text cut at\n"
               "  the recording bound; [exec]: run by sqlite3_exec (its whole text, possibly\n"
               "  several statements)\n";
        TextTable table({"#", "total", "count", "p50", "p99", "max", "rows", "busy", "locked", "errors", "database",
                         "statement"},
                        {Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
                         Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kLeft, Align::kLeft});
        for (std::size_t i = 0; i < report.statements.size(); ++i) {
            const StatementGroup& g = report.statements[i];
            // No text: the statement was prepared before validprof attached.
            std::string sql = g.sql.empty() ? "(prepare not seen)"
                              : input.width == 0 ? sanitize(g.sql)
                                                 : truncate(sanitize(g.sql), kSqlWidth);
            if (g.sql_truncated) sql += " [cut]";
            if (g.from_exec) sql += " [exec]";
            table.add_row({std::to_string(i + 1), format_duration(g.total_ns), std::to_string(g.count),
                           format_duration(g.p50_ns), format_duration(g.p99_ns), format_duration(g.max_ns),
                           std::to_string(g.rows), std::to_string(g.busy_results), std::to_string(g.locked_results),
                           std::to_string(g.errors), g.database.empty() ? "?" : shorten_left(g.database, kPathWidth),
                           sql});
        }
        table.set_elastic(11, 24);
        table.set_drop_order({8, 7, 5, 6, 9, 10});  // locked, busy, max, rows, errors, database
        out << table.render("  ", input.width);
    }
    write_files(out, report.files, input.width);
    return wrap_lines(out.str(), input.width);
}

}  // namespace validprof::report
