// End-to-end, privileged: two processes write one WAL database at once
// (vp_sqlite_contend), each with its own busy handler that counts its calls
// and measures, by the process's own clock, the time it waited in them. The
// locks validprof saw refused, the SQLITE_BUSY results it saw returned and
// the time it saw spent are compared with that, and with the counting VFS's
// view of every lock SQLite was refused. Skipped, with the reason, without
// CAP_BPF/CAP_PERFMON.
#include <gtest/gtest.h>

#include "sqlite_test_support.h"

namespace validprof::testing {
namespace {

constexpr const char* kBeginImmediate = "BEGIN IMMEDIATE";

struct Contended {
    SqlRecorded recorded;
    std::string db;
};

// vp_sqlite_contend DB ROWS TIMEOUT 1 RETRY: two writers, each holding the
// write lock 1 ms per transaction.
Contended contend(const TempDir& dir, int rows, int busy_timeout_ms, const std::string& retry = "reset") {
    Contended contended;
    contended.db = dir.file("contended.db");
    contended.recorded = record_sql(dir, {workload("vp_sqlite_contend"), contended.db, std::to_string(rows),
                                          std::to_string(busy_timeout_ms), "1", retry});
    return contended;
}

std::uint64_t busy_results_of(const model::SqliteActivity& activity, std::int32_t pid) {
    std::uint64_t busy = 0;
    for (const model::StatementExecution* statement : statements_of(activity, pid)) busy += statement->busy_results;
    return busy;
}

std::uint64_t lock_failures_of(const model::SqliteActivity& activity, std::int32_t pid) {
    std::uint64_t failures = 0;
    for (const model::DatabaseFileActivity& file : activity.files)
        if (file.pid == pid) failures += file.lock_failures;
    return failures;
}

// With a 2 s busy timeout SQLite's busy handler absorbs every conflict: no
// SQLITE_BUSY reaches the program, but its locks are refused (one F_SETLK
// refused per busy lock the VFS saw, at least one per handler call) and the
// waiting happens inside the BEGIN IMMEDIATE executions.
TEST(SqlitePrivileged, ContendingWritersShowRefusedLocksAndTheBusyWait) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Contended contended = contend(dir, 100, 2000);
    const SqlRecorded& recorded = contended.recorded;
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 2u) << recorded.result.output;

    std::uint64_t handler_calls = 0;
    std::uint64_t failures = 0;
    for (const TruthLine& truth : recorded.truth) {
        std::int32_t pid = truth_pid(truth);
        SCOPED_TRACE(truth_text(truth, "role"));
        expect_matches_sqlite_truth(recorded.activity, truth, contended.db);
        EXPECT_EQ(busy_results_of(recorded.activity, pid), truth_u64(truth, "busy_results"));
        std::uint64_t pid_failures = lock_failures_of(recorded.activity, pid);
        EXPECT_GE(pid_failures, truth_u64(truth, "busy_handler_calls"));
        handler_calls += truth_u64(truth, "busy_handler_calls");
        failures += pid_failures;

        // The handler's sleeps are inside sqlite3_step of BEGIN IMMEDIATE.
        std::uint64_t begin_ns = 0;
        for (const model::StatementExecution* statement : statements_of(recorded.activity, pid))
            if (statement->sql == kBeginImmediate) begin_ns += statement->duration_ns();
        std::uint64_t busy_wait = truth_u64(truth, "busy_wait_ns");
        EXPECT_GE(begin_ns + kMsNs, busy_wait) << "BEGIN IMMEDIATE took less than the busy handler waited";
        const model::SqliteProcessTotals* totals = totals_of(recorded.activity, pid);
        ASSERT_NE(totals, nullptr);
        EXPECT_GE(totals->in_sqlite_ns + kMsNs, busy_wait);
        EXPECT_LE(begin_ns, totals->in_sqlite_ns);
        std::uint64_t lock_wait = 0;
        for (const model::DatabaseFileActivity& file : recorded.activity.files)
            if (file.pid == pid) lock_wait += file.lock_wait_ns;
        EXPECT_LE(lock_wait, totals->in_sqlite_ns) << "fcntl time outside SQLite calls";
    }
    ASSERT_GT(handler_calls, 0u) << "the two writers never collided: nothing to compare";
    EXPECT_GT(failures, 0u);
}

// With no busy timeout every conflict comes back to the program as
// SQLITE_BUSY, which it counts, resets the statement and steps again:
// validprof must see exactly as many, one in each execution the reset ended
// (SQLite's trace reports the retry as a new execution).
TEST(SqlitePrivileged, ContendingWritersWithoutTimeoutShowEveryBusyResult) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Contended contended = contend(dir, 100, 0, "reset");
    const SqlRecorded& recorded = contended.recorded;
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 2u) << recorded.result.output;

    std::uint64_t busy_total = 0;
    for (const TruthLine& truth : recorded.truth) {
        std::int32_t pid = truth_pid(truth);
        SCOPED_TRACE(truth_text(truth, "role"));
        expect_matches_sqlite_truth(recorded.activity, truth, contended.db);
        std::uint64_t busy = truth_u64(truth, "busy_results");
        EXPECT_EQ(busy_results_of(recorded.activity, pid), busy);
        std::uint64_t busy_executions = 0;
        for (const model::StatementExecution* statement : statements_of(recorded.activity, pid)) {
            if (statement->busy_results == 0) continue;
            ++busy_executions;
            EXPECT_EQ(statement->busy_results, 1u) << statement->sql;
            EXPECT_NE(statement->result_code, model::kSqliteDone) << "reset after SQLITE_BUSY, yet done: " << statement->sql;
        }
        EXPECT_EQ(busy_executions, busy);
        EXPECT_GE(lock_failures_of(recorded.activity, pid), busy);
        busy_total += busy;
    }
    ASSERT_GT(busy_total, 0u) << "the two writers never collided: nothing to compare";
}

// Stepped again without a reset, a statement refused a lock resumes where it
// stopped: SQLite's trace reports no new execution, so validprof must keep
// one, holding all of its SQLITE_BUSY results and ending SQLITE_DONE.
TEST(SqlitePrivileged, BusyStatementSteppedAgainIsOneExecution) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Contended contended = contend(dir, 100, 0, "step");
    const SqlRecorded& recorded = contended.recorded;
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 2u) << recorded.result.output;

    std::uint64_t busy_total = 0;
    for (const TruthLine& truth : recorded.truth) {
        std::int32_t pid = truth_pid(truth);
        SCOPED_TRACE(truth_text(truth, "role"));
        expect_matches_sqlite_truth(recorded.activity, truth, contended.db);
        EXPECT_EQ(busy_results_of(recorded.activity, pid), truth_u64(truth, "busy_results"));
        for (const model::StatementExecution* statement : statements_of(recorded.activity, pid))
            if (statement->busy_results) {
                EXPECT_EQ(statement->result_code, model::kSqliteDone) << statement->sql;
            }
        busy_total += truth_u64(truth, "busy_results");
    }
    ASSERT_GT(busy_total, 0u) << "the two writers never collided: nothing to compare";
}

}  // namespace
}  // namespace validprof::testing
