// collect_stacks: which samples a selection keeps and how they are scaled
// and labelled, checked against sums over the sample list.
#include "flamegraph/stack_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "flamegraph/frame_label.h"
#include "test_profiles.h"

namespace validprof::flamegraph {
namespace {

using testing::expected_total;
using testing::small_profile;

std::string joined(const StackSet& set, const WeightedStack& stack) {
    std::string out;
    for (LabelId id : stack.labels) out += (out.empty() ? "" : ";") + set.labels[id].text;
    return out;
}

std::map<std::string, std::uint64_t> by_stack(const StackSet& set) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& stack : set.stacks) out[joined(set, stack)] += stack.value;
    return out;
}

TEST(StackSet, CpuViewCountsSamplesPerStack) {
    const Profile profile = small_profile();
    auto set = collect_stacks(profile, testing::frames_only());
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set->unit, ValueUnit::kSamples);
    EXPECT_EQ(set->total, expected_total(profile, View::kCpu));
    const auto stacks = by_stack(*set);
    // Two samples of one stack in two invocations merge.
    EXPECT_EQ(stacks.at("_start;main;cmd_commit;run_hook;compress"), 36u);
    EXPECT_EQ(stacks.at("[missing stack]"), 1u);
    for (const auto& stack : set->stacks) EXPECT_GT(stack.value, 0u);
}

TEST(StackSet, OffCpuViewIsNanosecondsOfOffCpuSamplesOnly) {
    const Profile profile = small_profile();
    auto set = collect_stacks(profile, testing::frames_only(View::kOffCpu));
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(set->unit, ValueUnit::kNanoseconds);
    EXPECT_EQ(set->total, 70'007'500u);
    EXPECT_EQ(by_stack(*set).at("_start;main;cmd_commit;run_hook;read;ksys_read;schedule"), 50'000'000u);
}

TEST(StackSet, WallViewMarksLeavesAndScalesCpuByThePeriod) {
    const Profile profile = small_profile();
    auto set = collect_stacks(profile, testing::frames_only(View::kWall));
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(set->total, expected_total(profile, View::kWall));
    const auto stacks = by_stack(*set);
    EXPECT_EQ(stacks.at("_start;main;cmd_commit;run_hook;compress_[c]"), 36 * testing::kPeriodNs);
    EXPECT_EQ(stacks.at("_start;main;cmd_commit;run_hook;read;ksys_read;schedule_[o]"), 50'000'000u);
    // Only leaves are marked.
    for (const auto& stack : set->stacks) {
        for (std::size_t i = 0; i + 1 < stack.labels.size(); ++i) {
            EXPECT_EQ(set->labels[stack.labels[i]].mark, LeafMark::kNone);
        }
        EXPECT_NE(set->labels[stack.labels.back()].mark, LeafMark::kNone);
    }
}

TEST(StackSet, HookAndInvocationFiltersKeepOnlyTheirSamples) {
    const Profile profile = small_profile();
    Selection selection;
    selection.hook = "post-checkout";
    auto hook = collect_stacks(profile, selection);
    ASSERT_TRUE(hook.ok());
    EXPECT_EQ(hook->total, 5u);

    selection.hook.reset();
    selection.invocation = 2;
    auto invocation = collect_stacks(profile, selection);
    ASSERT_TRUE(invocation.ok());
    EXPECT_EQ(invocation->total, 26u);  // 6 git + 20 node

    selection.invocation = 99;
    auto none = collect_stacks(profile, selection);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->stacks.empty());
    EXPECT_EQ(none->total, 0u);
}

TEST(StackSet, HookAndProcessFramesBecomeRoots) {
    const Profile profile = small_profile();
    Selection selection;
    selection.hook_frames = true;
    selection.process_frames = true;
    auto set = collect_stacks(profile, selection);
    ASSERT_TRUE(set.ok());
    const auto stacks = by_stack(*set);
    EXPECT_EQ(stacks.at("[hook] pre-commit;[process] node;_start;main;lint"), 20u);
    EXPECT_EQ(stacks.at("[hook] pre-commit;[process] git;_start;main;cmd_commit;run_hook;compress"), 36u);
    EXPECT_EQ(set->total, expected_total(profile, View::kCpu));
}

TEST(StackSet, PerInvocationDividesByTheHooksInvocationCount) {
    const Profile profile = small_profile();
    auto set = collect_stacks(profile, testing::frames_only(), Scale::kTimePerInvocation);
    ASSERT_TRUE(set.ok());
    const auto stacks = by_stack(*set);
    // pre-commit ran twice: 36 samples × 10 ms / 2.
    EXPECT_EQ(stacks.at("_start;main;cmd_commit;run_hook;compress"), 180'000'000u);
    // post-checkout ran once.
    EXPECT_EQ(stacks.at("_start;checkout"), 40'000'000u);
}

TEST(StackSet, PerInvocationWithoutACountIsAnError) {
    Profile profile = small_profile();
    profile.invocations_per_hook.erase("post-checkout");
    auto set = collect_stacks(profile, Selection{}, Scale::kTimePerInvocation);
    ASSERT_FALSE(set.ok());
    EXPECT_NE(set.error().message.find("post-checkout"), std::string::npos);
}

TEST(StackSet, TimeWithoutASamplePeriodIsAnError) {
    Profile profile = small_profile();
    profile.sample_period_ns = 0;
    Selection selection;
    selection.view = View::kWall;
    EXPECT_FALSE(collect_stacks(profile, selection).ok());
    // Counting samples needs no period; nor does the off-CPU view.
    EXPECT_TRUE(collect_stacks(profile, Selection{}).ok());
    selection.view = View::kOffCpu;
    EXPECT_TRUE(collect_stacks(profile, selection).ok());
}

TEST(StackSet, InvalidIdsAreReportedNotRead) {
    Profile profile = small_profile();
    profile.samples[0].stack = 1000;
    EXPECT_FALSE(collect_stacks(profile, Selection{}).ok());
    profile = small_profile();
    profile.stacks[0].push_back(5000);
    EXPECT_FALSE(validate(profile).ok());
}

TEST(StackSet, ProcessFramesLeadByDefault) {
    // git's and node's "_start;main" stay apart under their process frames.
    const Profile profile = small_profile();
    auto set = collect_stacks(profile, Selection{});
    ASSERT_TRUE(set.ok());
    const auto stacks = by_stack(*set);
    EXPECT_EQ(stacks.at("[process] node;_start;main;lint"), 20u);
    EXPECT_EQ(stacks.at("[process] git;_start;main;cmd_commit;run_hook;compress"), 36u);
    EXPECT_EQ(stacks.at("[process] git;[missing stack]"), 1u);
    for (const auto& stack : set->stacks) EXPECT_EQ(set->labels[stack.labels[0]].kind, LabelKind::kProcess);
}

TEST(StackSet, SameNameInTwoModulesIsOneLabel) {
    // "_start" and "main" of git and node: one label each, so a JIT map
    // named after its pid cannot split a function in two.
    const Profile profile = small_profile();
    auto set = collect_stacks(profile, testing::frames_only());
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(std::count_if(set->labels.begin(), set->labels.end(), [](const Label& l) { return l.text == "main"; }), 1);
}

TEST(FrameLabel, CleansWhatWouldBreakAFormat) {
    for (const auto& [raw, expected] : testing::hostile_names()) EXPECT_EQ(frame_label(raw), expected);
    EXPECT_EQ(frame_label(""), "[unknown]");
    EXPECT_EQ(frame_label("git+0x1f2e"), "git+0x1f2e");
}

TEST(Selection, ParsesKinds) {
    EXPECT_EQ(*parse_view("cpu"), View::kCpu);
    EXPECT_EQ(*parse_view("offcpu"), View::kOffCpu);
    EXPECT_EQ(*parse_view("off-cpu"), View::kOffCpu);
    EXPECT_EQ(*parse_view("wall"), View::kWall);
    auto bad = parse_view("gpu");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("cpu, offcpu or wall"), std::string::npos);
}

}  // namespace
}  // namespace validprof::flamegraph
