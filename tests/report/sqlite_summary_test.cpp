// SQLite summaries: attribution to invocations by pid and time, per-hook
// shares, exact percentiles, grouping by normalized text and database, and
// the hook filter. Expected numbers are worked out in sqlite_scenario.h.
#include "report/sqlite_summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "report/phase_summary.h"
#include "sqlite_scenario.h"

namespace validprof::report {
namespace {

using testing::at;
using testing::kMs;
using testing::kOtherDb;
using testing::kStateDb;

const std::string kPreCommit = "pre-commit";
const std::string kPostEdit = "post-edit";
const std::string kOutside = kOutsideInvocations;

TEST(SqliteSummary, AttributesStatementsByTimeAndTotalsToTheFirstOwner) {
    const ReportInput input = testing::sqlite_scenario();
    const SqliteAttribution owners = attribute_sqlite(input.invocations, *input.sqlite);
    EXPECT_EQ(owners.statements, (std::vector<std::string>{kPreCommit, kPreCommit, kPreCommit, kPreCommit, kPreCommit,
                                                           kPostEdit, kOutside}));
    // pid 100 is in A (pre-commit) and D (post-edit): its totals and files
    // go to A, the earlier one.
    EXPECT_EQ(owners.processes, (std::vector<std::string>{kPreCommit, kPreCommit, kPreCommit, kOutside}));
    EXPECT_EQ(owners.files, (std::vector<std::string>{kPreCommit, kPreCommit, kPreCommit, kPostEdit}));
}

TEST(SqliteSummary, StatementOutsideItsProcessLifetimeIsOutside) {
    ReportInput input = testing::sqlite_scenario();
    model::SqliteActivity activity;
    // pid 101 lived 100..600 ms; pid 100 between its two lives (1000..5000 ms).
    activity.statements = {testing::sql_statement(101, 700, kMs, "SELECT 1", ""),
                           testing::sql_statement(100, 3000, kMs, "SELECT 1", "")};
    // A process still running when the session ended owns everything after its start.
    input.invocations[0].processes[0].exited = false;  // D's pid 100, from 5000 ms
    activity.statements.push_back(testing::sql_statement(100, 90000, kMs, "SELECT 1", ""));
    const SqliteAttribution owners = attribute_sqlite(input.invocations, activity);
    EXPECT_EQ(owners.statements, (std::vector<std::string>{kOutside, kOutside, kPostEdit}));
}

TEST(SqliteSummary, PerHookSharesAndPerInvocationFigures) {
    const ReportInput input = testing::sqlite_scenario();
    const DatabaseReport report = summarize_database(input.invocations, *input.sqlite, std::nullopt);
    ASSERT_EQ(report.hooks.size(), 2u);

    const HookDatabaseSummary& post = report.hooks[0];  // sorted by name
    EXPECT_EQ(post.hook, kPostEdit);
    EXPECT_EQ(post.invocations, 2u);
    EXPECT_EQ(post.wall_ns, 1000 * kMs);
    EXPECT_EQ(post.in_sqlite_ns, 0u);
    EXPECT_EQ(post.sqlite_share_of_wall_percent(), 0.0);
    EXPECT_EQ(post.file_io_ns(), 10 * kMs);
    EXPECT_FALSE(post.file_io_share_of_sqlite_percent().has_value()) << "no SQLite time to be a share of";
    EXPECT_EQ(post.sync_share_of_file_io_percent(), 0.0);
    EXPECT_EQ(post.statements, 1u);
    EXPECT_TRUE(post.has_activity());

    const HookDatabaseSummary& pre = report.hooks[1];
    EXPECT_EQ(pre.hook, kPreCommit);
    EXPECT_EQ(pre.invocations, 2u);
    EXPECT_EQ(pre.wall_ns, 2000 * kMs);
    EXPECT_EQ(pre.api_calls, 19u);
    EXPECT_EQ(pre.in_sqlite_ns, 600 * kMs);
    EXPECT_DOUBLE_EQ(*pre.sqlite_share_of_wall_percent(), 30.0);
    EXPECT_EQ(pre.io_ns, 60 * kMs);
    EXPECT_EQ(pre.sync_ns, 160 * kMs);
    EXPECT_EQ(pre.lock_wait_ns, 20 * kMs);
    EXPECT_EQ(pre.file_io_ns(), 240 * kMs);
    EXPECT_DOUBLE_EQ(*pre.file_io_share_of_sqlite_percent(), 40.0);
    EXPECT_DOUBLE_EQ(*pre.sync_share_of_file_io_percent(), 100.0 * 160.0 / 240.0);
    EXPECT_EQ(pre.reads, 4u);
    EXPECT_EQ(pre.read_bytes, 16384u);
    EXPECT_EQ(pre.writes, 12u);
    EXPECT_EQ(pre.write_bytes, 49152u);
    EXPECT_EQ(pre.syncs, 6u);
    EXPECT_EQ(pre.lock_calls, 5u);
    EXPECT_EQ(pre.lock_failures, 3u);
    EXPECT_EQ(pre.statements, 5u);
    EXPECT_EQ(pre.busy_results, 1u);
    EXPECT_EQ(pre.locked_results, 1u);
    EXPECT_DOUBLE_EQ(pre.per_invocation(pre.statements), 2.5);
    EXPECT_DOUBLE_EQ(pre.per_invocation(pre.syncs), 3.0);
    EXPECT_DOUBLE_EQ(pre.per_invocation(pre.busy_results), 0.5);
    EXPECT_DOUBLE_EQ(pre.per_invocation(pre.lock_failures), 1.5);
    EXPECT_DOUBLE_EQ(pre.per_invocation(pre.lock_wait_ns), 10.0 * kMs);

    EXPECT_EQ(report.outside.statements, 1u);
    EXPECT_EQ(report.outside.api_calls, 2u);
    EXPECT_EQ(report.outside.in_sqlite_ns, 50 * kMs);
    EXPECT_EQ(report.outside.invocations, 0u);
}

TEST(SqliteSummary, HookFilterKeepsOnlyThatHook) {
    const ReportInput input = testing::sqlite_scenario();
    const DatabaseReport report = summarize_database(input.invocations, *input.sqlite, kPostEdit);
    ASSERT_EQ(report.hooks.size(), 1u);
    EXPECT_EQ(report.hooks[0].hook, kPostEdit);
    EXPECT_EQ(report.hooks[0].statements, 1u);
    EXPECT_FALSE(report.outside.has_activity()) << "nothing outside invocations is selected with a hook filter";

    const DatabaseReport none = summarize_database(input.invocations, *input.sqlite, std::string("no-such-hook"));
    EXPECT_TRUE(none.hooks.empty());
}

TEST(SqliteSummary, HookWithoutActivityIsListedAsQuiet) {
    ReportInput input = testing::sqlite_scenario();
    input.invocations.push_back(testing::invocation("pre-push", at(9000 * kMs), 100 * kMs));
    const DatabaseReport report = summarize_database(input.invocations, *input.sqlite, std::nullopt);
    ASSERT_EQ(report.hooks.size(), 3u);
    EXPECT_EQ(report.hooks[2].hook, "pre-push");
    EXPECT_EQ(report.hooks[2].invocations, 1u);
    EXPECT_FALSE(report.hooks[2].has_activity());
    EXPECT_FALSE(report.hooks[2].sync_share_of_file_io_percent().has_value());
}

TEST(SqliteSummary, StatementsGroupByNormalizedTextAndDatabase) {
    const ReportInput input = testing::sqlite_scenario();
    const SqlReport report = summarize_sql(input.invocations, *input.sqlite, std::nullopt, 0);
    EXPECT_EQ(report.executions, 7u);
    EXPECT_EQ(report.distinct, 4u);
    ASSERT_EQ(report.statements.size(), 4u);

    const StatementGroup& insert = report.statements[0];
    EXPECT_EQ(insert.sql, "INSERT INTO t VALUES (?, ?)");
    EXPECT_EQ(insert.database, kStateDb);
    EXPECT_EQ(insert.count, 4u);
    EXPECT_EQ(insert.total_ns, 16 * kMs);
    EXPECT_EQ(insert.p50_ns, 2 * kMs);   // rank ceil(0.5 * 4) = 2 of 1, 2, 3, 10 ms
    EXPECT_EQ(insert.p99_ns, 10 * kMs);  // rank ceil(0.99 * 4) = 4
    EXPECT_EQ(insert.max_ns, 10 * kMs);
    EXPECT_EQ(insert.busy_results, 1u);
    EXPECT_EQ(insert.locked_results, 1u);
    EXPECT_EQ(insert.errors, 1u);
    EXPECT_EQ(insert.rows, 0u);

    EXPECT_EQ(report.statements[1].sql, "SELECT ?");
    EXPECT_EQ(report.statements[1].database, "");
    EXPECT_EQ(report.statements[1].total_ns, 7 * kMs);
    // Same text, another file: a group of its own.
    EXPECT_EQ(report.statements[2].sql, "INSERT INTO t VALUES (?, ?)");
    EXPECT_EQ(report.statements[2].database, kOtherDb);
    EXPECT_EQ(report.statements[2].count, 1u);
    EXPECT_EQ(report.statements[2].p50_ns, 5 * kMs);
    EXPECT_EQ(report.statements[3].sql, "SELECT v FROM t WHERE k IN (?, ...)");
    EXPECT_EQ(report.statements[3].rows, 3u);
    EXPECT_EQ(report.statements[3].errors, 0u);

    ASSERT_EQ(report.files.size(), 2u);
    const FileSummary& main = report.files[0];
    EXPECT_EQ(main.path, kStateDb);
    EXPECT_EQ(main.role, "main");
    EXPECT_EQ(main.processes, 2u);
    EXPECT_EQ(main.totals.reads, 5u);
    EXPECT_EQ(main.totals.read_bytes, 20480u);
    EXPECT_EQ(main.totals.io_ns, 50 * kMs);
    EXPECT_EQ(main.totals.opens, 1u);
    const FileSummary& wal = report.files[1];
    EXPECT_EQ(wal.path, std::string(kStateDb) + "-wal");
    EXPECT_EQ(wal.role, "wal");
    EXPECT_EQ(wal.processes, 2u);
    EXPECT_EQ(wal.totals.writes, 10u);
    EXPECT_EQ(wal.totals.write_bytes, 40960u);
    EXPECT_EQ(wal.totals.syncs, 6u);
    EXPECT_EQ(wal.totals.sync_ns, 160 * kMs);
    EXPECT_EQ(wal.totals.lock_calls, 5u);
    EXPECT_EQ(wal.totals.lock_failures, 3u);
    EXPECT_EQ(wal.totals.lock_wait_ns, 20 * kMs);
}

TEST(SqliteSummary, TopNKeepsTheSlowestAndCountsAllGroups) {
    const ReportInput input = testing::sqlite_scenario();
    const SqlReport report = summarize_sql(input.invocations, *input.sqlite, std::nullopt, 2);
    EXPECT_EQ(report.distinct, 4u);
    EXPECT_EQ(report.executions, 7u);
    ASSERT_EQ(report.statements.size(), 2u);
    EXPECT_EQ(report.statements[0].total_ns, 16 * kMs);
    EXPECT_EQ(report.statements[1].total_ns, 7 * kMs);
}

TEST(SqliteSummary, SqlHookFilter) {
    const ReportInput input = testing::sqlite_scenario();
    const SqlReport post = summarize_sql(input.invocations, *input.sqlite, kPostEdit, 0);
    EXPECT_EQ(post.executions, 1u);
    ASSERT_EQ(post.statements.size(), 1u);
    EXPECT_EQ(post.statements[0].sql, "SELECT v FROM t WHERE k IN (?, ...)");
    ASSERT_EQ(post.files.size(), 1u);
    EXPECT_EQ(post.files[0].processes, 1u);  // pid 300 only: pid 100's files belong to pre-commit
    EXPECT_EQ(post.files[0].totals.reads, 1u);

    const SqlReport pre = summarize_sql(input.invocations, *input.sqlite, kPreCommit, 0);
    EXPECT_EQ(pre.executions, 5u);
    ASSERT_EQ(pre.statements.size(), 2u);
    EXPECT_EQ(pre.statements[0].count, 4u);
    EXPECT_EQ(pre.statements[1].database, kOtherDb);
    ASSERT_EQ(pre.files.size(), 2u);
    EXPECT_EQ(pre.files[0].totals.reads, 4u);
}

TEST(SqliteSummary, PercentilesAreExactNearestRank) {
    // 1..100 µs in shuffled start order: p50 is the 50th smallest, p99 the 99th.
    std::vector<std::uint64_t> durations;
    for (std::uint64_t i = 1; i <= 100; ++i) durations.push_back(i * 1000);
    std::mt19937 random(42);
    std::shuffle(durations.begin(), durations.end(), random);
    model::SqliteActivity activity;
    for (std::size_t i = 0; i < durations.size(); ++i)
        activity.statements.push_back(testing::sql_statement(7, i, durations[i],
                                                             "SELECT * FROM t WHERE id = " + std::to_string(i), ""));
    const SqlReport report = summarize_sql({}, activity, std::nullopt, 10);
    ASSERT_EQ(report.statements.size(), 1u);
    const StatementGroup& group = report.statements[0];
    EXPECT_EQ(group.sql, "SELECT * FROM t WHERE id = ?");
    EXPECT_EQ(group.count, 100u);
    EXPECT_EQ(group.p50_ns, 50'000u);
    EXPECT_EQ(group.p99_ns, 99'000u);
    EXPECT_EQ(group.max_ns, 100'000u);
    EXPECT_EQ(group.total_ns, 5'050'000u);
}

TEST(SqliteSummary, FlagsAndErrorsOfAGroup) {
    model::SqliteActivity activity;
    auto cut = testing::sql_statement(1, 1, 10, "INSERT INTO t VALUES ('abc", "/x.db");
    cut.sql_truncated = true;
    auto cut2 = testing::sql_statement(1, 2, 10, "INSERT INTO t VALUES ('defgh", "/x.db");
    cut2.result_code = 0;  // reset before done: not an error
    auto exec = testing::sql_statement(1, 3, 10, "BEGIN; UPDATE t SET a = 1; COMMIT;", "/x.db");
    exec.from_exec = true;
    exec.result_code = 19 | (6 << 8);  // SQLITE_CONSTRAINT_PRIMARYKEY (1555), an extended code
    auto row = testing::sql_statement(1, 4, 10, "BEGIN; UPDATE t SET a = 2; COMMIT", "/x.db");
    row.result_code = model::kSqliteRow;
    activity.statements = {cut, cut2, exec, row};
    const SqlReport report = summarize_sql({}, activity, std::nullopt, 0);
    ASSERT_EQ(report.statements.size(), 2u);
    for (const StatementGroup& g : report.statements) {
        if (g.sql == "INSERT INTO t VALUES (?") {
            EXPECT_TRUE(g.sql_truncated);
            EXPECT_FALSE(g.from_exec);
            EXPECT_EQ(g.count, 2u);
            EXPECT_EQ(g.errors, 0u);
        } else {
            EXPECT_EQ(g.sql, "BEGIN; UPDATE t SET a = ?; COMMIT");
            EXPECT_TRUE(g.from_exec);
            EXPECT_FALSE(g.sql_truncated);
            EXPECT_EQ(g.errors, 1u);
        }
    }
}

TEST(SqliteSummary, EmptyActivity) {
    const ReportInput input = testing::sqlite_scenario();
    const model::SqliteActivity empty;
    const SqlReport sql = summarize_sql(input.invocations, empty, std::nullopt, 5);
    EXPECT_EQ(sql.executions, 0u);
    EXPECT_TRUE(sql.statements.empty());
    EXPECT_TRUE(sql.files.empty());
    const DatabaseReport database = summarize_database(input.invocations, empty, std::nullopt);
    ASSERT_EQ(database.hooks.size(), 2u);
    for (const HookDatabaseSummary& h : database.hooks) EXPECT_FALSE(h.has_activity());
}

}  // namespace
}  // namespace validprof::report
