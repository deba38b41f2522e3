// SQLite activity for scripts: the "database" key of `validprof report
// --json` and the whole of `validprof report --sql --json`. Durations are
// integer nanoseconds in keys ending in "_ns"; a share whose denominator is
// zero is null, never 0.
//
// report --json, "database": null when SQLite was not recorded, else
//   {"hooks": [{hook, invocations, wall_ns, api_calls, in_sqlite_ns,
//               sqlite_share_of_wall_percent|null, file_io_ns, io_ns, sync_ns,
//               lock_wait_ns, file_io_share_of_sqlite_percent|null,
//               sync_share_of_file_io_percent|null, reads, read_bytes, writes,
//               write_bytes, syncs, lock_calls, lock_failures, statements,
//               busy_results, locked_results,
//               per_invocation: {statements, syncs, busy_results,
//                                locked_results, lock_failures, lock_wait_ns}}],
//    "outside_invocations": {the same keys, invocations 0, wall_ns 0, shares
//                            of wall and per_invocation null} | null with --hook}
// Every hook with a selected invocation is listed, with or without activity.
//
// report --sql --json:
//   {"session_id", "hook_filter": string|null, "sqlite_recorded": bool,
//    "executions", "distinct_statements", "top_n" (0: all),
//    "statements": [{rank, sql, database, sql_truncated, from_exec, count,
//                    total_ns, p50_ns, p99_ns, max_ns, rows, busy_results,
//                    locked_results, errors}],
//    "files": [{path, role, processes, opens, reads, read_bytes, writes,
//               write_bytes, io_ns, syncs, sync_ns, lock_calls, lock_failures,
//               lock_wait_ns, truncates, unlinks}]}
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "report/report_input.h"

namespace validprof::report {

nlohmann::json database_json(const ReportInput& input);

nlohmann::json render_sql_json(const ReportInput& input, std::size_t top_n);

}  // namespace validprof::report
