#include "report/sqlite_summary.h"

#include "report/process_owners.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "report/percentiles.h"
#include "report/phase_summary.h"
#include "report/sql_normalize.h"

namespace validprof::report {
namespace {

std::optional<double> percent(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) return std::nullopt;
    return 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

bool is_error(std::int32_t result_code) {
    const std::int32_t primary = result_code & 0xff;  // extended codes keep the primary in the low byte
    return primary != model::kSqliteOk && primary != model::kSqliteRow && primary != model::kSqliteDone;
}

bool selected(const std::string& hook, const std::optional<std::string>& hook_filter) {
    return !hook_filter || hook == *hook_filter;
}

}  // namespace

SqliteAttribution attribute_sqlite(const std::vector<model::Invocation>& invocations,
                                   const model::SqliteActivity& activity) {
    const ProcessOwners owners(invocations);
    const auto hook_of = [](const model::Invocation* invocation) -> std::string {
        return invocation ? invocation->hook : kOutsideInvocations;
    };
    SqliteAttribution attribution;
    attribution.statements.reserve(activity.statements.size());
    for (const model::StatementExecution& statement : activity.statements)
        attribution.statements.push_back(hook_of(owners.at(statement.pid, statement.start_ns)));
    const auto first_owner = [&](std::int32_t pid) { return hook_of(owners.first(pid)); };
    attribution.processes.reserve(activity.processes.size());
    for (const model::SqliteProcessTotals& process : activity.processes)
        attribution.processes.push_back(first_owner(process.pid));
    attribution.files.reserve(activity.files.size());
    for (const model::DatabaseFileActivity& file : activity.files) attribution.files.push_back(first_owner(file.pid));
    return attribution;
}

bool HookDatabaseSummary::has_activity() const {
    return api_calls != 0 || in_sqlite_ns != 0 || statements != 0 || reads != 0 || writes != 0 || syncs != 0 ||
           lock_calls != 0 || file_io_ns() != 0;
}

std::optional<double> HookDatabaseSummary::sqlite_share_of_wall_percent() const {
    return percent(in_sqlite_ns, wall_ns);
}

std::optional<double> HookDatabaseSummary::file_io_share_of_sqlite_percent() const {
    return percent(file_io_ns(), in_sqlite_ns);
}

std::optional<double> HookDatabaseSummary::sync_share_of_file_io_percent() const {
    return percent(sync_ns, file_io_ns());
}

double HookDatabaseSummary::per_invocation(std::uint64_t total) const {
    return invocations == 0 ? 0.0 : static_cast<double>(total) / static_cast<double>(invocations);
}

DatabaseReport summarize_database(const std::vector<model::Invocation>& invocations,
                                  const model::SqliteActivity& activity,
                                  const std::optional<std::string>& hook_filter) {
    std::map<std::string, HookDatabaseSummary> by_hook;
    for (const model::Invocation& invocation : invocations) {
        if (!selected(invocation.hook, hook_filter)) continue;
        HookDatabaseSummary& summary = by_hook[invocation.hook];
        summary.hook = invocation.hook;
        summary.invocations += 1;
        summary.wall_ns += invocation.wall_ns();
    }
    DatabaseReport report;
    report.outside.hook = kOutsideInvocations;
    // The summary an item attributed to `hook` adds to, or none when the
    // filter leaves it out.
    const auto target = [&](const std::string& hook) -> HookDatabaseSummary* {
        if (hook == kOutsideInvocations) return hook_filter ? nullptr : &report.outside;
        auto found = by_hook.find(hook);
        return found == by_hook.end() ? nullptr : &found->second;
    };

    const SqliteAttribution owners = attribute_sqlite(invocations, activity);
    for (std::size_t i = 0; i < activity.statements.size(); ++i) {
        HookDatabaseSummary* summary = target(owners.statements[i]);
        if (!summary) continue;
        const model::StatementExecution& statement = activity.statements[i];
        summary->statements += 1;
        summary->busy_results += statement.busy_results;
        summary->locked_results += statement.locked_results;
    }
    for (std::size_t i = 0; i < activity.processes.size(); ++i) {
        HookDatabaseSummary* summary = target(owners.processes[i]);
        if (!summary) continue;
        summary->api_calls += activity.processes[i].api_calls;
        summary->in_sqlite_ns += activity.processes[i].in_sqlite_ns;
    }
    for (std::size_t i = 0; i < activity.files.size(); ++i) {
        HookDatabaseSummary* summary = target(owners.files[i]);
        if (!summary) continue;
        const model::DatabaseFileActivity& file = activity.files[i];
        summary->io_ns += file.io_ns;
        summary->sync_ns += file.sync_ns;
        summary->lock_wait_ns += file.lock_wait_ns;
        summary->reads += file.reads;
        summary->read_bytes += file.read_bytes;
        summary->writes += file.writes;
        summary->write_bytes += file.write_bytes;
        summary->syncs += file.syncs;
        summary->lock_calls += file.lock_calls;
        summary->lock_failures += file.lock_failures;
    }
    for (auto& [hook, summary] : by_hook) report.hooks.push_back(std::move(summary));
    return report;
}

SqlReport summarize_sql(const std::vector<model::Invocation>& invocations, const model::SqliteActivity& activity,
                        const std::optional<std::string>& hook_filter, std::size_t top_n) {
    const SqliteAttribution owners = attribute_sqlite(invocations, activity);
    SqlReport report;

    std::map<std::pair<std::string, std::string>, std::size_t> index;
    std::vector<StatementGroup> groups;
    std::vector<std::vector<std::uint64_t>> latencies;
    for (std::size_t i = 0; i < activity.statements.size(); ++i) {
        if (!selected(owners.statements[i], hook_filter)) continue;
        const model::StatementExecution& statement = activity.statements[i];
        report.executions += 1;
        auto key = std::make_pair(normalize_sql(statement.sql), statement.database);
        auto [it, inserted] = index.emplace(key, groups.size());
        if (inserted) {
            StatementGroup group;
            group.sql = key.first;
            group.database = key.second;
            groups.push_back(std::move(group));
            latencies.emplace_back();
        }
        StatementGroup& group = groups[it->second];
        group.sql_truncated = group.sql_truncated || statement.sql_truncated;
        group.from_exec = group.from_exec || statement.from_exec;
        group.count += 1;
        group.total_ns += statement.duration_ns();
        group.rows += statement.rows;
        group.busy_results += statement.busy_results;
        group.locked_results += statement.locked_results;
        if (is_error(statement.result_code)) group.errors += 1;
        latencies[it->second].push_back(statement.duration_ns());
    }
    for (std::size_t i = 0; i < groups.size(); ++i) {
        std::vector<std::uint64_t>& values = latencies[i];
        std::sort(values.begin(), values.end());
        groups[i].p50_ns = percentile_nearest_rank(values, 50);
        groups[i].p99_ns = percentile_nearest_rank(values, 99);
        groups[i].max_ns = values.back();
    }
    std::sort(groups.begin(), groups.end(), [](const StatementGroup& a, const StatementGroup& b) {
        if (a.total_ns != b.total_ns) return a.total_ns > b.total_ns;
        if (a.count != b.count) return a.count > b.count;
        return std::tie(a.sql, a.database) < std::tie(b.sql, b.database);
    });
    report.distinct = groups.size();
    if (top_n != 0 && groups.size() > top_n) groups.resize(top_n);
    report.statements = std::move(groups);

    std::map<std::pair<std::string, std::string>, FileSummary> files;
    std::map<std::pair<std::string, std::string>, std::set<std::int32_t>> pids;
    for (std::size_t i = 0; i < activity.files.size(); ++i) {
        if (!selected(owners.files[i], hook_filter)) continue;
        const model::DatabaseFileActivity& file = activity.files[i];
        auto key = std::make_pair(file.path, file.role);
        FileSummary& summary = files[key];
        summary.path = file.path;
        summary.role = file.role;
        summary.totals.path = file.path;
        summary.totals.role = file.role;
        summary.totals.add(file);
        pids[key].insert(file.pid);
    }
    for (auto& [key, summary] : files) {
        summary.processes = pids[key].size();
        report.files.push_back(std::move(summary));
    }
    return report;
}

}  // namespace validprof::report
