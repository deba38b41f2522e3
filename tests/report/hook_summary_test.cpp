#include "report/hook_summary.h"

#include <gtest/gtest.h>

#include "synthetic.h"

namespace validprof::report {
namespace {

using testing::invocation;
using testing::kMs;
using testing::times;

TEST(Summarize, EmptyInputGivesNoHooks) { EXPECT_TRUE(summarize({}).empty()); }

TEST(Summarize, OneSummaryPerHookSortedByName) {
    const auto s = summarize({invocation("pre-push", 0, kMs), invocation("commit-msg", 0, kMs),
                              invocation("pre-commit", 0, kMs), invocation("pre-push", 5, kMs)});
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].hook, "commit-msg");
    EXPECT_EQ(s[1].hook, "pre-commit");
    EXPECT_EQ(s[2].hook, "pre-push");
    EXPECT_EQ(s[2].count, 2u);
}

TEST(Summarize, CountsFailuresAndIncompleteInvocations) {
    const auto s = summarize({
        invocation("h", 0, 10 * kMs, true, 0),
        invocation("h", 0, 20 * kMs, true, 1 << 8),  // exit 1
        invocation("h", 0, 30 * kMs, true, 9),       // SIGKILL
        invocation("h", 0, 40 * kMs, false, 0),      // still running at the end
    });
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].count, 4u);
    EXPECT_EQ(s[0].complete, 3u);
    EXPECT_EQ(s[0].incomplete(), 1u);
    EXPECT_EQ(s[0].failed, 2u);
}

TEST(Summarize, WallStatisticsCoverCompleteInvocationsOnly) {
    std::vector<model::Invocation> invs;
    // Complete walls 1..10 ms, given out of order.
    for (std::uint64_t ms : {7, 3, 10, 1, 5, 9, 2, 8, 4, 6}) {
        invs.push_back(invocation("h", ms * 1000 * kMs, ms * kMs));
    }
    // An incomplete one with a truncated but larger wall must not be the max.
    invs.push_back(invocation("h", 0, 500 * kMs, false));
    const auto s = summarize(invs);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].p50_ns, 5 * kMs);
    EXPECT_EQ(s[0].p90_ns, 9 * kMs);
    EXPECT_EQ(s[0].p95_ns, 10 * kMs);
    EXPECT_EQ(s[0].p99_ns, 10 * kMs);
    EXPECT_EQ(s[0].max_ns, 10 * kMs);
    EXPECT_EQ(s[0].min_ns, 1 * kMs);
    EXPECT_EQ(s[0].mean_ns, 5'500'000u);  // (1 + ... + 10) / 10 ms
}

TEST(Summarize, MeanWallRoundsToNearestNanosecond) {
    const auto s = summarize({invocation("h", 0, 1), invocation("h", 0, 2)});
    EXPECT_EQ(s[0].mean_ns, 2u);  // 1.5 rounds up
    const auto t = summarize({invocation("h", 0, 1), invocation("h", 0, 1), invocation("h", 0, 2)});
    EXPECT_EQ(t[0].mean_ns, 1u);  // 1.33 rounds down
}

TEST(Summarize, MeanBreakdownOverCompleteInvocations) {
    const auto s = summarize({
        invocation("h", 0, 100, true, 0, times(10, 1, 100, 1000, 2, 1), 1),
        invocation("h", 0, 100, true, 0, times(20, 2, 200, 2000, 4, 0), 2),
        invocation("h", 0, 100, true, 0, times(30, 3, 300, 3000, 6, 0), 4),
        // Incomplete: excluded from the means.
        invocation("h", 0, 100, false, 0, times(9000, 9000, 9000, 9000, 900, 900), 50),
    });
    ASSERT_EQ(s.size(), 1u);
    EXPECT_DOUBLE_EQ(s[0].mean_on_cpu_ns, 20.0);
    EXPECT_DOUBLE_EQ(s[0].mean_run_queue_wait_ns, 2.0);
    EXPECT_DOUBLE_EQ(s[0].mean_off_cpu_sleep_ns, 200.0);
    EXPECT_DOUBLE_EQ(s[0].mean_off_cpu_blocked_ns, 2000.0);
    EXPECT_DOUBLE_EQ(s[0].mean_voluntary_switches, 4.0);
    EXPECT_DOUBLE_EQ(s[0].mean_involuntary_switches, 1.0 / 3.0);
    EXPECT_DOUBLE_EQ(s[0].mean_processes, 7.0 / 3.0);
}

TEST(Summarize, PerCpuTimeSumsEveryInvocation) {
    const auto s = summarize({
        invocation("h", 0, 100, true, 0, times(12, 0, 0, 0, 0, 0, {{0, 5}, {1, 7}})),
        invocation("h", 0, 100, true, 0, times(7, 0, 0, 0, 0, 0, {{1, 3}, {2, 4}})),
        // CPU time an unfinished invocation used is still CPU time used.
        invocation("h", 0, 100, false, 0, times(1, 0, 0, 0, 0, 0, {{0, 1}})),
        invocation("other", 0, 100, true, 0, times(100, 0, 0, 0, 0, 0, {{0, 100}})),
    });
    ASSERT_EQ(s.size(), 2u);
    const std::map<std::uint32_t, std::uint64_t> expected{{0, 6}, {1, 10}, {2, 4}};
    EXPECT_EQ(s[0].on_cpu_ns_per_cpu, expected);
    EXPECT_EQ(s[0].total_on_cpu_ns(), 20u);
    EXPECT_EQ(s[1].total_on_cpu_ns(), 100u);
}

TEST(Summarize, HookWithoutCompleteInvocationsHasZeroTimings) {
    const auto s = summarize({invocation("h", 0, 100, false, 0, times(5, 0, 0, 0, 0, 0, {{3, 5}})),
                              invocation("h", 0, 200, false)});
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].count, 2u);
    EXPECT_EQ(s[0].complete, 0u);
    EXPECT_EQ(s[0].p50_ns, 0u);
    EXPECT_EQ(s[0].max_ns, 0u);
    EXPECT_EQ(s[0].mean_ns, 0u);
    EXPECT_DOUBLE_EQ(s[0].mean_on_cpu_ns, 0.0);
    EXPECT_EQ(s[0].on_cpu_ns_per_cpu.at(3), 5u);
}

TEST(FilterByHook, KeepsOnlyThatHookInOrder) {
    const std::vector<model::Invocation> invs{invocation("a", 1, 1), invocation("b", 2, 1),
                                              invocation("a", 3, 1)};
    const auto a = filter_by_hook(invs, "a");
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].start_ns, 1u);
    EXPECT_EQ(a[1].start_ns, 3u);
    EXPECT_TRUE(filter_by_hook(invs, "c").empty());
}

}  // namespace
}  // namespace validprof::report
