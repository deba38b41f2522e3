// Event streams as the kernel side really delivers them: lost events
// (ring buffer full), reordering across CPUs, duplicates, pid reuse.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "event_builders.h"
#include "invocations/invocation_tracker.h"

namespace validprof::invocations {
namespace {

using namespace testing;

std::vector<std::int32_t> pids_of(const model::Invocation& inv) {
    std::vector<std::int32_t> pids;
    for (const auto& p : inv.processes) pids.push_back(p.pid);
    return pids;
}

TEST(Robustness, ExecOfUnknownPidWithTrackedParentJoinsWithoutStartingAnInvocation) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    // Fork 10 -> 11 was lost; 11 even runs something matching a rule.
    tracker.on_event(exec_of(150, 11, 10, "node cli.js hooks post-edit"));
    tracker.on_event(exit_of(200, 11, 10));
    tracker.on_event(exit_of(210, 10, 1));
    EXPECT_EQ(tracker.counters().invocations_started, 1u);
    auto done = tracker.take_finished(210 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(pids_of(done[0]), (std::vector<std::int32_t>{10, 11}));
    EXPECT_EQ(done[0].processes[1].start_ns, 150u) << "first sight stands in for the lost fork";
    EXPECT_TRUE(untracked_tids(tracker).empty());
}

TEST(Robustness, ExitOfUnknownPidWithTrackedParentJoins) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    // Fork and exec of 11 both lost: all we see is its exit.
    tracker.on_event(exit_of(180, 11, 10, 0, on_cpu({{0, 70}})));
    tracker.on_event(exit_of(200, 10, 1, 0, on_cpu({{0, 30}})));
    auto done = tracker.take_finished(200 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(pids_of(done[0]), (std::vector<std::int32_t>{10, 11}));
    EXPECT_TRUE(done[0].processes[1].exited);
    EXPECT_EQ(done[0].times.on_cpu_ns, 100u);
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
}

TEST(Robustness, ChildEventsBeforeTheParentsForkAreAdoptedWhenItArrives) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    // 10 forks 11 (at 110), 11 forks 12 (at 120) and 12 execs; the events of
    // 11's CPU are read late, so 12's arrive first.
    tracker.on_event(fork_of(120, 11, 12));
    tracker.on_event(exec_of(125, 12, 11, "eslint a.ts"));
    tracker.on_event(thread_of(126, 12, 13));
    tracker.on_event(thread_exit_of(129, 12, 13, 11));
    tracker.on_event(exit_of(130, 12, 11, 0, on_cpu({{1, 9}})));
    EXPECT_TRUE(untracked_tids(tracker).empty()) << "nothing untracked while ancestry is unknown";
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(exit_of(140, 11, 10));
    tracker.on_event(exit_of(150, 10, 1));
    auto done = tracker.take_finished(150 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(pids_of(done[0]), (std::vector<std::int32_t>{10, 11, 12}));
    EXPECT_EQ(done[0].processes[2].argv, "eslint a.ts");
    EXPECT_EQ(done[0].processes[2].threads, 2u);
    EXPECT_EQ(done[0].times.on_cpu_ns, 9u);
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
    EXPECT_TRUE(untracked_tids(tracker).empty());
}

TEST(Robustness, LateForkOfAKnownChildFixesItsStartAndParent) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(exec_of(130, 11, 10, "prettier a.ts"));  // joined by ppid
    tracker.on_event(fork_of(120, 10, 11));                   // its fork, late
    tracker.on_event(exit_of(140, 11, 10));
    tracker.on_event(exit_of(150, 10, 1));
    auto done = tracker.take_finished(150 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 2u);
    EXPECT_EQ(done[0].processes[1].start_ns, 120u);
    EXPECT_EQ(done[0].processes[1].argv, "prettier a.ts");
}

TEST(Robustness, DuplicateForkDoesNotAddAProcess) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(thread_of(115, 11, 12));
    tracker.on_event(thread_of(115, 11, 12));
    tracker.on_event(thread_exit_of(139, 11, 12, 10));
    tracker.on_event(exit_of(140, 11, 10));
    tracker.on_event(exit_of(150, 10, 1));
    auto done = tracker.take_finished(150 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 2u);
    EXPECT_EQ(done[0].processes[1].threads, 2u);
    EXPECT_TRUE(done[0].complete);
}

TEST(Robustness, LostExitKeepsTheInvocationOpenUntilFinish) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));
    // 11's exit event was dropped.
    tracker.on_event(exit_of(150, 10, 1, 0));
    EXPECT_TRUE(tracker.take_finished(60'000 * kMs).empty());
    EXPECT_EQ(tracker.open_invocations(), 1u);
    auto out = tracker.finish(60'000 * kMs, {});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].complete);
    EXPECT_EQ(out[0].root_end_ns, 150u);
    EXPECT_EQ(out[0].last_end_ns, 60'000 * kMs);
    EXPECT_FALSE(out[0].processes[1].exited);
}

TEST(Robustness, RootExitLostMeansNoRootEnd) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    auto out = tracker.finish(500, {});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].complete);
    EXPECT_EQ(out[0].root_end_ns, 0u);
    EXPECT_EQ(out[0].last_end_ns, 500u);
}

TEST(Robustness, PidReuseAfterExitIsANewProcess) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(exec_of(115, 11, 10, "cat a"));
    tracker.on_event(exit_of(120, 11, 10, 0, on_cpu({{0, 1}})));
    tracker.on_event(fork_of(130, 10, 11));  // the pid comes back for a new child
    tracker.on_event(exec_of(135, 11, 10, "cat b"));
    tracker.on_event(exit_of(140, 11, 10, 256, on_cpu({{0, 2}})));
    tracker.on_event(exit_of(150, 10, 1));
    auto done = tracker.take_finished(150 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 3u);
    const auto& first = done[0].processes[1];
    const auto& second = done[0].processes[2];
    EXPECT_EQ(first.pid, 11);
    EXPECT_EQ(second.pid, 11);
    EXPECT_EQ(first.argv, "cat a");
    EXPECT_EQ(second.argv, "cat b");
    EXPECT_EQ(first.end_ns, 120u);
    EXPECT_EQ(second.start_ns, 130u);
    EXPECT_EQ(first.times.on_cpu_ns, 1u);
    EXPECT_EQ(second.times.on_cpu_ns, 2u);
    EXPECT_EQ(second.exit_code, 256);
}

TEST(Robustness, PidReuseWithLostForkAndExecIsANewProcess) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(exit_of(120, 11, 10));
    // The reused pid's fork and exec are lost: only its exit, stamped after
    // the first process's exit, is seen.
    tracker.on_event(exit_of(140, 11, 10, 9));
    tracker.on_event(exit_of(150, 10, 1));
    auto done = tracker.take_finished(150 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 3u);
    EXPECT_EQ(done[0].processes[2].exit_code, 9);
}

TEST(Robustness, PidReuseOfARootStartsASecondInvocation) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(exit_of(150, 10, 1));
    tracker.on_event(exec_of(160, 10, 1, kPostEdit));  // before the first one's linger ran out
    tracker.on_event(exit_of(170, 10, 1));
    auto done = tracker.take_finished(170 + kLinger);
    ASSERT_EQ(done.size(), 2u);
    EXPECT_EQ(done[0].start_ns, 100u);
    EXPECT_EQ(done[0].last_end_ns, 150u);
    EXPECT_EQ(done[1].start_ns, 160u);
    EXPECT_EQ(done[1].processes.size(), 1u);
}

TEST(Robustness, LateThreadExitAfterGroupDeadStillCounts) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(thread_of(110, 10, 12));
    tracker.on_event(exit_of(200, 10, 1, 0, on_cpu({{0, 10}})));
    tracker.on_event(thread_exit_of(190, 10, 12, 1, on_cpu({{1, 5}})));  // read after the group's exit
    auto done = tracker.take_finished(200 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 1u);
    EXPECT_EQ(done[0].processes[0].times.on_cpu_ns, 15u);
    EXPECT_EQ(done[0].processes[0].threads, 2u);
}

TEST(Robustness, EventsOfUnknownProcessesAreCountedUnattributed) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exit_of(100, 900, 901));
    tracker.on_event(thread_exit_of(101, 902, 903, 904));
    tracker.on_event(fork_of(102, 905, 906));
    tracker.on_event(exit_of(103, 906, 905));
    EXPECT_EQ(tracker.counters().unattributed_events, 0u) << "they may still be claimed within the linger";
    EXPECT_TRUE(tracker.take_finished(100 + kLinger - 1).empty());
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
    EXPECT_TRUE(tracker.take_finished(103 + kLinger).empty());
    EXPECT_EQ(tracker.counters().unattributed_events, 4u);
    EXPECT_EQ(tracker.counters().events, 4u);
    EXPECT_EQ(tracker.open_invocations(), 0u);
    // The live one (902) is untracked once nothing claimed it.
    auto untracked = untracked_tids(tracker);
    std::sort(untracked.begin(), untracked.end());
    EXPECT_EQ(untracked, (std::vector<std::int32_t>{902, 903}));
}

TEST(Robustness, ForkFromAnUnknownParentIsUntrackedAfterTheLinger) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(fork_of(100, 500, 501));
    EXPECT_TRUE(untracked_tids(tracker).empty());
    EXPECT_TRUE(tracker.take_finished(100 + kLinger).empty());
    EXPECT_EQ(untracked_tids(tracker), std::vector<std::int32_t>{501});
    EXPECT_EQ(tracker.counters().unattributed_events, 1u);
}

TEST(Robustness, PendingProcessWhoseParentTurnsOutIgnoredIsUntrackedAtOnce) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(fork_of(120, 20, 21));  // 20's exec is late
    tracker.on_event(exec_of(100, 20, 1, "make", "/usr/bin/make"));
    EXPECT_EQ(untracked_tids(tracker), (std::vector<std::int32_t>{20, 21}));
    tracker.take_finished(1000 * kMs);
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
}

TEST(Robustness, LateEventWithinLingerJoinsAndDelaysTheEnd) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(exit_of(200, 10, 1));
    EXPECT_TRUE(tracker.take_finished(200 + kLinger / 2).empty());
    // The fork (at 150, before the root's exit) and exit of a child arrive late.
    tracker.on_event(fork_of(150, 10, 11));
    EXPECT_TRUE(tracker.take_finished(200 + kLinger).empty()) << "a live process joined";
    tracker.on_event(exit_of(190, 11, 10));
    auto done = tracker.take_finished(200 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].processes.size(), 2u);
    EXPECT_EQ(done[0].last_end_ns, 200u);
}

TEST(Robustness, EventAfterTheLingerIsNotMergedIntoAFinishedInvocation) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(exit_of(200, 10, 1));
    ASSERT_EQ(tracker.take_finished(200 + kLinger).size(), 1u);
    tracker.on_event(exit_of(180, 11, 10));  // far too late
    EXPECT_TRUE(tracker.take_finished(200 + 3 * kLinger).empty());
    EXPECT_EQ(tracker.counters().unattributed_events, 1u);
}

TEST(Robustness, LingerIsMeasuredFromTheLastExit) {
    TrackerOptions options = attach_options();
    options.linger_ns = 5 * kMs;
    InvocationTracker tracker(test_rules(), options);
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(exit_of(200, 10, 1));
    tracker.on_event(exit_of(300, 11, 10));
    EXPECT_TRUE(tracker.take_finished(200 + 5 * kMs).empty());
    EXPECT_TRUE(tracker.take_finished(300 + 5 * kMs - 1).empty());
    EXPECT_EQ(tracker.take_finished(300 + 5 * kMs).size(), 1u);
}

TEST(Robustness, ZeroLingerFinishesImmediately) {
    TrackerOptions options = attach_options();
    options.linger_ns = 0;
    InvocationTracker tracker(test_rules(), options);
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(exit_of(200, 10, 1));
    EXPECT_EQ(tracker.take_finished(200).size(), 1u);
}

}  // namespace
}  // namespace validprof::invocations

namespace validprof::invocations {
namespace {

using namespace testing;

// A thread whose final switch no program saw is reported when its task is
// freed, an RCU grace period later, stamped with its old exit; by then its
// pid can belong to a new process, here an invocation's root. The stale
// exit must not end that root (before it even began), and the root's own
// exit must still close it.
TEST(Robustness, StaleExitOfAnEarlierProcessWithThePidLeavesTheNewOneAlone) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(500 * kMs, 10, 1, kPostEdit));
    tracker.on_event(fork_of(510 * kMs, 10, 11));
    tracker.on_event(thread_exit_of(100 * kMs, 10, 17, 1));  // freed late, exited at 100 ms
    model::ExitEvent stale = std::get<model::ExitEvent>(exit_of(101 * kMs, 10, 1, 9 << 8));
    stale.tid = 18;
    tracker.on_event(stale);
    EXPECT_TRUE(tracker.take_finished(520 * kMs + kLinger).empty()) << "the root is still running";
    tracker.on_event(exit_of(600 * kMs, 11, 10));
    tracker.on_event(exit_of(700 * kMs, 10, 1, 0));
    auto done = tracker.take_finished(700 * kMs + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_TRUE(done[0].complete);
    EXPECT_EQ(done[0].root_end_ns, 700 * kMs);
    EXPECT_EQ(done[0].exit_code, 0);
    ASSERT_EQ(done[0].processes.size(), 2u);
    EXPECT_EQ(done[0].processes[0].threads, 1u) << "the stale threads are not the root's";
}

}  // namespace
}  // namespace validprof::invocations
