// `validprof report --json`: the same content as the text report for scripts
// and CI gates. Durations are integer nanoseconds in keys ending in "_ns";
// a number that cannot be known (a percentile with no complete invocation,
// the end of a session whose recorder died) is null, never 0.
//
// {
//   "session": {id, command, target, host, kernel_release, rules,
//               start_unix_ns, end_unix_ns|null, duration_ns|null,
//               duration_is_lower_bound, complete, events_received,
//               invocation_count},
//   "lost_events": {"total": N, "by_reason": {reason: N, ...}},
//   "hook_filter": string|null,
//   "invocations_selected": N,
//   "hooks": [{hook, count, complete, incomplete, failed,
//              p50_ns, p90_ns, p95_ns, p99_ns, max_ns, min_ns, mean_ns,
//              mean_on_cpu_ns, mean_run_queue_wait_ns, mean_off_cpu_sleep_ns,
//              mean_off_cpu_blocked_ns, mean_voluntary_switches,
//              mean_involuntary_switches, mean_processes, total_on_cpu_ns,
//              cpu_per_core: [{cpu, on_cpu_ns, session_share_percent|null}]}],
//   "slowest": [{rank, id, hook, root_pid, start_ns, start_unix_ns, wall_ns,
//                exit_code, exit, on_cpu_ns, run_queue_wait_ns,
//                off_cpu_sleep_ns, off_cpu_blocked_ns, voluntary_switches,
//                involuntary_switches, process_count,
//                processes: [{pid, ppid, exe, argv, comm, threads,
//                             start_offset_ns, duration_ns|null, exited,
//                             exit_code, exit, on_cpu_ns, ...}]}],
//   "phases": {...} (phase_summary.h),
//   "database": null | {...} (SQLite activity, see sqlite_json.h)
// }
//
// exit_code is the raw wait(2) status; "exit" is its decoding ("exit 1",
// "signal 9 (KILL)"). Mean breakdown times are rounded to integer
// nanoseconds; mean switch and process counts stay fractional.
#pragma once

#include <nlohmann/json.hpp>

#include "report/report_input.h"

namespace validprof::report {

nlohmann::json render_json(const ReportInput& input);

// `object` with a thread's, process's or invocation's scheduler times added
// (on_cpu_ns, run_queue_wait_ns, off_cpu_sleep_ns, off_cpu_blocked_ns,
// voluntary_switches, involuntary_switches): the names every JSON output
// (report, json-lines, timeline args) uses.
nlohmann::json times_fields(nlohmann::json object, const model::SchedTimes& times);
// {"CPU": ns, ...} for the CPUs that have time.
nlohmann::json per_cpu_json(const std::map<std::uint32_t, std::uint64_t>& per_cpu);

// One invocation as the report's "slowest" list shows it (without its
// rank), plus "complete": also what `attach --json-lines` streams.
nlohmann::json invocation_fields_json(const model::Invocation& invocation, const model::SessionInfo& session);

}  // namespace validprof::report
