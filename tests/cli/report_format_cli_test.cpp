// End-to-end `validprof report --format csv|md` on sessions synthesized in a
// database: Python's csv module, a reader validprof has no part in, reads
// the CSV back to the same figures `report --json` prints; mistakes in
// --format and --table are one-line usage errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "session_fixtures.h"

namespace validprof::testing {
namespace {

constexpr const char* kPython = "/usr/bin/python3";
// Reads CSV on stdin the way the csv module documents (newline=''), prints
// the rows as a JSON list of {column: field} objects.
constexpr const char* kDictReader =
    "import csv,io,sys,json; "
    "rows = csv.DictReader(io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline='')); "
    "print(json.dumps(list(rows)))";

// A hook name a naive CSV writer would split or break across records.
const std::string kHostileHook = "lint, \"fmt\"\nstage 2";

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

class ReportFormatCli : public ::testing::Test {
protected:
    void SetUp() override {
        auto database = storage::ProfileDatabase::open(db_, storage::OpenMode::ReadWrite);
        ASSERT_TRUE(database.ok());
        plain_ = store_fixture_session(**database, {{"post-edit", spread_walls(50, 40 * kFixtureMs, 20 * kFixtureMs), 2 * kFixtureMs},
                                                    {"notify", {kFixtureMs, 3 * kFixtureMs, 2 * kFixtureMs}, kFixtureMs},
                                                    {kHostileHook, spread_walls(7, 5 * kFixtureMs, 9 * kFixtureMs)}});
        with_sql_ = store_fixture_session(**database, {{"post-edit", spread_walls(20, 10 * kFixtureMs, 5 * kFixtureMs)}},
                                          {kFixtureMs, 2 * kFixtureMs, 5 * kFixtureMs});
    }
    CommandResult report(std::vector<std::string> arguments) {
        std::vector<std::string> argv = {validprof_binary(), "report", "--db", db_};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_command(argv);
    }
    // `validprof report ARGS | python3 <DictReader>`, parsed.
    nlohmann::json read_with_python(const std::vector<std::string>& arguments) {
        std::string command = shell_quoted(validprof_binary()) + " report --db " + shell_quoted(db_);
        for (const std::string& argument : arguments) command += " " + shell_quoted(argument);
        command += " 2>/dev/null | " + shell_quoted(kPython) + " -c " + shell_quoted(kDictReader);
        CommandResult piped = run_command({"/bin/sh", "-c", command});
        EXPECT_EQ(piped.exit_code, 0) << piped.output;
        auto parsed = nlohmann::json::parse(piped.output, nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << piped.output;
        return parsed;
    }
    TempDir dir_;
    std::string db_ = dir_.file("profile.db");
    std::int64_t plain_ = 0, with_sql_ = 0;
};

TEST_F(ReportFormatCli, PythonCsvReaderReadsTheJsonReportsFigures) {
    if (!fs::exists(kPython)) GTEST_SKIP() << "needs " << kPython << " as an independent CSV reader";
    CommandResult direct = report({"--session", std::to_string(plain_), "--format", "csv"});
    ASSERT_EQ(direct.exit_code, 0) << direct.output;

    const nlohmann::json rows = read_with_python({"--session", std::to_string(plain_), "--format", "csv"});
    CommandResult json_output = report({"--session", std::to_string(plain_), "--json"});
    ASSERT_EQ(json_output.exit_code, 0) << json_output.output;
    const nlohmann::json hooks = nlohmann::json::parse(json_output.output).at("hooks");

    ASSERT_TRUE(rows.is_array()) << rows.dump();
    ASSERT_EQ(rows.size(), hooks.size()) << rows.dump();
    ASSERT_EQ(rows.size(), 3u);
    for (const nlohmann::json& hook : hooks) {
        const std::string name = hook.at("hook");
        const nlohmann::json* row = nullptr;
        for (const nlohmann::json& candidate : rows)
            if (candidate.at("hook") == name) row = &candidate;
        ASSERT_NE(row, nullptr) << "no CSV row for hook '" << name << "' in " << rows.dump();
        EXPECT_EQ(row->at("count").get<std::string>(), std::to_string(hook.at("count").get<std::uint64_t>())) << name;
        EXPECT_EQ(row->at("p50_wall_ns").get<std::string>(), std::to_string(hook.at("p50_ns").get<std::uint64_t>()))
            << name;
        EXPECT_EQ(row->at("p99_wall_ns").get<std::string>(), std::to_string(hook.at("p99_ns").get<std::uint64_t>()))
            << name;
    }
    // The planted walls, as a check on both: post-edit 50 runs over 40..60 ms.
    for (const nlohmann::json& row : rows) {
        if (row.at("hook") == "post-edit") {
            EXPECT_EQ(row.at("count"), "50");
        }
    }
}

TEST_F(ReportFormatCli, SlowestTableFollowsTop) {
    if (!fs::exists(kPython)) GTEST_SKIP() << "needs " << kPython << " as an independent CSV reader";
    const nlohmann::json rows =
        read_with_python({"--session", std::to_string(plain_), "--format", "csv", "--table", "slowest", "--top", "12"});
    ASSERT_EQ(rows.size(), 12u) << rows.dump();
    // Slowest first: the post-edit walls top out just under 60 ms.
    EXPECT_EQ(rows[0].at("rank"), "1");
    EXPECT_EQ(rows[0].at("hook"), "post-edit");
    EXPECT_GE(std::stoull(rows[0].at("wall_ns").get<std::string>()), std::stoull(rows[11].at("wall_ns").get<std::string>()));
}

TEST_F(ReportFormatCli, SqlFlagWithCsvIsTheSqlTable) {
    CommandResult flag = report({"--session", std::to_string(with_sql_), "--sql", "--format", "csv"});
    CommandResult table = report({"--session", std::to_string(with_sql_), "--format", "csv", "--table", "sql"});
    ASSERT_EQ(flag.exit_code, 0) << flag.output;
    EXPECT_EQ(flag.output, table.output);
    EXPECT_EQ(flag.output.rfind("rank,statement,database,", 0), 0u) << flag.output;
    EXPECT_EQ(count_lines(flag.output), 2u) << flag.output;  // header, one statement group

    CommandResult without = report({"--session", std::to_string(plain_), "--format", "csv", "--table", "sql"});
    EXPECT_EQ(without.exit_code, 1);
    EXPECT_NE(without.output.find("has no SQLite data"), std::string::npos) << without.output;
}

TEST_F(ReportFormatCli, MarkdownAndJsonFormats) {
    CommandResult md = report({"--session", std::to_string(plain_), "--format", "md"});
    ASSERT_EQ(md.exit_code, 0) << md.output;
    EXPECT_EQ(md.output.rfind("### Hooks (session " + std::to_string(plain_) + ")\n", 0), 0u) << md.output;
    EXPECT_NE(md.output.find("\n### Slowest complete invocations"), std::string::npos) << md.output;
    EXPECT_NE(md.output.find("| lint, \"fmt\"?stage 2 |"), std::string::npos) << md.output;

    CommandResult json_flag = report({"--session", std::to_string(plain_), "--json"});
    CommandResult json_format = report({"--session", std::to_string(plain_), "--format", "json"});
    CommandResult both = report({"--session", std::to_string(plain_), "--json", "--format", "json"});
    EXPECT_EQ(json_flag.output, json_format.output);
    EXPECT_EQ(json_flag.output, both.output);

    CommandResult text = report({"--session", std::to_string(plain_), "--format", "text"});
    CommandResult plain_text = report({"--session", std::to_string(plain_)});
    EXPECT_EQ(text.exit_code, 0);
    EXPECT_EQ(text.output, plain_text.output);
}

TEST_F(ReportFormatCli, FormatAndTableMistakesAreOneLineUsageErrors) {
    struct Case {
        std::vector<std::string> arguments;
        std::string says;
    };
    const std::vector<Case> cases = {
        {{"--table", "hooks"}, "--table chooses a table of --format csv or md"},
        {{"--format", "json", "--table", "hooks"}, "--table chooses a table of --format csv or md"},
        {{"--format", "text", "--table", "slowest"}, "--table chooses a table of --format csv or md"},
        {{"--format", "xml"}, "unknown --format 'xml': use text, json, csv or md"},
        {{"--format", "csv", "--table", "invocations"}, "unknown --table 'invocations': use hooks, phases, slowest or sql"},
        {{"--json", "--format", "csv"}, "--json is --format json"},
        {{"--sql", "--format", "csv", "--table", "hooks"}, "--sql lists statements: give --table sql or no --table"},
    };
    for (const Case& mistake : cases) {
        CommandResult result = report(mistake.arguments);
        std::string given;
        for (const std::string& argument : mistake.arguments) given += " " + argument;
        EXPECT_EQ(result.exit_code, 2) << given << ": " << result.output;
        EXPECT_EQ(count_lines(result.output), 1u) << given << ": " << result.output;
        EXPECT_NE(result.output.find("validprof report: " + mistake.says), std::string::npos)
            << given << ": " << result.output;
    }
}

}  // namespace
}  // namespace validprof::testing
