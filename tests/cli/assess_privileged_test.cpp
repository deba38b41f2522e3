// End-to-end `validprof assess --quick` as root: every scenario becomes a
// session whose post-edit count is what the suite asked for (8 edits per
// worker, 3 under consensus stress, two workers at peak), validation runs
// only where the rollout admits it (consensus phases: none at 0%, one per
// post-edit at 100%), and both reports are written, the HTML well-formed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli_test_support.h"

namespace validprof::testing {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

TEST(AssessPrivileged, QuickSuiteRecordsEveryScenarioAndWritesBothReports) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    const std::string out = dir.file("assessment");
    CommandResult result = run_command({validprof_binary(), "assess", "--quick", "--out", out, "--validcore", VALIDCORE_BINARY});
    ASSERT_GE(result.exit_code, 0) << result.output;
    ASSERT_LE(result.exit_code, 2) << result.output;  // a verdict, not an error
    EXPECT_NE(result.output.find("assessment: "), std::string::npos) << result.output;

    auto database = open_database(out + "/assessment.db");
    ASSERT_TRUE(database);
    auto sessions = database->list_sessions();
    ASSERT_TRUE(sessions.ok());
    // baseline, rollout 10/25, four stages, peak, three consensus, memory
    // pressure, two database.
    ASSERT_EQ(sessions->size(), 14u);
    const std::vector<std::pair<std::string, std::size_t>> expected_post_edits = {
        {"baseline", 8},  {"rollout-10", 8}, {"rollout-25", 8}, {"stage-4A", 8},
        {"stage-4B", 8},  {"stage-4C", 8},   {"stage-4D", 8},   {"peak", 16},
        {"consensus", 3}, {"consensus", 3},  {"consensus", 3},  {"memory", 16}, {"database", 8}, {"database", 8}};
    for (std::size_t i = 0; i < sessions->size(); ++i) {
        const auto& session = (*sessions)[i];
        EXPECT_TRUE(session.complete);
        auto invocations = database->load_invocations(session.id, std::string("post-edit"), false);
        ASSERT_TRUE(invocations.ok());
        EXPECT_EQ(invocations->size(), expected_post_edits[i].second)
            << expected_post_edits[i].first << " (session " << session.id << ", lost events "
            << model::total_lost(session.end.lost_events) << ", log " << out << "/logs/)";
        auto phases = database->load_phase_executions(session.id);
        ASSERT_TRUE(phases.ok());
        std::size_t consensus = 0;
        for (const auto& phase : *phases) consensus += phase.phase == "consensus";
        if (expected_post_edits[i].first == "baseline") {
            EXPECT_EQ(consensus, 0u);
        }
        if (expected_post_edits[i].first == "stage-4D") {
            EXPECT_EQ(consensus, 8u);
        }
    }

    const std::string markdown = read_all(out + "/report.md");
    const std::string html = read_all(out + "/report.html");
    // The memory-pressure scenario ran in its cgroup (every machine here
    // has a memory hierarchy; elsewhere the report says why not).
    EXPECT_NE(markdown.find("| memory-pressure | 256 MiB |"), std::string::npos) << markdown;
    for (const char* section : {"Recommendation per rollout stage", "Projected (seed) vs measured", "Reproduce", "Memory"}) {
        EXPECT_NE(markdown.find(section), std::string::npos) << section;
        EXPECT_NE(html.find(section), std::string::npos) << section;
    }
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(run_command({"xmllint", "--noout", out + "/report.html"}).exit_code, 0);
}

}  // namespace
}  // namespace validprof::testing
