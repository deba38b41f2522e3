// The invocation model on well-ordered event streams: what belongs to an
// invocation, when it ends, how times add up, what is untracked.
#include "invocations/invocation_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "event_builders.h"

namespace validprof::invocations {
namespace {

using namespace testing;

TEST(Tracker, MatchingExecStartsAnInvocationThatEndsAfterLinger) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    EXPECT_EQ(tracker.open_invocations(), 1u);
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(exec_of(120, 11, 10, "prettier --write a.ts"));
    tracker.on_event(exit_of(300, 11, 10, 0));
    tracker.on_event(exit_of(400, 10, 1, 256));

    EXPECT_TRUE(tracker.take_finished(400 + kLinger - 1).empty());
    auto done = tracker.take_finished(400 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    const model::Invocation& inv = done[0];
    EXPECT_EQ(inv.hook, "post-edit");
    EXPECT_EQ(inv.root_pid, 10);
    EXPECT_EQ(inv.start_ns, 100u);
    EXPECT_EQ(inv.root_end_ns, 400u);
    EXPECT_EQ(inv.last_end_ns, 400u);
    EXPECT_EQ(inv.wall_ns(), 300u);
    EXPECT_TRUE(inv.complete);
    EXPECT_EQ(inv.exit_code, 256);
    EXPECT_EQ(inv.id, 0);
    ASSERT_EQ(inv.processes.size(), 2u);
    EXPECT_EQ(inv.processes[0].pid, 10);
    EXPECT_EQ(inv.processes[0].argv, kPostEdit);
    EXPECT_EQ(inv.processes[1].pid, 11);
    EXPECT_EQ(inv.processes[1].ppid, 10);
    EXPECT_EQ(inv.processes[1].start_ns, 110u);
    EXPECT_EQ(inv.processes[1].end_ns, 300u);
    EXPECT_EQ(inv.processes[1].argv, "prettier --write a.ts");
    EXPECT_EQ(inv.processes[1].comm, "node");
    EXPECT_TRUE(inv.processes[1].exited);

    EXPECT_EQ(tracker.open_invocations(), 0u);
    EXPECT_TRUE(tracker.take_finished(10'000 * kMs).empty());
    EXPECT_EQ(tracker.counters().events, 5u);
    EXPECT_EQ(tracker.counters().invocations_started, 1u);
    EXPECT_EQ(tracker.counters().invocations_finished, 1u);
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
    EXPECT_TRUE(untracked_tids(tracker).empty());
}

TEST(Tracker, InvocationEndsWhenTheLastDescendantExitsNotTheRoot) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));
    // The root returns while its child (a version probe left running) lives on.
    tracker.on_event(exit_of(200, 10, 1, 0));
    EXPECT_TRUE(tracker.take_finished(200 + 10 * kLinger).empty());
    tracker.on_event(exit_of(3'000 * kMs, 11, 1, 0));
    auto done = tracker.take_finished(3'000 * kMs + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].root_end_ns, 200u);
    EXPECT_EQ(done[0].last_end_ns, 3'000 * kMs);
}

TEST(Tracker, NonMatchingExecIsUntrackedWithEverythingItStarts) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 20, 1, "vim post-edit.txt", "/usr/bin/vim"));
    EXPECT_EQ(untracked_tids(tracker), std::vector<std::int32_t>{20});
    // Events already in flight before the kernel applied the request.
    tracker.on_event(thread_of(110, 20, 21));
    tracker.on_event(fork_of(120, 20, 22));
    tracker.on_event(fork_of(125, 22, 23));
    tracker.on_event(exit_of(130, 22, 20));
    tracker.on_event(thread_exit_of(140, 20, 21, 1));
    tracker.on_event(exit_of(150, 20, 1));
    EXPECT_EQ(untracked_tids(tracker), (std::vector<std::int32_t>{21, 22, 23}));
    EXPECT_TRUE(untracked_tids(tracker).empty()) << "requests are drained";
    EXPECT_TRUE(tracker.take_finished(10'000 * kMs).empty());
    EXPECT_EQ(tracker.open_invocations(), 0u);
    EXPECT_EQ(tracker.counters().unattributed_events, 0u) << "ignored processes are not unattributed";
    EXPECT_TRUE(tracker.finish(10'000 * kMs, {}).empty());
}

TEST(Tracker, IgnoredProcessThatLaterExecsAHookStartsAnInvocation) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 30, 1, "sh", "/bin/sh"));
    tracker.on_event(exec_of(200, 30, 1, kPostEdit));
    EXPECT_EQ(tracker.open_invocations(), 1u);
    tracker.on_event(fork_of(210, 30, 31));
    tracker.on_event(exit_of(220, 31, 30));
    tracker.on_event(exit_of(230, 30, 1));
    // The request is about the first exec only: the kernel keeps the thread
    // tracked, since it exec'd (at 200) after the exec judged (at 100).
    EXPECT_EQ(tracker.take_untrack_requests(), (std::vector<UntrackRequest>{{30, 100, 100}})) << "only the first exec";
    auto done = tracker.take_finished(230 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].start_ns, 200u);
    EXPECT_EQ(done[0].processes.size(), 2u);
}

TEST(Tracker, ThreadsCountTowardTheirProcessNotAsProcesses) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    for (int tid = 12; tid < 16; ++tid) tracker.on_event(thread_of(110, 10, tid));
    tracker.on_event(fork_of(120, 10, 11));
    tracker.on_event(thread_of(130, 11, 17));
    for (int tid = 12; tid < 16; ++tid) tracker.on_event(thread_exit_of(140, 10, tid, 1));
    tracker.on_event(thread_exit_of(145, 11, 17, 10));
    tracker.on_event(exit_of(150, 11, 10));
    tracker.on_event(exit_of(160, 10, 1));
    auto done = tracker.take_finished(160 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 2u);
    EXPECT_EQ(done[0].processes[0].threads, 5u);
    EXPECT_EQ(done[0].processes[1].threads, 2u);
}

TEST(Tracker, ThreadExitBeforeGroupDeadAddsTimesButDoesNotEndTheProcess) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(thread_of(110, 10, 12));
    tracker.on_event(thread_exit_of(200, 10, 12, 1, on_cpu({{2, 40}}, 5)));
    EXPECT_TRUE(tracker.take_finished(200 + 10 * kLinger).empty()) << "a thread exit is not the process exit";
    tracker.on_event(exit_of(300, 10, 1, 0, on_cpu({{2, 60}, {3, 1}}, 7)));
    auto done = tracker.take_finished(300 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    const model::ProcessRecord& root = done[0].processes.at(0);
    EXPECT_EQ(root.end_ns, 300u);
    EXPECT_EQ(root.threads, 2u);
    EXPECT_EQ(root.times.on_cpu_ns, 101u);
    EXPECT_EQ(root.times.run_queue_wait_ns, 12u);
    EXPECT_EQ(root.times.voluntary_switches, 2u);
    EXPECT_EQ(root.times.on_cpu_ns_per_cpu, (std::map<std::uint32_t, std::uint64_t>{{2, 100}, {3, 1}}));
}


// Exits are stamped at each thread's final switch: a worker killed by the
// group exit can switch out for the last time after the thread that ended
// the group. It is still that process's thread, not a new process, and the
// process (and the invocation) end with it.
TEST(Tracker, ThreadSwitchingOutAfterTheGroupEndStaysInItsProcess) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(thread_of(110, 10, 12));
    tracker.on_event(exit_of(300, 10, 1, 0, on_cpu({{0, 60}})));
    tracker.on_event(thread_exit_of(305, 10, 12, 1, on_cpu({{1, 40}})));
    EXPECT_TRUE(tracker.take_finished(300 + kLinger).empty()) << "the invocation ends with its last thread";
    auto done = tracker.take_finished(305 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 1u) << "no second row for the late thread";
    const model::ProcessRecord& root = done[0].processes.at(0);
    EXPECT_EQ(root.end_ns, 305u);
    EXPECT_EQ(root.threads, 2u);
    EXPECT_EQ(root.times.on_cpu_ns, 100u);
    EXPECT_EQ(done[0].last_end_ns, 305u);
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
}

// A known thread is that process's thread however late its final switch
// comes (a worker preempted on its way out of a loaded machine): the
// process, and the invocation, wait for it instead of ending without it
// or giving it a row of its own.
TEST(Tracker, KnownThreadExitingLongAfterTheGroupEndStaysInItsProcess) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(thread_of(110, 10, 12));
    tracker.on_event(exit_of(300, 10, 1, 0, on_cpu({{0, 60}})));
    EXPECT_TRUE(tracker.take_finished(300 + 4 * kLinger).empty()) << "thread 12 has not reported its exit";
    tracker.on_event(thread_exit_of(300 + 5 * kLinger, 10, 12, 1, on_cpu({{1, 40}})));
    auto done = tracker.take_finished(300 + 6 * kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 1u) << "no ghost row for the late thread";
    const model::ProcessRecord& root = done[0].processes.at(0);
    EXPECT_EQ(root.end_ns, 300 + 5 * kLinger);
    EXPECT_EQ(root.threads, 2u);
    EXPECT_EQ(root.times.on_cpu_ns, 100u);
    EXPECT_EQ(done[0].root_end_ns, 300 + 5 * kLinger);
    EXPECT_EQ(tracker.counters().thread_exits_unseen, 0u);
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
}

// Both threads read the group-dead flag as set (the kernel's live count
// was already zero when the first reached sched_process_exit): one process
// row, the times of both, the larger peak, the later end. Before, the
// second exit made a ghost row with the same pid, no command and two
// threads.
TEST(Tracker, TwoThreadsBothClaimingTheGroupEndMakeOneProcess) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(exec_of(120, 11, 10, "node cli.js post-edit"));
    tracker.on_event(thread_of(130, 11, 12));
    model::ExitEvent first = std::get<model::ExitEvent>(exit_of(300, 11, 10, 0, on_cpu({{0, 70}})));
    first.tid = 12;
    first.max_rss_bytes = 10 << 20;
    model::ExitEvent second = std::get<model::ExitEvent>(exit_of(300 + 3 * kLinger, 11, 10, 0, on_cpu({{1, 30}})));
    second.max_rss_bytes = 40 << 20;
    tracker.on_event(first);
    tracker.on_event(second);
    tracker.on_event(exit_of(400 + 3 * kLinger, 10, 1));
    auto done = tracker.take_finished(400 + 4 * kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 2u) << "the shell and one node process";
    const model::ProcessRecord& node = done[0].processes.at(1);
    EXPECT_EQ(node.pid, 11);
    EXPECT_EQ(node.argv, "node cli.js post-edit");
    EXPECT_EQ(node.threads, 2u);
    EXPECT_EQ(node.times.on_cpu_ns, 100u);
    EXPECT_EQ(node.end_ns, 300 + 3 * kLinger);
    EXPECT_EQ(node.peak_rss_bytes, 40u << 20);
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
}

// A known thread whose exit never comes (its event lost, or its tid taken
// over by an exec from another thread) delays the invocation by at most
// thread_exit_wait_ns, and is counted.
TEST(Tracker, KnownThreadWhoseExitNeverComesIsCountedAfterTheWait) {
    TrackerOptions options = attach_options();
    options.thread_exit_wait_ns = 50 * kLinger;
    InvocationTracker tracker(test_rules(), options);
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(thread_of(110, 10, 12));
    tracker.on_event(exit_of(300, 10, 1));
    EXPECT_TRUE(tracker.take_finished(300 + 50 * kLinger - 1).empty());
    auto done = tracker.take_finished(300 + 50 * kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_TRUE(done[0].complete);
    EXPECT_EQ(done[0].processes.at(0).end_ns, 300u);
    EXPECT_EQ(tracker.counters().thread_exits_unseen, 1u);
}

// Beyond the linger the pid may be a new process's: the tracker does not
// stretch the old one to cover it.
TEST(Tracker, ThreadExitLongAfterTheGroupEndIsNotAStraggler) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(exit_of(300, 10, 1));
    tracker.on_event(thread_exit_of(300 + 2 * kLinger, 10, 12, 1));
    auto done = tracker.finish(300 + 3 * kLinger, {});
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].processes.at(0).end_ns, 300u);
}
TEST(Tracker, PerCpuTimesSumIntoProcessesAndInvocation) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(fork_of(111, 10, 12));
    tracker.on_event(thread_of(112, 12, 13));
    tracker.on_event(exit_of(200, 11, 10, 0, on_cpu({{0, 10}, {1, 5}}, 3)));
    tracker.on_event(thread_exit_of(210, 12, 13, 10, on_cpu({{1, 7}}, 4)));
    tracker.on_event(exit_of(220, 12, 10, 0, on_cpu({{1, 1}, {3, 2}}, 5)));
    tracker.on_event(exit_of(230, 10, 1, 0, on_cpu({{0, 100}}, 6)));
    auto done = tracker.take_finished(230 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    const model::Invocation& inv = done[0];
    ASSERT_EQ(inv.processes.size(), 3u);
    using PerCpu = std::map<std::uint32_t, std::uint64_t>;
    EXPECT_EQ(inv.processes[0].times.on_cpu_ns_per_cpu, (PerCpu{{0, 100}}));
    EXPECT_EQ(inv.processes[1].times.on_cpu_ns_per_cpu, (PerCpu{{0, 10}, {1, 5}}));
    EXPECT_EQ(inv.processes[2].times.on_cpu_ns_per_cpu, (PerCpu{{1, 8}, {3, 2}}));
    EXPECT_EQ(inv.processes[2].times.on_cpu_ns, 10u);
    EXPECT_EQ(inv.times.on_cpu_ns_per_cpu, (PerCpu{{0, 110}, {1, 13}, {3, 2}}));
    EXPECT_EQ(inv.times.on_cpu_ns, 125u);
    EXPECT_EQ(inv.times.run_queue_wait_ns, 18u);
    EXPECT_EQ(inv.times.voluntary_switches, 4u);

    // Invocation::times is exactly the sum over its processes, field by field.
    std::uint64_t on = 0, wait = 0, sleep = 0, blocked = 0, vol = 0, invol = 0;
    PerCpu per_cpu;
    for (const auto& p : inv.processes) {
        on += p.times.on_cpu_ns;
        wait += p.times.run_queue_wait_ns;
        sleep += p.times.off_cpu_sleep_ns;
        blocked += p.times.off_cpu_blocked_ns;
        vol += p.times.voluntary_switches;
        invol += p.times.involuntary_switches;
        for (const auto& [cpu, ns] : p.times.on_cpu_ns_per_cpu) per_cpu[cpu] += ns;
    }
    EXPECT_EQ(inv.times.on_cpu_ns, on);
    EXPECT_EQ(inv.times.run_queue_wait_ns, wait);
    EXPECT_EQ(inv.times.off_cpu_sleep_ns, sleep);
    EXPECT_EQ(inv.times.off_cpu_blocked_ns, blocked);
    EXPECT_EQ(inv.times.voluntary_switches, vol);
    EXPECT_EQ(inv.times.involuntary_switches, invol);
    EXPECT_EQ(inv.times.on_cpu_ns_per_cpu, per_cpu);
}

TEST(Tracker, ProcessesAreListedRootFirstThenByStartTime) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 50, 1, kPostEdit));
    // Fork events reach userspace out of start order (different CPUs).
    tracker.on_event(fork_of(300, 50, 13));
    tracker.on_event(fork_of(120, 50, 12));
    tracker.on_event(fork_of(200, 12, 11));
    tracker.on_event(exit_of(400, 50, 1));
    for (int pid : {11, 12, 13}) tracker.on_event(exit_of(500, pid, 50));
    auto done = tracker.take_finished(500 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    std::vector<std::int32_t> pids;
    for (const auto& p : done[0].processes) pids.push_back(p.pid);
    EXPECT_EQ(pids, (std::vector<std::int32_t>{50, 12, 11, 13}));
}

TEST(Tracker, NestedRuleMatchStaysInTheOuterInvocation) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, "sh -c npx claude-flow@alpha hooks pre-command --command 'git commit'",
                             "/bin/sh"));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(exec_of(120, 11, 10, "git commit", "/usr/bin/git"));
    tracker.on_event(fork_of(130, 11, 12));
    tracker.on_event(exec_of(140, 12, 11, "/bin/sh .git/hooks/pre-commit", ".git/hooks/pre-commit"));
    tracker.on_event(fork_of(150, 12, 13));
    tracker.on_event(exec_of(160, 13, 12, kPostEdit));
    EXPECT_EQ(tracker.open_invocations(), 1u);
    for (int pid : {13, 12, 11}) tracker.on_event(exit_of(200 + pid, pid, pid - 1));
    tracker.on_event(exit_of(300, 10, 1));
    auto done = tracker.take_finished(300 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].hook, "pre-command");
    EXPECT_EQ(done[0].processes.size(), 4u);
    EXPECT_EQ(tracker.counters().invocations_started, 1u);
}

TEST(Tracker, ThreeHundredConcurrentInvocationsOfOneHookStaySeparate) {
    InvocationTracker tracker(test_rules(), attach_options());
    constexpr int kCount = 300;
    // Each invocation: sh -c root, npx child, node grandchild with a worker
    // thread; every phase interleaves all invocations, as on a busy machine.
    auto root = [](int i) { return 10'000 + i; };
    auto npx = [](int i) { return 20'000 + i; };
    auto node = [](int i) { return 30'000 + i; };
    std::uint64_t ts = 1'000;
    for (int i = 0; i < kCount; ++i) tracker.on_event(exec_of(ts++, root(i), 1, std::string("sh -c ") + kPostEdit));
    for (int i = kCount - 1; i >= 0; --i) tracker.on_event(fork_of(ts++, root(i), npx(i)));
    for (int i = 0; i < kCount; ++i) tracker.on_event(exec_of(ts++, npx(i), root(i), kPostEdit));
    for (int i = 0; i < kCount; i += 2) tracker.on_event(fork_of(ts++, npx(i), node(i)));
    for (int i = 1; i < kCount; i += 2) tracker.on_event(fork_of(ts++, npx(i), node(i)));
    for (int i = 0; i < kCount; ++i) {
        tracker.on_event(exec_of(ts++, node(i), npx(i), "node cli.js hooks post-edit --file a.ts"));
        tracker.on_event(thread_of(ts++, node(i), 40'000 + i));
    }
    EXPECT_EQ(tracker.open_invocations(), static_cast<std::size_t>(kCount));
    for (int i = 0; i < kCount; ++i) {
        tracker.on_event(thread_exit_of(ts++, node(i), 40'000 + i, npx(i), on_cpu({{0, 1}})));
        tracker.on_event(exit_of(ts++, node(i), npx(i), 0, on_cpu({{static_cast<std::uint32_t>(i % 4), 10}})));
    }
    for (int i = kCount - 1; i >= 0; --i) tracker.on_event(exit_of(ts++, npx(i), root(i), 0, on_cpu({{1, 100}})));
    for (int i = 0; i < kCount; ++i) tracker.on_event(exit_of(ts++, root(i), 1, i, on_cpu({{2, 1000}})));

    auto done = tracker.take_finished(ts + kLinger);
    ASSERT_EQ(done.size(), static_cast<std::size_t>(kCount));
    std::vector<std::int32_t> roots;
    for (const auto& inv : done) {
        roots.push_back(inv.root_pid);
        const int i = inv.root_pid - 10'000;
        EXPECT_EQ(inv.hook, "post-edit");
        EXPECT_TRUE(inv.complete);
        EXPECT_EQ(inv.exit_code, i);
        ASSERT_EQ(inv.processes.size(), 3u) << "invocation " << i;
        EXPECT_EQ(inv.processes[0].pid, root(i));
        EXPECT_EQ(inv.processes[1].pid, npx(i));
        EXPECT_EQ(inv.processes[2].pid, node(i));
        EXPECT_EQ(inv.processes[2].threads, 2u);
        EXPECT_EQ(inv.times.on_cpu_ns, 1111u);
    }
    std::sort(roots.begin(), roots.end());
    EXPECT_EQ(std::unique(roots.begin(), roots.end()), roots.end());
    EXPECT_EQ(tracker.counters().invocations_started, static_cast<std::uint64_t>(kCount));
    EXPECT_EQ(tracker.counters().invocations_finished, static_cast<std::uint64_t>(kCount));
    EXPECT_EQ(tracker.counters().unattributed_events, 0u);
    EXPECT_TRUE(untracked_tids(tracker).empty());
}

TEST(Tracker, DefaultCatalogueDrivesTheTracker) {
    InvocationTracker tracker(rules::RuleSet::default_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, "node config/hooks/post-edit-pipeline.js f.ts --memory-key swarm/a/1"));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(exec_of(120, 11, 10, "npx tsc --noEmit"));
    tracker.on_event(exit_of(200, 11, 10, 512));
    tracker.on_event(exit_of(210, 10, 1, 256));
    auto done = tracker.take_finished(210 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].hook, "post-edit-pipeline");
    EXPECT_EQ(done[0].exit_code, 256) << "the root's code, not the child's";
}

TEST(Tracker, FinishReturnsOpenInvocationsWithLiveThreadTimes) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(thread_of(115, 11, 12));
    tracker.on_event(exit_of(150, 10, 1, 0, on_cpu({{0, 5}})));
    // A second invocation that ended but is still within its linger.
    tracker.on_event(exec_of(160, 20, 1, "validcore hooks pre-command --command ls"));
    tracker.on_event(exit_of(170, 20, 1, 0));

    const std::vector<LiveThread> live = {
        {11, 11, on_cpu({{1, 30}})},
        {11, 12, on_cpu({{2, 20}})},
        {10, 10, on_cpu({{0, 999}})},  // exited process: stale entry, ignored
        {77, 77, on_cpu({{0, 999}})},  // unknown to the tracker
    };
    auto out = tracker.finish(175, live);
    ASSERT_EQ(out.size(), 2u);
    const model::Invocation& open = out[0];
    EXPECT_EQ(open.hook, "post-edit");
    EXPECT_FALSE(open.complete);
    EXPECT_EQ(open.root_end_ns, 150u);
    EXPECT_EQ(open.last_end_ns, 175u);
    ASSERT_EQ(open.processes.size(), 2u);
    EXPECT_FALSE(open.processes[1].exited);
    EXPECT_EQ(open.processes[1].end_ns, 0u);
    EXPECT_EQ(open.processes[1].threads, 2u);
    EXPECT_EQ(open.processes[1].times.on_cpu_ns, 50u);
    EXPECT_EQ(open.times.on_cpu_ns, 55u);
    EXPECT_EQ(out[1].hook, "pre-command");
    EXPECT_TRUE(out[1].complete);
    EXPECT_EQ(out[1].last_end_ns, 170u);
    EXPECT_EQ(tracker.open_invocations(), 0u);
    EXPECT_EQ(tracker.counters().invocations_finished, 2u);
}

}  // namespace
}  // namespace validprof::invocations

namespace validprof::invocations {
namespace {

using namespace testing;

TEST(Tracker, ForkedChildShowsItsParentsCommandUntilItExecs) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.on_event(fork_of(110, 10, 11));  // a subshell: never execs
    tracker.on_event(fork_of(120, 10, 12));
    tracker.on_event(exec_of(130, 12, 10, "prettier --write a.ts"));
    tracker.on_event(exit_of(200, 11, 10));
    tracker.on_event(exit_of(210, 12, 10));
    tracker.on_event(exit_of(300, 10, 1));
    auto done = tracker.take_finished(300 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 3u);
    EXPECT_EQ(done[0].processes[1].pid, 11);
    EXPECT_EQ(done[0].processes[1].argv, kPostEdit);
    EXPECT_EQ(done[0].processes[1].exe, done[0].processes[0].exe);
    EXPECT_EQ(done[0].processes[2].argv, "prettier --write a.ts");
}

}  // namespace
}  // namespace validprof::invocations

namespace validprof::invocations {
namespace {

using namespace testing;

// The gate's holds are charged to the process held, in whichever
// invocation it belongs to; a release of a process not listed as held
// (0 ns) charges nothing.
TEST(Tracker, GateHoldsAreChargedToTheProcessHeld) {
    InvocationTracker tracker(test_rules(), attach_options());
    tracker.on_event(exec_of(100, 10, 1, kPostEdit));
    tracker.note_gate_hold(10, 2'500'000);
    tracker.on_event(fork_of(110, 10, 11));
    tracker.on_event(exec_of(120, 11, 10, "sqlite3 state.db"));
    tracker.note_gate_hold(11, 1'000'000);
    tracker.note_gate_hold(11, 500'000);
    tracker.note_gate_hold(11, 0);
    tracker.note_gate_hold(999, 7);  // unknown: nothing to charge
    tracker.on_event(exit_of(200, 11, 10));
    tracker.on_event(exit_of(300, 10, 1));
    auto done = tracker.take_finished(300 + kLinger);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].processes.size(), 2u);
    EXPECT_EQ(done[0].processes[0].gate_holds, 1u);
    EXPECT_EQ(done[0].processes[0].gate_held_ns, 2'500'000u);
    EXPECT_EQ(done[0].processes[1].gate_holds, 2u);
    EXPECT_EQ(done[0].processes[1].gate_held_ns, 1'500'000u);
}

}  // namespace
}  // namespace validprof::invocations
