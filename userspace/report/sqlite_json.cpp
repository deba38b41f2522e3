#include "report/sqlite_json.h"

#include "report/sqlite_summary.h"
#include "text/text_layout.h"

namespace validprof::report {

// The text helpers (userspace/text) are this module's vocabulary.
using namespace validprof::text;
namespace {

using nlohmann::json;

json optional_json(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

json hook_json(const HookDatabaseSummary& h, bool outside) {
    json per_invocation = nullptr;
    if (!outside && h.invocations > 0) {
        per_invocation = {
            {"statements", h.per_invocation(h.statements)},
            {"syncs", h.per_invocation(h.syncs)},
            {"busy_results", h.per_invocation(h.busy_results)},
            {"locked_results", h.per_invocation(h.locked_results)},
            {"lock_failures", h.per_invocation(h.lock_failures)},
            {"lock_wait_ns", h.per_invocation(h.lock_wait_ns)},
        };
    }
    return {
        {"hook", to_valid_utf8(h.hook)},
        {"invocations", h.invocations},
        {"wall_ns", h.wall_ns},
        {"api_calls", h.api_calls},
        {"in_sqlite_ns", h.in_sqlite_ns},
        {"sqlite_share_of_wall_percent", outside ? json(nullptr) : optional_json(h.sqlite_share_of_wall_percent())},
        {"file_io_ns", h.file_io_ns()},
        {"io_ns", h.io_ns},
        {"sync_ns", h.sync_ns},
        {"lock_wait_ns", h.lock_wait_ns},
        {"file_io_share_of_sqlite_percent", optional_json(h.file_io_share_of_sqlite_percent())},
        {"sync_share_of_file_io_percent", optional_json(h.sync_share_of_file_io_percent())},
        {"reads", h.reads},
        {"read_bytes", h.read_bytes},
        {"writes", h.writes},
        {"write_bytes", h.write_bytes},
        {"syncs", h.syncs},
        {"lock_calls", h.lock_calls},
        {"lock_failures", h.lock_failures},
        {"statements", h.statements},
        {"busy_results", h.busy_results},
        {"locked_results", h.locked_results},
        {"per_invocation", std::move(per_invocation)},
    };
}

json file_json(const FileSummary& file) {
    const model::DatabaseFileActivity& t = file.totals;
    return {
        {"path", to_valid_utf8(file.path)},
        {"role", to_valid_utf8(file.role)},
        {"processes", file.processes},
        {"opens", t.opens},
        {"reads", t.reads},
        {"read_bytes", t.read_bytes},
        {"writes", t.writes},
        {"write_bytes", t.write_bytes},
        {"io_ns", t.io_ns},
        {"syncs", t.syncs},
        {"sync_ns", t.sync_ns},
        {"lock_calls", t.lock_calls},
        {"lock_failures", t.lock_failures},
        {"lock_wait_ns", t.lock_wait_ns},
        {"truncates", t.truncates},
        {"unlinks", t.unlinks},
    };
}

}  // namespace

nlohmann::json database_json(const ReportInput& input) {
    if (!input.sqlite) return nullptr;
    const DatabaseReport report = summarize_database(input.invocations, *input.sqlite, input.hook_filter);
    json hooks = json::array();
    for (const HookDatabaseSummary& h : report.hooks) hooks.push_back(hook_json(h, false));
    // With --hook nothing outside invocations is selected: null, not zeros.
    return {{"hooks", std::move(hooks)},
            {"outside_invocations", input.hook_filter ? json(nullptr) : hook_json(report.outside, true)}};
}

nlohmann::json render_sql_json(const ReportInput& input, std::size_t top_n) {
    json out = {
        {"session_id", input.session.id},
        {"hook_filter", input.hook_filter ? json(to_valid_utf8(*input.hook_filter)) : json(nullptr)},
        {"sqlite_recorded", input.sqlite.has_value()},
        {"top_n", top_n},
    };
    const SqlReport report =
        input.sqlite ? summarize_sql(input.invocations, *input.sqlite, input.hook_filter, top_n) : SqlReport{};
    json statements = json::array();
    for (std::size_t i = 0; i < report.statements.size(); ++i) {
        const StatementGroup& g = report.statements[i];
        statements.push_back({
            {"rank", i + 1},
            {"sql", to_valid_utf8(g.sql)},
            {"database", to_valid_utf8(g.database)},
            {"sql_truncated", g.sql_truncated},
            {"from_exec", g.from_exec},
            {"count", g.count},
            {"total_ns", g.total_ns},
            {"p50_ns", g.p50_ns},
            {"p99_ns", g.p99_ns},
            {"max_ns", g.max_ns},
            {"rows", g.rows},
            {"busy_results", g.busy_results},
            {"locked_results", g.locked_results},
            {"errors", g.errors},
        });
    }
    json files = json::array();
    for (const FileSummary& file : report.files) files.push_back(file_json(file));
    out["executions"] = report.executions;
    out["distinct_statements"] = report.distinct;
    out["statements"] = std::move(statements);
    out["files"] = std::move(files);
    return out;
}

}  // namespace validprof::report
