// `validprof diff`: two stored sessions compared hook by hook. Every figure
// is a Change (change.h) over per-invocation samples of the hook's complete
// invocations, so each carries a bootstrap interval and a rank test:
//   - wall time p50, p95, p99;
//   - on-CPU per invocation, in total and on each core;
//   - per USDT phase: duration p50 and executions per invocation;
//   - per normalized SQL statement: executions and time per invocation;
//   - fsync/fdatasync calls and their time per invocation.
// Only complete invocations count (an incomplete one has a truncated wall
// time and truncated CPU, see report/hook_summary.h). A phase, statement or
// sync belongs to the invocation whose process held its pid at the time
// (report/process_owners.h); per-file syscall totals carry no time and go
// to the earliest invocation holding the pid, as in `report`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compare/change.h"
#include "model/invocation.h"
#include "model/phase.h"
#include "model/sqlite_activity.h"

namespace validprof::compare {

// What a comparison reads of one session.
struct SessionSample {
    std::int64_t session_id = 0;
    std::uint64_t wall_ns = 0;  // the session's duration (report/report_data.h session_span); 0: unknown
    std::vector<model::Invocation> invocations;
    std::vector<model::PhaseExecution> phases;
    std::optional<model::SqliteActivity> sqlite;  // nullopt: not recorded with --sql
};

struct CoreChange {
    std::uint32_t cpu = 0;
    Change on_cpu;  // mean ns per invocation on this core
};

struct PhaseChange {
    std::string provider;
    std::string phase;
    Change duration;     // p50 over the phase's executions, ns
    Change executions;   // mean per invocation
};

struct StatementChange {
    std::string sql;    // normalized
    Change executions;  // mean per invocation
    Change time;        // mean ns per invocation, summed over its executions
};

struct HookComparison {
    std::string hook;
    std::size_t base_invocations = 0;  // complete ones
    std::size_t candidate_invocations = 0;
    std::vector<Change> wall;  // p50, p95, p99 in ns
    Change on_cpu;             // mean ns per invocation, all cores
    std::vector<CoreChange> cores;  // every core either session used, by id
    std::vector<PhaseChange> phases;  // by provider, then phase
    bool sql_compared = false;         // both sessions recorded with --sql
    std::vector<StatementChange> statements;  // by the larger of the two mean times, descending
    std::size_t statements_omitted = 0;       // beyond top_statements
    Change fsyncs;      // calls per invocation
    Change fsync_time;  // ns per invocation
};

struct Comparison {
    std::int64_t base_session = 0;
    std::int64_t candidate_session = 0;
    BootstrapOptions options;
    std::vector<HookComparison> hooks;  // every hook in either session (or the one asked for), by name
};

struct ComparisonRequest {
    std::optional<std::string> hook;  // only this hook
    std::size_t top_statements = 10;  // 0: all
    BootstrapOptions options;
};

Comparison compare_sessions(const SessionSample& base, const SessionSample& candidate,
                            const ComparisonRequest& request);

// The complete invocations' wall times of one hook, ns (check, report code).
std::vector<double> wall_samples(const std::vector<model::Invocation>& invocations, const std::string& hook);

}  // namespace validprof::compare
