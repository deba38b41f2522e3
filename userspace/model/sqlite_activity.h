// What SQLite did inside the observed processes: statement executions (from
// uprobes on the SQLite API of every copy a process runs), the time spent
// inside SQLite calls, and the system calls on each database file (main,
// -wal, -shm, -journal). Collected by userspace/sqlite, stored by
// userspace/storage, summarised by userspace/report. Times are
// CLOCK_MONOTONIC nanoseconds; durations nanoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace validprof::model {

// SQLite result codes the reports name (sqlite3.h).
inline constexpr std::int32_t kSqliteOk = 0;
inline constexpr std::int32_t kSqliteBusy = 5;
inline constexpr std::int32_t kSqliteLocked = 6;
inline constexpr std::int32_t kSqliteRow = 100;
inline constexpr std::int32_t kSqliteDone = 101;

// One execution of a prepared statement: from its first sqlite3_step to
// SQLITE_DONE, an error, or sqlite3_reset/sqlite3_finalize. SQLITE_BUSY and
// SQLITE_LOCKED do not end it: the application may step again and SQLite
// resumes the statement (they are counted in busy_results/locked_results).
struct StatementExecution {
    std::int32_t pid = 0;
    std::int32_t tid = 0;
    std::string sql;       // as prepared (bounded, may be cut: sql_truncated)
    bool sql_truncated = false;
    std::string database;  // main database file path, "" when unknown
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
    std::uint64_t rows = 0;            // SQLITE_ROW results
    std::int32_t result_code = 0;      // the step result that ended it (101 DONE, or an error); 0 if reset or finalized first
    std::uint32_t busy_results = 0;    // SQLITE_BUSY results seen during it
    std::uint32_t locked_results = 0;  // SQLITE_LOCKED results seen during it
    // Run by sqlite3_exec without visible prepare/step (a copy where those
    // are inlined into sqlite3_exec): sql is the exec's whole text.
    bool from_exec = false;

    std::uint64_t duration_ns() const { return end_ns > start_ns ? end_ns - start_ns : 0; }
    bool operator==(const StatementExecution&) const = default;
};

// Per process: SQLite API calls and the time inside them (outermost calls
// only: sqlite3_exec's own prepare/step calls are not counted twice).
struct SqliteProcessTotals {
    std::int32_t pid = 0;
    std::uint64_t api_calls = 0;
    std::uint64_t in_sqlite_ns = 0;
    std::uint64_t opens = 0;      // sqlite3_open*
    std::uint64_t prepares = 0;   // sqlite3_prepare*
    std::uint64_t steps = 0;
    std::uint64_t execs = 0;
    std::uint64_t resets = 0;
    std::uint64_t finalizes = 0;
    std::uint64_t closes = 0;

    // Adds the counts (not the pid).
    void add(const SqliteProcessTotals& more) {
        api_calls += more.api_calls;
        in_sqlite_ns += more.in_sqlite_ns;
        opens += more.opens;
        prepares += more.prepares;
        steps += more.steps;
        execs += more.execs;
        resets += more.resets;
        finalizes += more.finalizes;
        closes += more.closes;
    }
    bool operator==(const SqliteProcessTotals&) const = default;
};

// System calls one process made on one database file.
struct DatabaseFileActivity {
    std::int32_t pid = 0;
    std::string path;  // as opened
    std::string role;  // "main", "wal", "shm", "journal"
    std::uint64_t opens = 0;
    std::uint64_t reads = 0;
    std::uint64_t read_bytes = 0;
    std::uint64_t writes = 0;
    std::uint64_t write_bytes = 0;
    std::uint64_t io_ns = 0;          // time in read/write system calls
    std::uint64_t syncs = 0;          // fsync + fdatasync
    std::uint64_t sync_ns = 0;
    std::uint64_t lock_calls = 0;     // fcntl F_SETLK/F_SETLKW/F_OFD_SETLK/F_OFD_SETLKW
    std::uint64_t lock_failures = 0;  // refused (EAGAIN/EACCES): the lock was busy
    std::uint64_t lock_wait_ns = 0;   // time in those fcntl calls
    std::uint64_t truncates = 0;
    std::uint64_t unlinks = 0;

    // Adds the counts (not pid, path or role).
    void add(const DatabaseFileActivity& more) {
        opens += more.opens;
        reads += more.reads;
        read_bytes += more.read_bytes;
        writes += more.writes;
        write_bytes += more.write_bytes;
        io_ns += more.io_ns;
        syncs += more.syncs;
        sync_ns += more.sync_ns;
        lock_calls += more.lock_calls;
        lock_failures += more.lock_failures;
        lock_wait_ns += more.lock_wait_ns;
        truncates += more.truncates;
        unlinks += more.unlinks;
    }
    bool operator==(const DatabaseFileActivity&) const = default;
};

struct SqliteActivity {
    std::vector<StatementExecution> statements;  // in start order
    std::vector<SqliteProcessTotals> processes;
    std::vector<DatabaseFileActivity> files;
};

}  // namespace validprof::model
