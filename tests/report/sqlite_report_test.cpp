// The SQLite parts of the reports as a user and a script see them: the
// database section of `report` (text and JSON) and `report --sql`. Numbers
// are those worked out in sqlite_scenario.h.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "report/json_report.h"
#include "report/sqlite_json.h"
#include "report/sqlite_text.h"
#include "report/text_report.h"
#include "sqlite_scenario.h"

namespace validprof::report {
namespace {

using nlohmann::json;
using testing::kMs;

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }
bool matches(const std::string& text, const std::string& pattern) {
    return std::regex_search(text, std::regex(pattern));
}

class SqliteReport : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* tz = std::getenv("TZ")) old_tz_ = tz;
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
    void TearDown() override {
        if (old_tz_.empty())
            ::unsetenv("TZ");
        else
            ::setenv("TZ", old_tz_.c_str(), 1);
        ::tzset();
    }

private:
    std::string old_tz_;
};

TEST_F(SqliteReport, TextDatabaseSectionPerHook) {
    const std::string text = render_text(testing::sqlite_scenario());
    EXPECT_TRUE(contains(text, "Database (SQLite), per hook")) << text;
    EXPECT_TRUE(contains(text, "  pre-commit (2 runs, wall 2.00 s summed)\n"
                               "    in SQLite  600 ms  30.0% of wall  (19 API calls)\n"
                               "    file I/O   240 ms  40.0% of SQLite  (4 reads 16.0 KiB, 12 writes 48.0 KiB)\n"
                               "    syncs      160 ms  66.7% of file I/O  (6 fsync/fdatasync)\n"
                               "    per run: 2.5 statements, 3 syncs, 0.5 busy, 0.5 locked, 1.5 lock refusals, "
                               "lock wait 10.0 ms\n"))
        << text;
    EXPECT_TRUE(contains(text, "  post-edit (2 runs, wall 1.00 s summed)\n"
                               "    in SQLite  0 ns  0.00% of wall  (0 API calls)\n"
                               "    file I/O   10.0 ms  - of SQLite (no SQLite calls seen)"))
        << text;
    EXPECT_TRUE(contains(text, "  (outside invocations)\n    in SQLite  50.0 ms  (2 API calls)")) << text;
    // Between the per-hook details and the slowest invocations.
    EXPECT_LT(text.find("Database (SQLite)"), text.find("Slowest complete invocations")) << text;
}

TEST_F(SqliteReport, TextSectionAbsentWhenNotRecordedAndANoteWhenEmpty) {
    ReportInput input = testing::sqlite_scenario();
    input.sqlite.reset();
    EXPECT_FALSE(contains(render_text(input), "SQLite"));
    EXPECT_EQ(database_section_text(input), "");

    input.sqlite = model::SqliteActivity{};
    const std::string text = render_text(input);
    EXPECT_TRUE(contains(text, "Database (SQLite): traced, but no SQLite calls or database file activity\nwere seen"))
        << text;
}

TEST_F(SqliteReport, TextSectionHookFilterAndQuietHooks) {
    ReportInput input = testing::sqlite_scenario();
    input.invocations.push_back(testing::invocation("pre-push", testing::at(9000 * kMs), 100 * kMs));
    std::string text = render_text(input);
    EXPECT_TRUE(contains(text, "  no SQLite activity: pre-push\n")) << text;

    input.hook_filter = "pre-commit";
    text = database_section_text(input);
    EXPECT_TRUE(contains(text, "pre-commit (2 runs")) << text;
    EXPECT_FALSE(contains(text, "post-edit")) << text;
    EXPECT_FALSE(contains(text, "outside invocations")) << text;
    EXPECT_FALSE(contains(text, "pre-push")) << text;
}

TEST_F(SqliteReport, SqlTextRanksNormalizedStatements) {
    const std::string text = render_sql_text(testing::sqlite_scenario(), 10);
    EXPECT_TRUE(contains(text, "SQL statements of session 7: 7 executions, 4 distinct statements\n")) << text;
    // rank, total, count, p50, p99, max, rows, busy, locked, errors, database, statement
    EXPECT_TRUE(matches(text, R"(\n +1 +16\.0 ms +4 +2\.00 ms +10\.0 ms +10\.0 ms +0 +1 +1 +1 +/home/dev/\.hooks/state\.db +INSERT INTO t VALUES \(\?, \?\)\n)"))
        << text;
    EXPECT_TRUE(matches(text, R"(\n +2 +7\.00 ms +1 .* \? +SELECT \?\n)")) << text;
    EXPECT_TRUE(matches(text, R"(\n +4 +4\.00 ms +1 +4\.00 ms +4\.00 ms +4\.00 ms +3 .*SELECT v FROM t WHERE k IN \(\?, \.\.\.\)\n)"))
        << text;
    EXPECT_TRUE(contains(text, "Database files")) << text;
    EXPECT_TRUE(matches(text, R"(/home/dev/\.hooks/state\.db-wal +wal +2 +0 +0 +0 B +10 +40\.0 KiB +20\.0 ms +6 +160 ms +5 +3 +20\.0 ms +0 +0\n)"))
        << text;
}

TEST_F(SqliteReport, SqlTextTopNHookFilterAndNotRecorded) {
    ReportInput input = testing::sqlite_scenario();
    std::string text = render_sql_text(input, 1);
    EXPECT_TRUE(contains(text, "7 executions, 4 distinct statements; top 1 by total time\n")) << text;
    EXPECT_FALSE(contains(text, "SELECT v FROM")) << text;

    input.hook_filter = "post-edit";
    text = render_sql_text(input, 10);
    EXPECT_TRUE(contains(text, "SQL statements of session 7, hook post-edit: 1 executions, 1 distinct statements\n"))
        << text;
    EXPECT_FALSE(contains(text, "INSERT")) << text;

    input.hook_filter = "no-such-hook";
    text = render_sql_text(input, 10);
    EXPECT_TRUE(contains(text, "no statement executions recorded")) << text;

    input.hook_filter.reset();
    input.sqlite.reset();
    text = render_sql_text(input, 10);
    EXPECT_TRUE(contains(text, "SQLite activity was not recorded in this session")) << text;
}

TEST_F(SqliteReport, SqlTextMarksCutAndExecTextsAndShortensLongPaths) {
    ReportInput input = testing::sqlite_scenario();
    std::string long_path = "/very/long";
    for (int i = 0; i < 10; ++i) long_path += "/directory-name";
    long_path += "/hooks.db";
    auto cut = testing::sql_statement(100, 40, 500 * kMs, "UPDATE counters SET n = n + 1 WHERE name = 'comm", long_path);
    cut.sql_truncated = true;
    cut.from_exec = true;
    input.sqlite->statements.push_back(cut);
    const std::string text = render_sql_text(input, 10);
    EXPECT_TRUE(contains(text, "  …/directory-name/directory-name/hooks.db  ")) << text;  // 40 columns
    EXPECT_FALSE(contains(text, "/very/long")) << text;
    EXPECT_TRUE(contains(text, "UPDATE counters SET n = n + ? WHERE name = ? [cut] [exec]\n")) << text;

    input.sqlite->statements.push_back(testing::sql_statement(100, 41, 400 * kMs, "", ""));
    EXPECT_TRUE(contains(render_sql_text(input, 10), "  (prepare not seen)\n"));
}

TEST_F(SqliteReport, JsonDatabaseKey) {
    const json j = json::parse(render_json(testing::sqlite_scenario()).dump());
    const json& database = j.at("database");
    ASSERT_EQ(database.at("hooks").size(), 2u);
    const json& pre = database.at("hooks").at(1);
    EXPECT_EQ(pre.at("hook"), "pre-commit");
    EXPECT_EQ(pre.at("invocations"), 2);
    EXPECT_EQ(pre.at("wall_ns"), 2000 * kMs);
    EXPECT_EQ(pre.at("in_sqlite_ns"), 600 * kMs);
    EXPECT_DOUBLE_EQ(pre.at("sqlite_share_of_wall_percent").get<double>(), 30.0);
    EXPECT_EQ(pre.at("file_io_ns"), 240 * kMs);
    EXPECT_DOUBLE_EQ(pre.at("file_io_share_of_sqlite_percent").get<double>(), 40.0);
    EXPECT_DOUBLE_EQ(pre.at("sync_share_of_file_io_percent").get<double>(), 100.0 * 160 / 240);
    EXPECT_EQ(pre.at("syncs"), 6);
    EXPECT_EQ(pre.at("statements"), 5);
    EXPECT_EQ(pre.at("busy_results"), 1);
    EXPECT_EQ(pre.at("lock_failures"), 3);
    EXPECT_DOUBLE_EQ(pre.at("per_invocation").at("statements").get<double>(), 2.5);
    EXPECT_DOUBLE_EQ(pre.at("per_invocation").at("syncs").get<double>(), 3.0);
    EXPECT_DOUBLE_EQ(pre.at("per_invocation").at("lock_wait_ns").get<double>(), 10.0 * kMs);

    const json& post = database.at("hooks").at(0);
    EXPECT_EQ(post.at("hook"), "post-edit");
    EXPECT_EQ(post.at("sqlite_share_of_wall_percent"), 0.0);
    EXPECT_TRUE(post.at("file_io_share_of_sqlite_percent").is_null());

    const json& outside = database.at("outside_invocations");
    EXPECT_EQ(outside.at("statements"), 1);
    EXPECT_EQ(outside.at("in_sqlite_ns"), 50 * kMs);
    EXPECT_TRUE(outside.at("sqlite_share_of_wall_percent").is_null());
    EXPECT_TRUE(outside.at("per_invocation").is_null());
}

TEST_F(SqliteReport, JsonDatabaseKeyNullWhenNotRecorded) {
    ReportInput input = testing::sqlite_scenario();
    input.sqlite.reset();
    EXPECT_TRUE(json::parse(render_json(input).dump()).at("database").is_null());
    input.sqlite = model::SqliteActivity{};
    const json empty = json::parse(render_json(input).dump()).at("database");
    ASSERT_EQ(empty.at("hooks").size(), 2u);
    EXPECT_EQ(empty.at("hooks").at(0).at("statements"), 0);
    input.hook_filter = "pre-commit";
    const json filtered = json::parse(render_json(input).dump()).at("database");
    EXPECT_TRUE(filtered.at("outside_invocations").is_null());
}

TEST_F(SqliteReport, SqlJson) {
    const json j = json::parse(render_sql_json(testing::sqlite_scenario(), 3).dump());
    EXPECT_EQ(j.at("session_id"), 7);
    EXPECT_TRUE(j.at("hook_filter").is_null());
    EXPECT_EQ(j.at("sqlite_recorded"), true);
    EXPECT_EQ(j.at("executions"), 7);
    EXPECT_EQ(j.at("distinct_statements"), 4);
    EXPECT_EQ(j.at("top_n"), 3);
    ASSERT_EQ(j.at("statements").size(), 3u);
    const json& first = j.at("statements").at(0);
    EXPECT_EQ(first.at("rank"), 1);
    EXPECT_EQ(first.at("sql"), "INSERT INTO t VALUES (?, ?)");
    EXPECT_EQ(first.at("database"), testing::kStateDb);
    EXPECT_EQ(first.at("count"), 4);
    EXPECT_EQ(first.at("total_ns"), 16 * kMs);
    EXPECT_EQ(first.at("p50_ns"), 2 * kMs);
    EXPECT_EQ(first.at("p99_ns"), 10 * kMs);
    EXPECT_EQ(first.at("max_ns"), 10 * kMs);
    EXPECT_EQ(first.at("busy_results"), 1);
    EXPECT_EQ(first.at("locked_results"), 1);
    EXPECT_EQ(first.at("errors"), 1);
    EXPECT_EQ(first.at("sql_truncated"), false);
    EXPECT_EQ(first.at("from_exec"), false);
    ASSERT_EQ(j.at("files").size(), 2u);
    const json& wal = j.at("files").at(1);
    EXPECT_EQ(wal.at("role"), "wal");
    EXPECT_EQ(wal.at("processes"), 2);
    EXPECT_EQ(wal.at("syncs"), 6);
    EXPECT_EQ(wal.at("sync_ns"), 160 * kMs);
    EXPECT_EQ(wal.at("lock_wait_ns"), 20 * kMs);
}

TEST_F(SqliteReport, SqlJsonHookFilterNotRecordedAndInvalidUtf8) {
    ReportInput input = testing::sqlite_scenario();
    input.hook_filter = "post-edit";
    json j = json::parse(render_sql_json(input, 0).dump());
    EXPECT_EQ(j.at("hook_filter"), "post-edit");
    EXPECT_EQ(j.at("executions"), 1);
    ASSERT_EQ(j.at("statements").size(), 1u);
    EXPECT_EQ(j.at("statements").at(0).at("sql"), "SELECT v FROM t WHERE k IN (?, ...)");
    EXPECT_EQ(j.at("files").size(), 1u);

    input.hook_filter.reset();
    // Bytes that are not UTF-8 in the SQL text and the path must not make dump() throw.
    input.sqlite->statements.push_back(testing::sql_statement(100, 50, kMs, "SELECT \xff FROM \"caf\xe9\"", "/tmp/\xfe.db"));
    EXPECT_NO_THROW(j = json::parse(render_sql_json(input, 0).dump()));
    EXPECT_EQ(j.at("executions"), 8);
    EXPECT_NO_THROW(json::parse(render_json(input).dump()));

    input.sqlite.reset();
    j = json::parse(render_sql_json(input, 0).dump());
    EXPECT_EQ(j.at("sqlite_recorded"), false);
    EXPECT_EQ(j.at("executions"), 0);
    EXPECT_TRUE(j.at("statements").empty());
    EXPECT_TRUE(j.at("files").empty());
}

}  // namespace
}  // namespace validprof::report
