// End-to-end `validprof diff` on sessions synthesized in a database: the
// planted change is found, its interval holds it, identical sessions show
// no detectable change, and mistakes are one-line errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "session_fixtures.h"

namespace validprof::testing {
namespace {

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

class DiffCli : public ::testing::Test {
protected:
    void SetUp() override {
        auto database = storage::ProfileDatabase::open(db_, storage::OpenMode::ReadWrite);
        ASSERT_TRUE(database.ok());
        // 1: post-edit 40..60 ms; 2: the same; 3: the same plus 10 ms each.
        const auto walls = spread_walls(200, 40 * kFixtureMs, 20 * kFixtureMs);
        std::vector<std::uint64_t> slower = walls;
        for (auto& wall : slower) wall += 10 * kFixtureMs;
        base_ = store_fixture_session(**database, {{"post-edit", walls, 2 * kFixtureMs}, {"notify", {kFixtureMs, kFixtureMs}}});
        same_ = store_fixture_session(**database, {{"post-edit", walls, 2 * kFixtureMs}, {"notify", {kFixtureMs, kFixtureMs}}});
        slower_ = store_fixture_session(**database, {{"post-edit", slower, 2 * kFixtureMs}});
    }
    CommandResult diff(std::vector<std::string> arguments) {
        std::vector<std::string> argv = {validprof_binary(), "diff", "--db", db_};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_command(argv);
    }
    TempDir dir_;
    std::string db_ = dir_.file("profile.db");
    std::int64_t base_ = 0, same_ = 0, slower_ = 0;
};

TEST_F(DiffCli, PlantedShiftIsDetectedWithItsIntervalInJson) {
    CommandResult result = diff({std::to_string(base_), std::to_string(slower_), "--hook", "post-edit", "--json"});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    auto json = nlohmann::json::parse(result.output);
    ASSERT_EQ(json["hooks"].size(), 1u);
    for (const char* statistic : {"p50", "p95"}) {
        const auto& change = json["hooks"][0]["wall"][statistic];
        EXPECT_DOUBLE_EQ(change["difference"].get<double>(), 10.0 * kFixtureMs) << statistic;
        EXPECT_TRUE(change["detected"].get<bool>()) << statistic;
        EXPECT_LE(change["interval"][0].get<double>(), 10.0 * kFixtureMs);
        EXPECT_GE(change["interval"][1].get<double>(), 10.0 * kFixtureMs);
    }
    // On-CPU did not change: 2 ms per invocation in both.
    EXPECT_FALSE(json["hooks"][0]["on_cpu"]["detected"].get<bool>());
}

TEST_F(DiffCli, IdenticalSessionsReadNoDetectableChange) {
    CommandResult result = diff({std::to_string(base_), std::to_string(same_)});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output.find("INCREASED"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("DECREASED"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("no detectable change (would detect"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("notify: 2 -> 2 complete invocations"), std::string::npos) << result.output;
}

TEST_F(DiffCli, TextNamesTheIncrease) {
    CommandResult result = diff({std::to_string(base_), std::to_string(slower_)});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("INCREASED"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("only in the base session"), std::string::npos) << result.output;  // notify
}

TEST_F(DiffCli, TheSameSessionsPrintTheSameFigures) {
    auto first = diff({std::to_string(base_), std::to_string(slower_), "--json"});
    auto second = diff({std::to_string(base_), std::to_string(slower_), "--json"});
    EXPECT_EQ(first.output, second.output);
}

TEST_F(DiffCli, MistakesAreOneLineErrors) {
    CommandResult missing = diff({std::to_string(base_), "99"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("no session 99"), std::string::npos) << missing.output;
    EXPECT_EQ(count_lines(missing.output), 1u) << missing.output;

    CommandResult hook = diff({std::to_string(base_), std::to_string(same_), "--hook", "nope"});
    EXPECT_EQ(hook.exit_code, 1);
    EXPECT_NE(hook.output.find("no hook 'nope'"), std::string::npos) << hook.output;
    EXPECT_EQ(count_lines(hook.output), 1u) << hook.output;

    CommandResult one = diff({std::to_string(base_)});
    EXPECT_EQ(one.exit_code, 2);
    EXPECT_NE(one.output.find("usage: validprof diff"), std::string::npos) << one.output;

    CommandResult help = run_command({validprof_binary(), "diff", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.output.find("example:"), std::string::npos);
}

}  // namespace
}  // namespace validprof::testing
