#include "metrics/metrics_registry.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "metrics/self_usage.h"
#include "model/session.h"
#include "report/exit_status.h"
#include "report/sql_normalize.h"
#include "text/text_layout.h"

namespace validprof::metrics {
namespace {

constexpr const char* kOtherStatement = "(other)";

double seconds(std::uint64_t ns) { return static_cast<double>(ns) / 1e9; }

// Shortest text that reads back as the same double, as Prometheus' own
// clients print: "0.005", "1e-09", and whole numbers without an exponent
// ("10", not "1e+01", so bucket bounds read as people write them).
std::string format_value(double value) {
    char text[32];
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        std::snprintf(text, sizeof text, "%.0f", value);
        return text;
    }
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(text, sizeof text, "%.*g", precision, value);
        if (std::strtod(text, nullptr) == value) break;
    }
    return text;
}

std::string format_count(std::uint64_t value) { return std::to_string(value); }

class Exposition {
public:
    // HELP and TYPE once per family, before its first sample, as the format
    // requires (promtool rejects a family split in two).
    void family(const char* name, const char* type, const char* help) {
        text_ += "# HELP ";
        text_ += name;
        text_ += ' ';
        text_ += help;
        text_ += "\n# TYPE ";
        text_ += name;
        text_ += ' ';
        text_ += type;
        text_ += '\n';
    }
    void sample(std::string_view name, std::initializer_list<std::pair<const char*, std::string_view>> labels,
                const std::string& value) {
        text_ += name;
        if (labels.size() > 0) {
            text_ += '{';
            bool first = true;
            for (const auto& [label, label_value] : labels) {
                if (!first) text_ += ',';
                first = false;
                text_ += label;
                text_ += "=\"";
                text_ += escape_label_value(label_value);
                text_ += '"';
            }
            text_ += '}';
        }
        text_ += ' ';
        text_ += value;
        text_ += '\n';
    }
    std::string take() { return std::move(text_); }

private:
    std::string text_;
};

}  // namespace

std::string escape_label_value(std::string_view value) {
    const std::string valid = text::to_valid_utf8(value);
    std::string escaped;
    escaped.reserve(valid.size());
    for (char c : valid) {
        if (c == '\\') escaped += "\\\\";
        else if (c == '"') escaped += "\\\"";
        else if (c == '\n') escaped += "\\n";
        else escaped += c;
    }
    return escaped;
}

void MetricsRegistry::set_session(std::int64_t session_id) {
    std::lock_guard lock(mutex_);
    session_id_ = session_id;
}

void MetricsRegistry::add_invocations(const std::vector<model::Invocation>& invocations) {
    std::lock_guard lock(mutex_);
    for (const model::Invocation& invocation : invocations) {
        HookTotals& hook = hooks_[invocation.hook];
        ++hook.invocations;
        if (report::is_failure(invocation.exit_code)) ++hook.failures;
        // Per-core on-CPU counts every invocation, as the report's per-core
        // table does: the time was spent whether or not the tree was seen to end.
        for (const auto& [cpu, ns] : invocation.times.on_cpu_ns_per_cpu) hook.times.on_cpu_ns_per_cpu[cpu] += ns;
        if (!invocation.complete) {
            ++hook.incomplete;
            continue;
        }
        hook.processes += invocation.processes.size();
        model::SchedTimes times = invocation.times;
        times.on_cpu_ns_per_cpu.clear();
        hook.times.add(times);
        const std::uint64_t wall_ns = invocation.wall_ns();
        ++hook.wall_count;
        hook.wall_sum_ns += wall_ns;
        // Each bucket counts observations <= its bound; the render makes
        // them cumulative. Compared in nanoseconds so that a wall of exactly
        // 50 ms lands in le="0.05", as the bound promises.
        for (std::size_t i = 0; i < std::size(kWallBucketsSeconds); ++i) {
            if (wall_ns <= static_cast<std::uint64_t>(kWallBucketsSeconds[i] * 1e9 + 0.5)) {
                ++hook.wall_buckets[i];
                break;
            }
        }
    }
}

void MetricsRegistry::add_phases(const std::vector<model::PhaseExecution>& phases) {
    std::lock_guard lock(mutex_);
    for (const model::PhaseExecution& phase : phases) {
        PhaseTotals& totals = phases_[{phase.provider, phase.phase}];
        ++totals.executions;
        totals.duration_ns += phase.duration_ns();
        totals.on_cpu_ns += phase.on_cpu_ns;
    }
}

void MetricsRegistry::add_sqlite(const model::SqliteActivity& activity) {
    std::lock_guard lock(mutex_);
    for (const model::StatementExecution& statement : activity.statements) {
        std::string text = report::normalize_sql(statement.sql);
        if (!statements_.count(text) && statements_.size() >= kMaxStatementSeries) text = kOtherStatement;
        StatementTotals& totals = statements_[text];
        ++totals.executions;
        totals.duration_ns += statement.duration_ns();
        totals.rows += statement.rows;
        if (statement.result_code != 0 && statement.result_code != model::kSqliteDone) ++totals.errors;
        totals.busy_results += statement.busy_results;
    }
    for (const model::DatabaseFileActivity& file : activity.files) {
        FileTotals& totals = files_[file.role.empty() ? "other" : file.role];
        totals.syncs += file.syncs;
        totals.sync_ns += file.sync_ns;
        totals.lock_failures += file.lock_failures;
        totals.write_bytes += file.write_bytes;
    }
}

void MetricsRegistry::set_lost_events(const std::map<std::string, std::uint64_t>& counters) {
    std::lock_guard lock(mutex_);
    for (const auto& [reason, count] : counters) lost_events_[reason] = count;
}

std::string MetricsRegistry::render() const {
    std::lock_guard lock(mutex_);
    Exposition out;

    out.family("validprof_session_info", "gauge",
               "The profile database session this attach writes; `validprof report --session N` shows it.");
    out.sample("validprof_session_info", {{"session", std::to_string(session_id_)}}, "1");

    out.family("validprof_hook_invocations_total", "counter", "Hook invocations finished, complete or not.");
    for (const auto& [hook, totals] : hooks_)
        out.sample("validprof_hook_invocations_total", {{"hook", hook}}, format_count(totals.invocations));
    out.family("validprof_hook_failures_total", "counter",
               "Hook invocations whose root process exited non-zero or was killed by a signal.");
    for (const auto& [hook, totals] : hooks_)
        out.sample("validprof_hook_failures_total", {{"hook", hook}}, format_count(totals.failures));
    out.family("validprof_hook_incomplete_total", "counter",
               "Hook invocations closed before every process of the tree was seen to exit.");
    for (const auto& [hook, totals] : hooks_)
        out.sample("validprof_hook_incomplete_total", {{"hook", hook}}, format_count(totals.incomplete));
    out.family("validprof_hook_processes_total", "counter", "Processes in complete hook invocations.");
    for (const auto& [hook, totals] : hooks_)
        out.sample("validprof_hook_processes_total", {{"hook", hook}}, format_count(totals.processes));

    out.family("validprof_hook_wall_seconds", "histogram",
               "Wall time of complete hook invocations: the root's exec to the last exit in its tree.");
    for (const auto& [hook, totals] : hooks_) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < std::size(kWallBucketsSeconds); ++i) {
            cumulative += totals.wall_buckets[i];
            out.sample("validprof_hook_wall_seconds_bucket",
                       {{"hook", hook}, {"le", format_value(kWallBucketsSeconds[i])}}, format_count(cumulative));
        }
        out.sample("validprof_hook_wall_seconds_bucket", {{"hook", hook}, {"le", "+Inf"}},
                   format_count(totals.wall_count));
        out.sample("validprof_hook_wall_seconds_sum", {{"hook", hook}}, format_value(seconds(totals.wall_sum_ns)));
        out.sample("validprof_hook_wall_seconds_count", {{"hook", hook}}, format_count(totals.wall_count));
    }

    out.family("validprof_hook_thread_seconds_total", "counter",
               "Time the threads of complete hook invocations spent per scheduler state, summed over threads "
               "(on_cpu, run_queue: runnable waiting for a CPU, sleeping, blocked: uninterruptible).");
    for (const auto& [hook, totals] : hooks_) {
        out.sample("validprof_hook_thread_seconds_total", {{"hook", hook}, {"state", "on_cpu"}},
                   format_value(seconds(totals.times.on_cpu_ns)));
        out.sample("validprof_hook_thread_seconds_total", {{"hook", hook}, {"state", "run_queue"}},
                   format_value(seconds(totals.times.run_queue_wait_ns)));
        out.sample("validprof_hook_thread_seconds_total", {{"hook", hook}, {"state", "sleeping"}},
                   format_value(seconds(totals.times.off_cpu_sleep_ns)));
        out.sample("validprof_hook_thread_seconds_total", {{"hook", hook}, {"state", "blocked"}},
                   format_value(seconds(totals.times.off_cpu_blocked_ns)));
    }
    out.family("validprof_hook_cpu_seconds_total", "counter", "On-CPU time of hook invocations per CPU.");
    for (const auto& [hook, totals] : hooks_)
        for (const auto& [cpu, ns] : totals.times.on_cpu_ns_per_cpu)
            out.sample("validprof_hook_cpu_seconds_total", {{"hook", hook}, {"cpu", std::to_string(cpu)}},
                       format_value(seconds(ns)));

    out.family("validprof_phase_executions_total", "counter", "USDT phase executions (NAME_start to NAME_end).");
    for (const auto& [key, totals] : phases_)
        out.sample("validprof_phase_executions_total", {{"provider", key.first}, {"phase", key.second}},
                   format_count(totals.executions));
    out.family("validprof_phase_seconds_total", "counter", "Wall time inside USDT phases.");
    for (const auto& [key, totals] : phases_)
        out.sample("validprof_phase_seconds_total", {{"provider", key.first}, {"phase", key.second}},
                   format_value(seconds(totals.duration_ns)));
    out.family("validprof_phase_cpu_seconds_total", "counter", "On-CPU time of the phase's thread inside the phase.");
    for (const auto& [key, totals] : phases_)
        out.sample("validprof_phase_cpu_seconds_total", {{"provider", key.first}, {"phase", key.second}},
                   format_value(seconds(totals.on_cpu_ns)));

    out.family("validprof_sql_executions_total", "counter",
               "SQLite statement executions, by statement text with literals removed.");
    for (const auto& [text, totals] : statements_)
        out.sample("validprof_sql_executions_total", {{"statement", text}}, format_count(totals.executions));
    out.family("validprof_sql_seconds_total", "counter", "Time from a statement's first step to its end.");
    for (const auto& [text, totals] : statements_)
        out.sample("validprof_sql_seconds_total", {{"statement", text}}, format_value(seconds(totals.duration_ns)));
    out.family("validprof_sql_rows_total", "counter", "Rows returned (SQLITE_ROW results).");
    for (const auto& [text, totals] : statements_)
        out.sample("validprof_sql_rows_total", {{"statement", text}}, format_count(totals.rows));
    out.family("validprof_sql_errors_total", "counter", "Executions ended by a result other than SQLITE_DONE.");
    for (const auto& [text, totals] : statements_)
        out.sample("validprof_sql_errors_total", {{"statement", text}}, format_count(totals.errors));
    out.family("validprof_sql_busy_total", "counter", "SQLITE_BUSY results (another connection held the lock).");
    for (const auto& [text, totals] : statements_)
        out.sample("validprof_sql_busy_total", {{"statement", text}}, format_count(totals.busy_results));

    out.family("validprof_sqlite_file_syncs_total", "counter",
               "fsync and fdatasync calls on SQLite database files, by role (main, wal, journal, ...).");
    for (const auto& [role, totals] : files_)
        out.sample("validprof_sqlite_file_syncs_total", {{"role", role}}, format_count(totals.syncs));
    out.family("validprof_sqlite_file_sync_seconds_total", "counter", "Time inside those syncs.");
    for (const auto& [role, totals] : files_)
        out.sample("validprof_sqlite_file_sync_seconds_total", {{"role", role}}, format_value(seconds(totals.sync_ns)));
    out.family("validprof_sqlite_file_lock_refusals_total", "counter", "fcntl locks refused because another held them.");
    for (const auto& [role, totals] : files_)
        out.sample("validprof_sqlite_file_lock_refusals_total", {{"role", role}}, format_count(totals.lock_failures));
    out.family("validprof_sqlite_file_written_bytes_total", "counter", "Bytes written to SQLite database files.");
    for (const auto& [role, totals] : files_)
        out.sample("validprof_sqlite_file_written_bytes_total", {{"role", role}}, format_count(totals.write_bytes));

    out.family("validprof_lost_events_total", "counter",
               "Events the kernel side could not deliver or account, by reason; any of these makes figures low.");
    for (const auto& [reason, count] : lost_events_)
        if (model::counts_as_lost(reason)) out.sample("validprof_lost_events_total", {{"reason", reason}}, format_count(count));
    out.family("validprof_notes_total", "counter",
               "Things validprof compensated for or did on the way (gate holds, unseen switch-ins), by name.");
    for (const auto& [reason, count] : lost_events_)
        if (!model::counts_as_lost(reason)) out.sample("validprof_notes_total", {{"note", reason}}, format_count(count));

    if (auto self = read_self_usage()) {
        out.family("process_cpu_seconds_total", "counter", "validprof's own user and system CPU time.");
        out.sample("process_cpu_seconds_total", {}, format_value(self->cpu_seconds));
        out.family("process_resident_memory_bytes", "gauge", "validprof's own resident memory.");
        out.sample("process_resident_memory_bytes", {}, format_value(self->resident_bytes));
        out.family("process_start_time_seconds", "gauge", "When validprof started, in Unix seconds.");
        out.sample("process_start_time_seconds", {}, format_value(self->start_time_seconds));
    }
    return out.take();
}

}  // namespace validprof::metrics
