// End-to-end, privileged: `validprof record --sql` runs vp_sqlite_inserts
// (tests/workloads), a program that writes rows into a WAL database with
// synchronous=FULL, and what validprof stored is compared with what SQLite
// itself reported inside the program: its trace callback's statements, the
// program's API calls, and a counting VFS's view of every file operation.
// Skipped, with the reason, without CAP_BPF/CAP_PERFMON.
#include <gtest/gtest.h>

#include <set>

#include "sqlite_test_support.h"

namespace validprof::testing {
namespace {

constexpr const char* kInsert = "INSERT INTO samples(id, payload) VALUES (?1, ?2)";

std::vector<std::string> inserts(const std::string& program, const std::string& mode, int rows, const std::string& db) {
    return {workload(program), mode, std::to_string(rows), db};
}

// The INSERTs of the process: each with the prepared text exactly, run to
// SQLITE_DONE, no rows returned.
void expect_prepared_inserts(const model::SqliteActivity& activity, std::int32_t pid, std::size_t rows) {
    std::size_t found = 0;
    for (const model::StatementExecution* statement : statements_of(activity, pid)) {
        if (statement->sql.rfind("INSERT", 0) != 0) continue;
        ++found;
        EXPECT_EQ(statement->sql, kInsert);
        EXPECT_EQ(statement->result_code, model::kSqliteDone);
        EXPECT_EQ(statement->rows, 0u);
        EXPECT_EQ(statement->busy_results, 0u);
    }
    EXPECT_EQ(found, rows);
}

// 200 autocommit INSERTs: 200 executions of the one normalized INSERT with
// its text as prepared, and a sync of the -wal file per commit.
void expect_autocommit_run(const std::string& program) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    std::string db = dir.file("autocommit.db");
    SqlRecorded recorded = record_sql(dir, inserts(program, "autocommit", 200, db));
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 1u) << recorded.result.output;
    const TruthLine& truth = recorded.truth.front();
    ASSERT_EQ(truth_u64(truth, "inserts"), 200u) << "SQLite's trace saw another number of INSERTs";
    std::int32_t pid = truth_pid(truth);

    expect_matches_sqlite_truth(recorded.activity, truth, db);
    expect_prepared_inserts(recorded.activity, pid, 200);
    EXPECT_EQ(statements_by_text(recorded.activity, pid)[normalized(kInsert)], 200u);
    // With synchronous=FULL, SQLite syncs the WAL at every commit: 200
    // commits, plus the CREATE TABLE's and the checkpoint's at close.
    EXPECT_GE(file_activity(recorded.activity, pid, database_file(db, "wal")).syncs, 200u) << describe(recorded.activity);
}

TEST(SqlitePrivileged, AutocommitInsertsAreEachExecutedAndSyncedOnTheWal) {
    expect_autocommit_run("vp_sqlite_inserts");
}

// The static copy: libsqlite3.a linked into the executable, found by its
// ELF symbols, not through libsqlite3.so.
TEST(SqlitePrivileged, StaticallyLinkedSqliteGivesTheSameCounts) {
#ifndef VALIDPROF_HAVE_STATIC_SQLITE_WORKLOAD
    GTEST_SKIP() << "vp_sqlite_inserts_static not built: libsqlite3.a (libsqlite3-dev) was not found";
#else
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    std::string db = dir.file("static.db");
    SqlRecorded recorded = record_sql(dir, inserts("vp_sqlite_inserts_static", "autocommit", 200, db));
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 1u);
    const TruthLine& truth = recorded.truth.front();
    ASSERT_EQ(truth_text(truth, "linkage"), "static");
    ASSERT_EQ(truth_u64(truth, "libsqlite3_so_mapped"), 0u) << "the static workload mapped libsqlite3.so";
    std::int32_t pid = truth_pid(truth);

    expect_matches_sqlite_truth(recorded.activity, truth, db);
    expect_prepared_inserts(recorded.activity, pid, 200);
    EXPECT_GE(file_activity(recorded.activity, pid, database_file(db, "wal")).syncs, 200u);
#endif
}

// The same 200 INSERTs in one transaction sync the WAL once at COMMIT. The
// WAL's other syncs are the same in both runs (the CREATE TABLE's commit,
// and the checkpoint that closing the last connection does), so, measured by
// validprof in one session, the autocommit run syncs the WAL 199 times more:
// 200 commit syncs against 1. The workload's VFS counted the WAL syncs made
// while COMMIT ran: exactly one, as SQLite does with synchronous=FULL in WAL
// mode (one sync of the WAL per commit, none of the database file).
TEST(SqlitePrivileged, OneTransactionSyncsTheWalOnceAtCommit) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    std::string autocommit_db = dir.file("autocommit.db");
    std::string transaction_db = dir.file("transaction.db");
    std::string program = shell_quoted(workload("vp_sqlite_inserts"));
    SqlRecorded recorded =
        record_sql(dir, {"sh", "-c",
                         program + " autocommit 200 " + shell_quoted(autocommit_db) + " && " + program +
                             " transaction 200 " + shell_quoted(transaction_db)});
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 2u) << recorded.result.output;
    const TruthLine& autocommit = recorded.truth[0];
    const TruthLine& transaction = recorded.truth[1];
    ASSERT_EQ(truth_text(autocommit, "mode"), "autocommit");
    ASSERT_EQ(truth_text(transaction, "mode"), "transaction");
    ASSERT_EQ(truth_u64(transaction, "commit_wal_syncs"), 1u) << "SQLite synced the WAL otherwise at COMMIT";

    expect_matches_sqlite_truth(recorded.activity, autocommit, autocommit_db);
    expect_matches_sqlite_truth(recorded.activity, transaction, transaction_db);
    std::int32_t pid = truth_pid(transaction);
    expect_prepared_inserts(recorded.activity, pid, 200);
    auto by_text = statements_by_text(recorded.activity, pid);
    EXPECT_EQ(by_text[normalized("BEGIN")], 1u);
    EXPECT_EQ(by_text[normalized("COMMIT")], 1u);

    // SQLite's own count first, then validprof's.
    ASSERT_EQ(truth_u64(autocommit, "wal.syncs"), truth_u64(transaction, "wal.syncs") + 199);
    std::uint64_t autocommit_syncs = file_activity(recorded.activity, truth_pid(autocommit), database_file(autocommit_db, "wal")).syncs;
    std::uint64_t transaction_syncs = file_activity(recorded.activity, pid, database_file(transaction_db, "wal")).syncs;
    EXPECT_EQ(autocommit_syncs, transaction_syncs + 199) << describe(recorded.activity);
}

// sqlite3_exec with literal values: 200 different texts that normalize to
// one statement; each execution keeps its own literal text.
TEST(SqlitePrivileged, ExecWithLiteralsNormalizesToOneStatement) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    std::string db = dir.file("exec.db");
    SqlRecorded recorded = record_sql(dir, inserts("vp_sqlite_inserts", "exec", 200, db));
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 1u);
    const TruthLine& truth = recorded.truth.front();
    std::int32_t pid = truth_pid(truth);
    expect_matches_sqlite_truth(recorded.activity, truth, db);

    std::set<std::string> expected;
    for (int row = 0; row < 200; ++row)
        expected.insert("INSERT INTO samples(id, payload) VALUES (" + std::to_string(row) + ", 'row-" +
                        std::to_string(row) + "')");
    std::set<std::string> seen;
    for (const model::StatementExecution* statement : statements_of(recorded.activity, pid))
        if (statement->sql.rfind("INSERT", 0) == 0) seen.insert(statement->sql);
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(statements_by_text(recorded.activity, pid)[normalized(*expected.begin())], 200u);
}

// A process that opens a database, inserts one row, closes it and exits
// within a few milliseconds: everything it did is still there, under its pid.
TEST(SqlitePrivileged, ShortLivedProcessIsFullyAttributed) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    std::string db = dir.file("short.db");
    SqlRecorded recorded = record_sql(dir, inserts("vp_sqlite_inserts", "autocommit", 1, db));
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 1u);
    const TruthLine& truth = recorded.truth.front();
    std::int32_t pid = truth_pid(truth);
    std::printf("short-lived workload: %.2f ms from main() to exit\n",
                static_cast<double>(truth_u64(truth, "wall_ns")) / 1e6);

    expect_matches_sqlite_truth(recorded.activity, truth, db);
    expect_prepared_inserts(recorded.activity, pid, 1);
    for (const model::StatementExecution& statement : recorded.activity.statements) EXPECT_EQ(statement.pid, pid);
    for (const model::DatabaseFileActivity& file : recorded.activity.files) EXPECT_EQ(file.pid, pid) << file.path;
    ASSERT_EQ(recorded.activity.processes.size(), 1u);
    EXPECT_EQ(recorded.activity.processes.front().pid, pid);
    EXPECT_GT(file_activity(recorded.activity, pid, database_file(db, "wal")).writes, 0u);
    EXPECT_GT(file_activity(recorded.activity, pid, db).opens, 0u);
}

}  // namespace
}  // namespace validprof::testing
