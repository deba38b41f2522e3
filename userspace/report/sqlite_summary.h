// What SQLite did inside each hook: the database section of `validprof
// report` and the statement ranking of `validprof report --sql`.
//
// Attribution to invocations follows phase_summary.h: a statement belongs to
// the invocation whose process had its pid when the statement started (its
// first sqlite3_step), within that process's lifetime. Per-process totals and
// per-file activity carry no time, only a pid: they go to the earliest
// invocation (by start) holding a process with that pid. A pid reused by a
// second invocation in the same session (rare: the kernel cycles through
// pid_max first) therefore credits all of its totals and file activity to
// the first one. Anything whose pid no invocation holds is "outside
// invocations".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/invocation.h"
#include "model/sqlite_activity.h"
#include "report/process_owners.h"

namespace validprof::report {

// The hook owning each item, kOutsideInvocations (process_owners.h) when no
// invocation does; each vector parallel to the activity's.
struct SqliteAttribution {
    std::vector<std::string> statements;
    std::vector<std::string> processes;
    std::vector<std::string> files;
};

SqliteAttribution attribute_sqlite(const std::vector<model::Invocation>& invocations,
                                   const model::SqliteActivity& activity);

// One hook's database figures, summed over its invocations.
struct HookDatabaseSummary {
    std::string hook;
    std::size_t invocations = 0;
    std::uint64_t wall_ns = 0;  // summed wall time of those invocations

    // Outermost SQLite API calls, all threads of all the hook's processes.
    std::uint64_t api_calls = 0;
    std::uint64_t in_sqlite_ns = 0;
    // System calls on database files (main, -wal, -shm, -journal).
    std::uint64_t io_ns = 0;         // read/write
    std::uint64_t sync_ns = 0;       // fsync/fdatasync
    std::uint64_t lock_wait_ns = 0;  // fcntl locks
    std::uint64_t reads = 0;
    std::uint64_t read_bytes = 0;
    std::uint64_t writes = 0;
    std::uint64_t write_bytes = 0;
    std::uint64_t syncs = 0;
    std::uint64_t lock_calls = 0;
    std::uint64_t lock_failures = 0;  // refused: another connection held the lock
    // Statement executions and the SQLITE_BUSY / SQLITE_LOCKED results that
    // sqlite3_step returned while they ran. The busy handler's own retries
    // (busy_timeout) happen inside one step and are not results: they show
    // as lock_failures, and their sleeping as time in SQLite.
    std::uint64_t statements = 0;
    std::uint64_t busy_results = 0;
    std::uint64_t locked_results = 0;

    // io_ns + sync_ns + lock_wait_ns: all time in system calls on database files.
    std::uint64_t file_io_ns() const { return io_ns + sync_ns + lock_wait_ns; }
    bool has_activity() const;

    // Percentages; nullopt when the denominator is zero. Summed over threads
    // running in parallel, the SQLite share can exceed 100%. The file I/O
    // share can exceed 100% too when a process does database I/O outside
    // the SQLite calls validprof saw (e.g. a SQLite copy it found no symbols in).
    std::optional<double> sqlite_share_of_wall_percent() const;
    std::optional<double> file_io_share_of_sqlite_percent() const;
    std::optional<double> sync_share_of_file_io_percent() const;
    // Per invocation; 0 when there were none.
    double per_invocation(std::uint64_t total) const;
};

struct DatabaseReport {
    std::vector<HookDatabaseSummary> hooks;  // every hook with an invocation, by name
    // Activity no invocation owns; invocations = 0 and wall_ns = 0.
    HookDatabaseSummary outside;
};

// hook_filter: only that hook's invocations count (attribution still sees
// all of them, so another hook's statements never land in this one).
DatabaseReport summarize_database(const std::vector<model::Invocation>& invocations,
                                  const model::SqliteActivity& activity,
                                  const std::optional<std::string>& hook_filter);

// One normalized statement on one database file (report --sql).
struct StatementGroup {
    std::string sql;       // normalize_sql of the executions' text
    std::string database;  // "" when unknown
    bool sql_truncated = false;  // some execution's text was cut at the recording bound
    bool from_exec = false;      // some execution ran inside sqlite3_exec without visible steps
    std::size_t count = 0;
    std::uint64_t total_ns = 0;
    std::uint64_t p50_ns = 0;  // exact nearest rank over the executions' latencies
    std::uint64_t p99_ns = 0;
    std::uint64_t max_ns = 0;
    std::uint64_t rows = 0;
    std::uint64_t busy_results = 0;
    std::uint64_t locked_results = 0;
    // Ended with a result other than SQLITE_DONE, SQLITE_ROW or a reset (0).
    std::uint64_t errors = 0;
};

// A database file's system calls, summed over the selected processes.
struct FileSummary {
    std::string path;
    std::string role;
    std::size_t processes = 0;  // distinct pids
    model::DatabaseFileActivity totals;  // pid 0, path and role as above
};

struct SqlReport {
    std::size_t executions = 0;        // statement executions selected
    std::size_t distinct = 0;          // groups before top_n
    std::vector<StatementGroup> statements;  // by total time, then count, then text; at most top_n
    std::vector<FileSummary> files;          // by path, then role
};

// top_n = 0: every group. hook_filter: only statements and files attributed
// to that hook; without it everything, activity outside invocations included.
SqlReport summarize_sql(const std::vector<model::Invocation>& invocations, const model::SqliteActivity& activity,
                        const std::optional<std::string>& hook_filter, std::size_t top_n);

}  // namespace validprof::report
