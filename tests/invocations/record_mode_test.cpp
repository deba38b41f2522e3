// Record mode: one command's tree, from before its exec. Rule matches inside
// it are invocations; without any, the command itself is the invocation.
#include <gtest/gtest.h>

#include <vector>

#include "event_builders.h"
#include "invocations/invocation_tracker.h"

namespace validprof::invocations {
namespace {

using namespace testing;

TEST(RecordMode, CommandWithoutRuleMatchIsOneInvocationNamedAfterIt) {
    InvocationTracker tracker(test_rules(), record_options("make"));
    tracker.set_record_root(100, 1'000);
    tracker.on_event(exec_of(1'010, 100, 99, "make -j2", "/usr/bin/make"));
    tracker.on_event(fork_of(1'020, 100, 101));
    tracker.on_event(exec_of(1'030, 101, 100, "cc -c a.c", "/usr/bin/cc"));
    tracker.on_event(fork_of(1'040, 101, 102));
    tracker.on_event(exit_of(1'050, 102, 101, 0, on_cpu({{0, 3}})));
    tracker.on_event(exit_of(1'060, 101, 100, 0, on_cpu({{1, 4}})));
    tracker.on_event(exit_of(1'070, 100, 99, 512, on_cpu({{0, 5}})));
    EXPECT_TRUE(tracker.take_finished(1'070 + 100 * kLinger).empty())
        << "the command tree is reported by finish(), not as a hook invocation";
    EXPECT_EQ(tracker.open_invocations(), 0u);

    auto out = tracker.finish(5'000, {});
    ASSERT_EQ(out.size(), 1u);
    const model::Invocation& inv = out[0];
    EXPECT_EQ(inv.hook, "make");
    EXPECT_EQ(inv.root_pid, 100);
    EXPECT_EQ(inv.start_ns, 1'000u);
    EXPECT_EQ(inv.root_end_ns, 1'070u);
    EXPECT_EQ(inv.last_end_ns, 1'070u);
    EXPECT_TRUE(inv.complete);
    EXPECT_EQ(inv.exit_code, 512);
    ASSERT_EQ(inv.processes.size(), 3u);
    EXPECT_EQ(inv.processes[0].pid, 100);
    EXPECT_EQ(inv.processes[0].ppid, 99);
    EXPECT_EQ(inv.processes[0].exe, "/usr/bin/make");
    EXPECT_EQ(inv.times.on_cpu_ns, 12u);
    EXPECT_EQ(tracker.counters().invocations_finished, 1u);
    EXPECT_TRUE(untracked_tids(tracker).empty());
}

TEST(RecordMode, FallbackStillRunningIsIncomplete) {
    InvocationTracker tracker(test_rules(), record_options("sleep"));
    tracker.set_record_root(100, 1'000);
    tracker.on_event(exec_of(1'010, 100, 99, "sleep 60", "/usr/bin/sleep"));
    auto out = tracker.finish(2'000, {{100, 100, on_cpu({{0, 7}})}});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].hook, "sleep");
    EXPECT_FALSE(out[0].complete);
    EXPECT_EQ(out[0].root_end_ns, 0u);
    EXPECT_EQ(out[0].last_end_ns, 2'000u);
    EXPECT_EQ(out[0].times.on_cpu_ns, 7u);
}

TEST(RecordMode, FallbackNameDefaultsToTheExecutableBasename) {
    InvocationTracker tracker(test_rules(), record_options(""));
    tracker.set_record_root(100, 1'000);
    tracker.on_event(exec_of(1'010, 100, 99, "true", "/usr/bin/true"));
    tracker.on_event(exit_of(1'020, 100, 99));
    auto out = tracker.finish(2'000, {});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].hook, "true");
}

TEST(RecordMode, RuleMatchInsideTheCommandIsAnInvocationOfItsSubtree) {
    InvocationTracker tracker(test_rules(), record_options("git"));
    tracker.set_record_root(100, 1'000);
    tracker.on_event(exec_of(1'010, 100, 99, "git commit -m x", "/usr/bin/git"));
    tracker.on_event(fork_of(1'020, 100, 101));
    tracker.on_event(exec_of(1'030, 101, 100, "/bin/sh .git/hooks/pre-commit", ".git/hooks/pre-commit"));
    EXPECT_EQ(tracker.open_invocations(), 1u);
    tracker.on_event(fork_of(1'040, 101, 102));
    tracker.on_event(exec_of(1'045, 102, 101, "eslint .", "/usr/bin/node"));
    tracker.on_event(exit_of(1'050, 102, 101, 0, on_cpu({{0, 30}})));
    tracker.on_event(exit_of(1'060, 101, 100, 0, on_cpu({{0, 20}})));
    // git goes on after its hook: an editor, the commit itself.
    tracker.on_event(fork_of(1'070, 100, 103));
    tracker.on_event(exit_of(1'080, 103, 100));

    auto done = tracker.take_finished(1'060 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].hook, "git-pre-commit");
    EXPECT_EQ(done[0].root_pid, 101);
    EXPECT_EQ(done[0].start_ns, 1'030u) << "the matching exec starts the invocation";
    ASSERT_EQ(done[0].processes.size(), 2u);
    EXPECT_EQ(done[0].processes[0].start_ns, 1'020u) << "the root process was forked before";
    EXPECT_EQ(done[0].processes[1].pid, 102);
    EXPECT_EQ(done[0].times.on_cpu_ns, 50u);

    tracker.on_event(exit_of(1'100, 100, 99));
    EXPECT_TRUE(tracker.finish(2'000, {}).empty()) << "git itself is not a hook invocation once one matched";
    EXPECT_EQ(tracker.counters().invocations_started, 1u);
    EXPECT_EQ(tracker.counters().invocations_finished, 1u);
    EXPECT_TRUE(untracked_tids(tracker).empty());
}

TEST(RecordMode, RootMatchingARuleTakesTheWholeTree) {
    InvocationTracker tracker(test_rules(), record_options("npx"));
    tracker.set_record_root(100, 1'000);
    tracker.on_event(fork_of(1'005, 100, 101));  // forked before the root's exec
    tracker.on_event(exec_of(1'010, 100, 99, kPostEdit));
    tracker.on_event(fork_of(1'020, 100, 102));
    tracker.on_event(exit_of(1'030, 101, 100));
    tracker.on_event(exit_of(1'040, 102, 100));
    tracker.on_event(exit_of(1'050, 100, 99));
    auto done = tracker.take_finished(1'050 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].hook, "post-edit");
    EXPECT_EQ(done[0].processes.size(), 3u);
    EXPECT_TRUE(tracker.finish(2'000, {}).empty());
}

TEST(RecordMode, EventsBeforeSetRecordRootAreKept) {
    InvocationTracker tracker(test_rules(), record_options("ls"));
    tracker.on_event(exec_of(1'010, 100, 99, "ls", "/usr/bin/ls"));
    tracker.set_record_root(100, 1'000);
    tracker.on_event(exit_of(1'020, 100, 99));
    auto out = tracker.finish(2'000, {});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].processes.size(), 1u);
    EXPECT_EQ(out[0].processes[0].argv, "ls");
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
}

TEST(RecordMode, NeverRequestsUntracks) {
    InvocationTracker tracker(test_rules(), record_options("x"));
    tracker.set_record_root(100, 1'000);
    tracker.on_event(exec_of(1'010, 100, 99, "x", "/usr/bin/x"));
    tracker.on_event(fork_of(1'020, 555, 556));  // unknown parent
    tracker.on_event(exec_of(1'030, 557, 1, "unrelated", "/usr/bin/unrelated"));
    tracker.take_finished(1'030 + 2 * kLinger);
    EXPECT_TRUE(untracked_tids(tracker).empty());
    EXPECT_EQ(tracker.counters().unattributed_events, 2u);
}

}  // namespace
}  // namespace validprof::invocations

namespace validprof::invocations {
namespace {

using namespace testing;

// `record -- sh -c 'sleep 2 & exit 3'`: the command exits first; record
// must keep waiting for the background child, which is part of the tree.
TEST(RecordMode, LiveRecordProcessesCountsTheTreeUntilItsLastExit) {
    InvocationTracker tracker(test_rules(), record_options("sh"));
    tracker.set_record_root(100, 1'000);
    EXPECT_EQ(tracker.live_record_processes(), 1u);
    tracker.on_event(exec_of(1'010, 100, 99, "sh -c sleep 2 & exit 3", "/bin/sh"));
    tracker.on_event(fork_of(1'020, 100, 101));
    tracker.on_event(exec_of(1'030, 101, 100, "sleep 2", "/usr/bin/sleep"));
    tracker.on_event(exit_of(1'040, 100, 99, 3 << 8));
    EXPECT_EQ(tracker.open_invocations(), 0u);
    EXPECT_EQ(tracker.live_record_processes(), 1u) << "the background sleep is still running";
    tracker.on_event(exit_of(3'040, 101, 1));
    EXPECT_EQ(tracker.live_record_processes(), 0u);
    auto out = tracker.finish(3'100, {});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].complete);
    EXPECT_EQ(out[0].processes.size(), 2u);
    EXPECT_EQ(out[0].last_end_ns, 3'040u);
}

}  // namespace
}  // namespace validprof::invocations
