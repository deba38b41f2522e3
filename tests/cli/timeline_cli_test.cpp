// End-to-end `validprof timeline` on a session synthesized in a database,
// without privileges: the trace it writes, and each mistake as one line
// with exit 1 (a selection that matches nothing, an unwritable file) or 2
// (a usage error).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "session_fixtures.h"

namespace validprof::testing {
namespace {

std::size_t count_lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class TimelineCli : public ::testing::Test {
protected:
    void SetUp() override {
        auto database = storage::ProfileDatabase::open(db_, storage::OpenMode::ReadWrite);
        ASSERT_TRUE(database.ok());
        store_fixture_session(**database, {{"post-edit", {5 * kFixtureMs, 7 * kFixtureMs}}, {"notify", {3 * kFixtureMs}}});
    }
    CommandResult timeline(std::vector<std::string> arguments) {
        std::vector<std::string> argv = {validprof_binary(), "timeline", "--db", db_};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_command(argv);
    }
    // A one-line message naming `expected`, with that exit code.
    void expect_one_line_error(const CommandResult& result, int exit_code, const std::string& expected) {
        EXPECT_EQ(result.exit_code, exit_code) << result.output;
        EXPECT_EQ(count_lines(result.output), 1u) << result.output;
        EXPECT_EQ(result.output.rfind("validprof timeline: ", 0), 0u) << result.output;
        EXPECT_NE(result.output.find(expected), std::string::npos) << result.output;
    }
    TempDir dir_;
    std::string db_ = dir_.file("profile.db");
};

TEST_F(TimelineCli, WritesEveryInvocationsProcesses) {
    CommandResult result = timeline({"-o", dir_.file("t.json")});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(result.output.empty()) << result.output;
    std::ifstream file(dir_.file("t.json"));
    nlohmann::json trace = nlohmann::json::parse(file, nullptr, false);
    ASSERT_FALSE(trace.is_discarded());
    std::size_t names = 0, processes = 0, invocations = 0;
    for (const nlohmann::json& event : trace["traceEvents"]) {
        names += event["ph"] == "M" && event["name"] == "process_name";
        processes += event["ph"] == "X" && event["cat"] == "process";
        invocations += event["ph"] == "X" && event["cat"] == "invocation";
    }
    EXPECT_EQ(names, 3u);
    EXPECT_EQ(processes, 3u);
    EXPECT_EQ(invocations, 3u);
}

TEST_F(TimelineCli, SelectsOneHook) {
    CommandResult result = timeline({"--hook", "notify", "-o", "-"});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    nlohmann::json trace = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(trace.is_discarded()) << result.output;
    std::size_t processes = 0;
    for (const nlohmann::json& event : trace["traceEvents"])
        processes += event["ph"] == "X" && event["cat"] == "process";
    EXPECT_EQ(processes, 1u);
    EXPECT_EQ(trace["otherData"]["selection"], "hook notify");
}

TEST_F(TimelineCli, UnknownHookListsTheSessionsHooks) {
    expect_one_line_error(timeline({"--hook", "pre-commit", "-o", dir_.file("t.json")}), 1,
                          "no invocations of hook 'pre-commit' in session 1; its hooks: notify, post-edit");
    EXPECT_FALSE(fs::exists(dir_.file("t.json")));
}

TEST_F(TimelineCli, UnknownInvocationOrSessionIsAFailure) {
    expect_one_line_error(timeline({"--invocation", "999", "-o", dir_.file("t.json")}), 1,
                          "no invocation with id 999 in session 1");
    expect_one_line_error(timeline({"--session", "42", "-o", dir_.file("t.json")}), 1, "no session 42");
}

TEST_F(TimelineCli, OtherFormatsAreRejected) {
    expect_one_line_error(timeline({"--format", "perfetto", "-o", dir_.file("t.json")}), 2,
                          "unknown --format 'perfetto': the only format is chrome");
    CommandResult chrome = timeline({"--format", "chrome", "-o", dir_.file("t.json")});
    EXPECT_EQ(chrome.exit_code, 0) << chrome.output;
}

TEST_F(TimelineCli, UsageMistakesExit2) {
    expect_one_line_error(timeline({"--hook", "notify", "--invocation", "1", "-o", "-"}), 2,
                          "give one of them");
    expect_one_line_error(timeline({"--session", "0", "-o", "-"}), 2, "--session must be from 1");
    CommandResult missing_output = timeline({});
    EXPECT_EQ(missing_output.exit_code, 2) << missing_output.output;
    EXPECT_NE(missing_output.output.find("usage: validprof timeline"), std::string::npos) << missing_output.output;
}

TEST_F(TimelineCli, UnwritableOutputNamesThePath) {
    expect_one_line_error(timeline({"-o", "/nonexistent-dir/x/t.json"}), 1, "/nonexistent-dir/x/t.json");
}

TEST_F(TimelineCli, HelpHasAnExample) {
    CommandResult result = run_command({validprof_binary(), "timeline", "--help"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_NE(result.output.find("example:"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("ui.perfetto.dev"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace validprof::testing
