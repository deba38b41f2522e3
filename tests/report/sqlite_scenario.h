// One small session with SQLite activity, used by the summary, text and
// JSON tests, with every expected number worked out by hand below.
#pragma once

#include "report/report_input.h"
#include "synthetic.h"

namespace validprof::report::testing {

// Invocations (times from the session start):
//   A pre-commit  0..1000 ms, pid 100 (0..1000 ms) and pid 101 (100..600 ms)
//   B pre-commit  2000..3000 ms, pid 200
//   C post-edit   4000..4500 ms, pid 300
//   D post-edit   5000..5500 ms, pid 100 again (reused)
// Statements:
//   1 pid 100 +10 ms   1 ms  INSERT state.db, 1 busy result         -> A
//   2 pid 100 +20 ms   2 ms  INSERT state.db                        -> A
//   3 pid 100 +30 ms   3 ms  INSERT state.db                        -> A
//   4 pid 101 +150 ms  5 ms  INSERT other.db                        -> A
//   5 pid 200 +2100 ms 10 ms INSERT state.db, 1 locked, ended BUSY  -> B
//   6 pid 100 +5100 ms 4 ms  SELECT ... IN (1, 2, 3), 3 rows        -> D (by time)
//   7 pid 999 +6000 ms 7 ms  SELECT 1, database unknown             -> outside
// Process totals: 100: 10 calls 300 ms; 101: 5 calls 100 ms; 200: 4 calls
//   200 ms; 999: 2 calls 50 ms. pid 100's totals go to A, its first owner.
// Files: 100 state.db main: 1 open, 4 reads 16 KiB, 2 writes 8 KiB, io 40 ms
//        100 state.db-wal: 8 writes 32 KiB, io 20 ms, 4 syncs 100 ms
//        200 state.db-wal: 2 writes 8 KiB, 2 syncs 60 ms, 5 lock calls,
//                          3 refused, lock wait 20 ms
//        300 state.db main: 1 read 4 KiB, io 10 ms              -> C
//
// pre-commit: 2 runs, wall 2000 ms; in SQLite 600 ms (30.0%), 19 calls;
//   file I/O 40+20+100+60+20 = 240 ms (40.0% of SQLite); syncs 160 ms
//   (66.7% of file I/O); per run 2.5 statements, 3 syncs, 0.5 busy,
//   0.5 locked, 1.5 lock refusals, 10 ms lock wait.
// post-edit: 2 runs, wall 1000 ms; in SQLite 0 (0.00%); file I/O 10 ms
//   (no SQLite share); 1 statement.
// outside: 1 statement, 2 calls, 50 ms.
// --sql, all hooks: 7 executions, 4 groups by total time:
//   INSERT INTO t VALUES (?, ?) on state.db: 4, total 16 ms, p50 2 ms,
//     p99 10 ms, max 10 ms, 1 busy, 1 locked, 1 error;
//   SELECT ? (no database): 1, 7 ms;
//   INSERT INTO t VALUES (?, ?) on other.db: 1, 5 ms;
//   SELECT v FROM t WHERE k IN (?, ...) on state.db: 1, 4 ms, 3 rows.
// Files, all hooks: state.db main (pids 100, 300): 5 reads, 20 KiB, io 50 ms;
//   state.db-wal (pids 100, 200): 10 writes, 40 KiB, 6 syncs 160 ms,
//   5 lock calls, 3 refused, 20 ms lock wait.
inline constexpr const char* kStateDb = "/home/dev/.hooks/state.db";
inline constexpr const char* kOtherDb = "/home/dev/.hooks/other.db";

inline model::StatementExecution sql_statement(std::int32_t pid, std::uint64_t start_ms, std::uint64_t duration_ns,
                                               std::string sql, std::string database) {
    model::StatementExecution s;
    s.pid = pid;
    s.tid = pid;
    s.sql = std::move(sql);
    s.database = std::move(database);
    s.start_ns = at(start_ms * kMs);
    s.end_ns = s.start_ns + duration_ns;
    s.result_code = model::kSqliteDone;
    return s;
}

inline model::DatabaseFileActivity db_file(std::int32_t pid, std::string path, std::string role) {
    model::DatabaseFileActivity f;
    f.pid = pid;
    f.path = std::move(path);
    f.role = std::move(role);
    return f;
}

inline ReportInput sqlite_scenario() {
    ReportInput input;
    input.session = session();
    const auto with_processes = [](model::Invocation inv, std::int64_t id,
                                   std::vector<model::ProcessRecord> processes) {
        inv.id = id;
        inv.root_pid = processes.front().pid;
        inv.processes = std::move(processes);
        return inv;
    };
    model::Invocation a = with_processes(invocation("pre-commit", at(0), 1000 * kMs, true, 0, {}, 0), 1,
                                         {process(100, 1, "/bin/sh hook", at(0), at(1000 * kMs)),
                                          process(101, 100, "/usr/bin/sqlite3 state.db", at(100 * kMs),
                                                  at(600 * kMs))});
    model::Invocation b = with_processes(invocation("pre-commit", at(2000 * kMs), 1000 * kMs, true, 0, {}, 0), 2,
                                         {process(200, 1, "/bin/sh hook", at(2000 * kMs), at(3000 * kMs))});
    model::Invocation c = with_processes(invocation("post-edit", at(4000 * kMs), 500 * kMs, true, 0, {}, 0), 3,
                                         {process(300, 1, "/usr/bin/node h.js", at(4000 * kMs), at(4500 * kMs))});
    model::Invocation d = with_processes(invocation("post-edit", at(5000 * kMs), 500 * kMs, true, 0, {}, 0), 4,
                                         {process(100, 1, "/usr/bin/python3 h.py", at(5000 * kMs), at(5500 * kMs))});
    // Not in time order: attribution must not depend on it.
    input.invocations = {d, b, c, a};
    input.session.invocation_count = input.invocations.size();

    model::SqliteActivity activity;
    auto s1 = sql_statement(100, 10, 1 * kMs, "INSERT INTO t VALUES (1, 'a')", kStateDb);
    s1.busy_results = 1;
    auto s2 = sql_statement(100, 20, 2 * kMs, "INSERT INTO t VALUES (2, 'b')", kStateDb);
    auto s3 = sql_statement(100, 30, 3 * kMs, "INSERT INTO t  VALUES (3, 'it''s');", kStateDb);
    auto s4 = sql_statement(101, 150, 5 * kMs, "INSERT INTO t VALUES (9, 'z')", kOtherDb);
    auto s5 = sql_statement(200, 2100, 10 * kMs, "INSERT INTO t VALUES (4, 'd')", kStateDb);
    s5.locked_results = 1;
    s5.result_code = model::kSqliteBusy;
    auto s6 = sql_statement(100, 5100, 4 * kMs, "SELECT v FROM t WHERE k IN (1, 2, 3)", kStateDb);
    s6.rows = 3;
    auto s7 = sql_statement(999, 6000, 7 * kMs, "SELECT 1", "");
    activity.statements = {s1, s2, s3, s4, s5, s6, s7};

    activity.processes = {{100, 10, 300 * kMs, 1, 3, 6, 0, 0, 0, 0},
                          {101, 5, 100 * kMs, 1, 1, 1, 1, 0, 1, 0},
                          {200, 4, 200 * kMs, 1, 1, 1, 0, 0, 1, 0},
                          {999, 2, 50 * kMs, 0, 1, 1, 0, 0, 0, 0}};

    auto main100 = db_file(100, kStateDb, "main");
    main100.opens = 1;
    main100.reads = 4;
    main100.read_bytes = 16384;
    main100.writes = 2;
    main100.write_bytes = 8192;
    main100.io_ns = 40 * kMs;
    auto wal100 = db_file(100, std::string(kStateDb) + "-wal", "wal");
    wal100.writes = 8;
    wal100.write_bytes = 32768;
    wal100.io_ns = 20 * kMs;
    wal100.syncs = 4;
    wal100.sync_ns = 100 * kMs;
    auto wal200 = db_file(200, std::string(kStateDb) + "-wal", "wal");
    wal200.writes = 2;
    wal200.write_bytes = 8192;
    wal200.syncs = 2;
    wal200.sync_ns = 60 * kMs;
    wal200.lock_calls = 5;
    wal200.lock_failures = 3;
    wal200.lock_wait_ns = 20 * kMs;
    auto main300 = db_file(300, kStateDb, "main");
    main300.reads = 1;
    main300.read_bytes = 4096;
    main300.io_ns = 10 * kMs;
    activity.files = {main100, wal100, wal200, main300};
    input.sqlite = std::move(activity);
    return input;
}

}  // namespace validprof::report::testing
