#include "report/json_report.h"

#include <gtest/gtest.h>

#include "report/hook_summary.h"
#include "scenario.h"

namespace validprof::report {
namespace {

using nlohmann::json;
using testing::kMs;
using testing::kSec;

// Every test goes through dump() and parse(), as a script reading the
// output would.
json round_trip(const ReportInput& input) { return json::parse(render_json(input).dump()); }

TEST(JsonReport, SessionAndLostEvents) {
    const json j = round_trip(testing::scenario());
    const json& s = j.at("session");
    EXPECT_EQ(s.at("id"), 7);
    EXPECT_EQ(s.at("command"), "record");
    EXPECT_EQ(s.at("target"), "git commit -m test");
    EXPECT_EQ(s.at("host"), "buildhost");
    EXPECT_EQ(s.at("kernel_release"), "6.8.0-test");
    EXPECT_EQ(s.at("start_unix_ns"), 1'700'000'000LL * 1'000'000'000LL);
    EXPECT_EQ(s.at("duration_ns"), kSec);
    EXPECT_EQ(s.at("duration_is_lower_bound"), false);
    EXPECT_EQ(s.at("complete"), true);
    EXPECT_EQ(s.at("events_received"), 4242);
    EXPECT_EQ(s.at("invocation_count"), 4);

    // Zero counts are kept: "nothing lost" is a statement, not an absence.
    EXPECT_EQ(j.at("lost_events").at("total"), 0);
    EXPECT_EQ(j.at("lost_events").at("by_reason"),
              json({{"ringbuf_full_exec", 0}, {"tracked_map_full", 0}}));
    EXPECT_TRUE(j.at("hook_filter").is_null());
    EXPECT_EQ(j.at("invocations_selected"), 4);
}

TEST(JsonReport, HookNumbersMatchHandComputedValues) {
    const json hooks = round_trip(testing::scenario()).at("hooks");
    ASSERT_EQ(hooks.size(), 2u);

    const json& commit = hooks.at(0);
    EXPECT_EQ(commit.at("hook"), "pre-commit");
    EXPECT_EQ(commit.at("count"), 2);
    EXPECT_EQ(commit.at("complete"), 2);
    EXPECT_EQ(commit.at("incomplete"), 0);
    EXPECT_EQ(commit.at("failed"), 1);
    EXPECT_EQ(commit.at("p50_ns"), 100 * kMs);
    EXPECT_EQ(commit.at("p90_ns"), 300 * kMs);
    EXPECT_EQ(commit.at("p95_ns"), 300 * kMs);
    EXPECT_EQ(commit.at("p99_ns"), 300 * kMs);
    EXPECT_EQ(commit.at("max_ns"), 300 * kMs);
    EXPECT_EQ(commit.at("min_ns"), 100 * kMs);
    EXPECT_EQ(commit.at("mean_ns"), 200 * kMs);
    EXPECT_EQ(commit.at("mean_on_cpu_ns"), 125 * kMs);  // (200 + 50) / 2
    EXPECT_EQ(commit.at("mean_run_queue_wait_ns"), 5 * kMs);
    EXPECT_EQ(commit.at("mean_off_cpu_sleep_ns"), 25 * kMs);
    EXPECT_EQ(commit.at("mean_off_cpu_blocked_ns"), 20 * kMs);
    EXPECT_DOUBLE_EQ(commit.at("mean_voluntary_switches").get<double>(), 5.0);
    EXPECT_DOUBLE_EQ(commit.at("mean_involuntary_switches").get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(commit.at("mean_processes").get<double>(), 1.5);  // 2 and 1
    EXPECT_EQ(commit.at("total_on_cpu_ns"), 250 * kMs);

    const json& cpus = commit.at("cpu_per_core");
    ASSERT_EQ(cpus.size(), 2u);
    EXPECT_EQ(cpus.at(0).at("cpu"), 0);
    EXPECT_EQ(cpus.at(0).at("on_cpu_ns"), 150 * kMs);
    EXPECT_DOUBLE_EQ(cpus.at(0).at("session_share_percent").get<double>(), 15.0);
    EXPECT_EQ(cpus.at(1).at("cpu"), 1);
    EXPECT_EQ(cpus.at(1).at("on_cpu_ns"), 100 * kMs);
    EXPECT_DOUBLE_EQ(cpus.at(1).at("session_share_percent").get<double>(), 10.0);

    const json& push = hooks.at(1);
    EXPECT_EQ(push.at("hook"), "pre-push");
    EXPECT_EQ(push.at("count"), 2);
    EXPECT_EQ(push.at("incomplete"), 1);
    EXPECT_EQ(push.at("p50_ns"), 50 * kMs);
    EXPECT_EQ(push.at("max_ns"), 50 * kMs);
    EXPECT_EQ(push.at("cpu_per_core").at(0).at("on_cpu_ns"), 50 * kMs);
}

TEST(JsonReport, HookNumbersMatchSummarize) {
    const ReportInput input = testing::scenario();
    const json hooks = round_trip(input).at("hooks");
    const auto summaries = summarize(input.invocations);
    ASSERT_EQ(hooks.size(), summaries.size());
    for (std::size_t i = 0; i < summaries.size(); ++i) {
        const auto& s = summaries[i];
        const json& h = hooks.at(i);
        EXPECT_EQ(h.at("hook"), s.hook);
        EXPECT_EQ(h.at("count"), s.count);
        EXPECT_EQ(h.at("failed"), s.failed);
        EXPECT_EQ(h.at("p50_ns"), s.p50_ns);
        EXPECT_EQ(h.at("p90_ns"), s.p90_ns);
        EXPECT_EQ(h.at("p95_ns"), s.p95_ns);
        EXPECT_EQ(h.at("p99_ns"), s.p99_ns);
        EXPECT_EQ(h.at("max_ns"), s.max_ns);
        EXPECT_EQ(h.at("mean_ns"), s.mean_ns);
        EXPECT_EQ(h.at("total_on_cpu_ns"), s.total_on_cpu_ns());
    }
}

TEST(JsonReport, SlowestInvocationsWithProcesses) {
    const json slowest = round_trip(testing::scenario()).at("slowest");
    ASSERT_EQ(slowest.size(), 3u);  // the incomplete pre-push run is not ranked
    EXPECT_EQ(slowest.at(0).at("id"), 1);
    EXPECT_EQ(slowest.at(0).at("rank"), 1);
    EXPECT_EQ(slowest.at(0).at("wall_ns"), 300 * kMs);
    EXPECT_EQ(slowest.at(1).at("id"), 2);
    EXPECT_EQ(slowest.at(1).at("exit_code"), 256);
    EXPECT_EQ(slowest.at(1).at("exit"), "exit 1");
    EXPECT_EQ(slowest.at(2).at("id"), 4);

    const json& a = slowest.at(0);
    EXPECT_EQ(a.at("hook"), "pre-commit");
    EXPECT_EQ(a.at("on_cpu_ns"), 200 * kMs);
    EXPECT_EQ(a.at("off_cpu_blocked_ns"), 40 * kMs);
    // Monotonic +100 ms after the session start maps to Unix start + 100 ms.
    EXPECT_EQ(a.at("start_unix_ns"), 1'700'000'000LL * 1'000'000'000LL + 100'000'000LL);
    EXPECT_EQ(a.at("process_count"), 2);
    const json& root = a.at("processes").at(0);
    EXPECT_EQ(root.at("pid"), 100);
    EXPECT_EQ(root.at("ppid"), 1);
    EXPECT_EQ(root.at("exe"), "/bin/sh");
    EXPECT_EQ(root.at("argv"), "/bin/sh .git/hooks/pre-commit");
    EXPECT_EQ(root.at("start_offset_ns"), -2 * static_cast<std::int64_t>(kMs));
    EXPECT_EQ(root.at("duration_ns"), 302 * kMs);
    EXPECT_EQ(root.at("off_cpu_sleep_ns"), 250 * kMs);
    const json& child = a.at("processes").at(1);
    EXPECT_EQ(child.at("start_offset_ns"), 50 * kMs);
    EXPECT_EQ(child.at("duration_ns"), 100 * kMs);
    EXPECT_EQ(child.at("on_cpu_ns"), 80 * kMs);
    EXPECT_EQ(child.at("exit"), "exit 1");
}

TEST(JsonReport, SlowestCountLimitsTheList) {
    ReportInput input = testing::scenario();
    input.slowest_count = 1;
    const json slowest = round_trip(input).at("slowest");
    ASSERT_EQ(slowest.size(), 1u);
    EXPECT_EQ(slowest.at(0).at("id"), 1);
}

TEST(JsonReport, HookFilterRestrictsHooksAndSlowest) {
    ReportInput input = testing::scenario();
    input.hook_filter = "pre-push";
    const json j = round_trip(input);
    EXPECT_EQ(j.at("hook_filter"), "pre-push");
    EXPECT_EQ(j.at("invocations_selected"), 2);
    ASSERT_EQ(j.at("hooks").size(), 1u);
    EXPECT_EQ(j.at("hooks").at(0).at("hook"), "pre-push");
    ASSERT_EQ(j.at("slowest").size(), 1u);
    EXPECT_EQ(j.at("slowest").at(0).at("id"), 4);
}

TEST(JsonReport, IncompleteSessionHasLowerBoundDurationAndNullEnd) {
    ReportInput input = testing::scenario();
    input.session.complete = false;
    input.session.end = {};
    const json s = round_trip(input).at("session");
    EXPECT_EQ(s.at("complete"), false);
    EXPECT_TRUE(s.at("end_unix_ns").is_null());
    // Latest stored timestamp: the incomplete pre-push run last seen at +800 ms.
    EXPECT_EQ(s.at("duration_ns"), 800 * kMs);
    EXPECT_EQ(s.at("duration_is_lower_bound"), true);
}

TEST(JsonReport, UnknownNumbersAreNullNotZero) {
    ReportInput input;
    input.session = testing::session(false);
    input.invocations = {testing::invocation("h", testing::at(0), 0, false)};
    input.invocations[0].last_end_ns = 0;
    input.invocations[0].processes.clear();
    const json j = round_trip(input);
    const json& h = j.at("hooks").at(0);
    EXPECT_EQ(h.at("count"), 1);
    EXPECT_TRUE(h.at("p50_ns").is_null());
    EXPECT_TRUE(h.at("mean_on_cpu_ns").is_null());
    EXPECT_TRUE(j.at("slowest").empty());
}

TEST(JsonReport, EmptySession) {
    ReportInput input;
    input.session = testing::session();
    const json j = round_trip(input);
    EXPECT_TRUE(j.at("hooks").empty());
    EXPECT_TRUE(j.at("slowest").empty());
    EXPECT_EQ(j.at("invocations_selected"), 0);
}

TEST(JsonReport, IncompleteSessionWithNothingStoredHasUnknownDuration) {
    ReportInput input;
    input.session = testing::session(false);
    const json s = round_trip(input).at("session");
    EXPECT_TRUE(s.at("duration_ns").is_null());
    EXPECT_TRUE(s.at("end_unix_ns").is_null());
}

TEST(JsonReport, InvalidUtf8InArgvStillSerialises) {
    ReportInput input = testing::scenario();
    for (auto& inv : input.invocations) {
        for (auto& p : inv.processes) p.argv = "grep caf\xE9";
    }
    EXPECT_NO_THROW(render_json(input).dump());
}

}  // namespace
}  // namespace validprof::report
