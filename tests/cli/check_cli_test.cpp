// End-to-end `validprof check` with the shipped seed thresholds on sessions
// synthesized in a database: verdicts decide the exit status (0/1/2) and
// mistakes exit 3 (usage, threshold file) or 4 (data), one line each.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "session_fixtures.h"

namespace validprof::testing {
namespace {

const std::string kSeedThresholds = VALIDPROF_SOURCE_DIR "/probes/phase4-thresholds.yaml";

std::size_t line_count(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

class CheckCli : public ::testing::Test {
protected:
    void SetUp() override {
        auto database = storage::ProfileDatabase::open(db_, storage::OpenMode::ReadWrite);
        ASSERT_TRUE(database.ok());
        std::vector<std::uint64_t> fast(50, 50 * kFixtureMs);
        std::vector<std::uint64_t> slower(50, 60 * kFixtureMs);  // +20%
        std::vector<std::uint64_t> slow(50, 150 * kFixtureMs);
        fast_ = store_fixture_session(**database, {{"post-edit", fast, kFixtureMs}});
        slower_ = store_fixture_session(**database, {{"post-edit", slower, kFixtureMs}});
        slow_ = store_fixture_session(**database, {{"post-edit", slow, kFixtureMs}});
    }
    CommandResult check(std::vector<std::string> arguments) {
        std::vector<std::string> argv = {validprof_binary(), "check", "--db", db_};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_command(argv);
    }
    TempDir dir_;
    std::string db_ = dir_.file("profile.db");
    std::int64_t fast_ = 0, slower_ = 0, slow_ = 0;
};

TEST_F(CheckCli, FastSessionIsOkAndUnmeasurableThresholdsSaySkip) {
    CommandResult result = check({"--thresholds", kSeedThresholds, "--session", std::to_string(fast_)});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("OK       hook_execution    post-edit p99 = 50.0 ms"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("SKIP     memory_usage"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("SKIP     response_time"), std::string::npos) << result.output;
}

TEST_F(CheckCli, SlowHookIsAWarningExit1) {
    CommandResult result = check({"--thresholds", kSeedThresholds, "--session", std::to_string(slow_)});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("WARNING  hook_execution    post-edit p99 = 150 ms"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("warning 100ms, critical 500ms"), std::string::npos) << result.output;
}

TEST_F(CheckCli, TwentyPercentSlowerRollsStage4ABack) {
    CommandResult result = check({"--thresholds", kSeedThresholds, "--diff", std::to_string(fast_),
                                  std::to_string(slower_), "--stage", "4A", "--json"});
    EXPECT_EQ(result.exit_code, 2) << result.output;
    auto json = nlohmann::json::parse(result.output);
    EXPECT_EQ(json["result"], "CRITICAL");
    bool response_time = false, stage = false;
    for (const auto& line : json["lines"]) {
        if (line["threshold"] == "response_time") {
            response_time = true;
            EXPECT_EQ(line["verdict"], "CRITICAL");
            EXPECT_NEAR(line["value"].get<double>(), 0.20, 1e-9);
        }
        if (line["threshold"] == "stage 4A") {
            stage = true;
            EXPECT_NE(line["note"].get<std::string>().find("ROLL BACK"), std::string::npos);
        }
    }
    EXPECT_TRUE(response_time && stage) << result.output;
}

TEST_F(CheckCli, ErrorsExit3Or4WithOneLine) {
    const std::string bad = dir_.file("bad.yaml");
    std::ofstream(bad) << "performance_alerts:\n  hook_execution:\n    warning: fast\n";
    CommandResult invalid = check({"--thresholds", bad, "--session", std::to_string(fast_)});
    EXPECT_EQ(invalid.exit_code, 3);
    EXPECT_NE(invalid.output.find(bad + ":3: "), std::string::npos) << invalid.output;
    EXPECT_EQ(line_count(invalid.output), 1u) << invalid.output;

    CommandResult neither = check({"--thresholds", kSeedThresholds});
    EXPECT_EQ(neither.exit_code, 3);
    EXPECT_EQ(line_count(neither.output), 1u) << neither.output;

    CommandResult stage = check({"--thresholds", kSeedThresholds, "--diff", "1", "2", "--stage", "9Z"});
    EXPECT_EQ(stage.exit_code, 3);
    EXPECT_NE(stage.output.find("stages: 4A, 4B, 4C, 4D"), std::string::npos) << stage.output;

    CommandResult unknown = check({"--thresholds", kSeedThresholds, "--no-such"});
    EXPECT_EQ(unknown.exit_code, 3);

    CommandResult missing = check({"--thresholds", kSeedThresholds, "--session", "77"});
    EXPECT_EQ(missing.exit_code, 4);
    EXPECT_NE(missing.output.find("no session 77"), std::string::npos) << missing.output;
    EXPECT_EQ(line_count(missing.output), 1u) << missing.output;
}

}  // namespace
}  // namespace validprof::testing
