// The critical path on synthetic timelines whose answer is known by
// construction: what is on the path, what is not, what each piece is, and
// that the pieces partition the wall time exactly.
#include "explain/critical_path.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "explain_builders.h"

namespace validprof::explain {
namespace {

using namespace testing;

std::map<CauseKind, std::uint64_t> time_by_kind(const std::vector<PathSegment>& path) {
    std::map<CauseKind, std::uint64_t> totals;
    for (const PathSegment& piece : path) totals[piece.kind] += piece.duration_ns();
    return totals;
}

// Contiguous, in order, from the start to the last exit.
void expect_partition(const model::Invocation& invocation, const std::vector<PathSegment>& path) {
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(path.front().start_ns, invocation.start_ns);
    EXPECT_EQ(path.back().end_ns, invocation.last_end_ns);
    for (std::size_t i = 1; i < path.size(); ++i) EXPECT_EQ(path[i].start_ns, path[i - 1].end_ns) << "piece " << i;
    for (const PathSegment& piece : path) EXPECT_LT(piece.start_ns, piece.end_ns);
}

// sh forks a child that burns 4.7 ms and waits for it in wait4: the wait is
// the child's time (its spawn, its CPU, its exit), not "child_wait".
TEST(CriticalPath, ParentWaitingForAChildIsTheChildsTime) {
    // sh's totals count the 100 µs it queued after the wakeup, as the kernel would.
    auto sh = process(10, 1, "/bin/sh", {thread(10, 0, 0, 5300, 250, 5250, 100)});
    auto child = process(11, 10, "/usr/bin/burn", {thread(11, 10, 100, 5100, 4900, 5000)}, 300);
    auto run = invocation({sh, child}, 5300);
    std::vector<model::WaitInterval> waits = {wait(10, 10, 150, 5100, 5200, kWait4, 150, 11, 11)};
    auto path = critical_path(run, pointers(waits));
    expect_partition(run, path);
    auto kinds = time_by_kind(path);
    EXPECT_EQ(kinds[CauseKind::ChildWait], 0u) << "the wait is explained by the child";
    EXPECT_EQ(kinds[CauseKind::ProcessSpawn], 200 * kUs);   // child fork (100) to its exec (300)
    EXPECT_EQ(kinds[CauseKind::ProcessExit], 150 * kUs);    // child 5000-5100 and sh 5250-5300
    EXPECT_EQ(kinds[CauseKind::RunQueue], 100 * kUs);       // sh woken at 5100, ran at 5200
    EXPECT_EQ(kinds[CauseKind::Cpu], 4700 * kUs + 100 * kUs + 50 * kUs);  // child, sh before the fork, sh after the wait
    std::map<std::int32_t, std::uint64_t> by_process;
    for (const PathSegment& piece : path) by_process[piece.pid] += piece.duration_ns();
    EXPECT_EQ(by_process[11], 5000 * kUs);
}

// The wakeup came 100 µs before the switch-in by our clock (sched_waking),
// but the kernel counted only 30 µs in the run queue (it queues the task
// when the waking IPI lands on the idle CPU): the path's run-queue wait is
// the kernel's 30 µs, the other 70 µs are the wait's own.
TEST(CriticalPath, RunQueueWaitIsNeverMoreThanTheKernelCounted) {
    auto hook = process(40, 1, "/usr/bin/hook", {thread(40, 0, 0, 3000, 2000, 0, 30)});
    auto run = invocation({hook}, 3000);
    std::vector<model::WaitInterval> waits = {wait(40, 40, 1000, 1900, 2000, kNanosleep, 1000, 0, 0)};
    waits[0].waker_in_interrupt = true;
    auto path = critical_path(run, pointers(waits));
    expect_partition(run, path);
    auto kinds = time_by_kind(path);
    EXPECT_EQ(kinds[CauseKind::RunQueue], 30 * kUs);
    EXPECT_EQ(kinds[CauseKind::Sleep], 970 * kUs);
    EXPECT_EQ(kinds[CauseKind::Cpu], 2000 * kUs);
}

// A Node-like process: the main thread burns, fifteen workers sleep the whole
// time. Idle workers that nobody waits for are not on the path.
TEST(CriticalPath, IdleWorkersAreNotOnThePath) {
    std::vector<model::ThreadRecord> threads = {thread(20, 0, 0, 10000, 9800)};
    std::vector<model::WaitInterval> waits;
    for (int worker = 21; worker <= 35; ++worker) {
        threads.push_back(thread(worker, 20, 50, 9990, 10));
        waits.push_back(wait(20, worker, 60, 9900, 9905, kFutex, 10, 20, 20));
    }
    auto node = process(20, 1, "/usr/bin/node", threads);
    auto run = invocation({node}, 10000);
    auto path = critical_path(run, pointers(waits));
    expect_partition(run, path);
    for (const PathSegment& piece : path) EXPECT_EQ(piece.tid, 20) << "a worker on the path";
    EXPECT_EQ(time_by_kind(path)[CauseKind::Futex], 0u);
}

// A wait nobody of the invocation ended is the wait itself, with its reason.
TEST(CriticalPath, UnexplainedWaitKeepsItsReason) {
    auto hook = process(30, 1, "/usr/bin/hook", {thread(30, 0, 0, 3000, 1000)});
    auto run = invocation({hook}, 3000);
    std::vector<model::WaitInterval> waits = {wait(30, 30, 500, 2500, 2500, kNanosleep, 500, 0, 0)};
    waits[0].waker_in_interrupt = true;
    auto path = critical_path(run, pointers(waits));
    expect_partition(run, path);
    auto kinds = time_by_kind(path);
    EXPECT_EQ(kinds[CauseKind::Sleep], 2000 * kUs);
    EXPECT_EQ(kinds[CauseKind::Cpu], 1000 * kUs);
}

// The stretch between two waits splits into on-CPU, run-queue wait and
// short waits as the thread's counters say.
TEST(CriticalPath, StretchSplitsByTheThreadsCounters) {
    auto hook = process(40, 1, "/usr/bin/hook", {thread(40, 0, 0, 2000, 1000, 0, 300)});
    auto run = invocation({hook}, 2000);
    // 0-1000: 600 on CPU, 200 runnable, 200 in short waits (counters at
    // the wait); 1000-1500 asleep; 1500-2000: 400 CPU, 100 run queue.
    std::vector<model::WaitInterval> waits = {wait(40, 40, 1000, 1500, 1500, kNanosleep, 600)};
    waits[0].run_queue_before_ns = 200 * kUs;
    auto path = critical_path(run, pointers(waits));
    expect_partition(run, path);
    auto kinds = time_by_kind(path);
    EXPECT_EQ(kinds[CauseKind::Cpu], 1000 * kUs);
    EXPECT_EQ(kinds[CauseKind::RunQueue], 300 * kUs);
    EXPECT_EQ(kinds[CauseKind::ShortWaits], 200 * kUs);
    EXPECT_EQ(kinds[CauseKind::Sleep], 500 * kUs);
}

// Preempted: runnable the whole wait, with who held the CPU.
TEST(CriticalPath, PreemptionIsRunQueueWithTheHolder) {
    auto hook = process(50, 1, "/usr/bin/hook", {thread(50, 0, 0, 1000, 600, 0, 400)});
    auto run = invocation({hook}, 1000);
    auto preempted = wait(50, 50, 300, 0, 700, -1, 300, 0, 0, model::WaitState::Runnable);
    preempted.holder_pid = 99;
    preempted.holder_tid = 99;
    preempted.holder_comm = "stress";
    std::vector<model::WaitInterval> waits = {preempted};
    waits[0].run_queue_before_ns = 0;
    auto path = critical_path(run, pointers(waits));
    expect_partition(run, path);
    std::uint64_t held = 0;
    for (const PathSegment& piece : path)
        if (piece.kind == CauseKind::RunQueue && piece.other_comm == "stress") held += piece.duration_ns();
    EXPECT_EQ(held, 400 * kUs);
}

// The validprof gate: stopped until validprof's SIGCONT is its own cost.
TEST(CriticalPath, GateHoldIsTheObserversCost) {
    auto hook = process(60, 1, "/usr/bin/hook", {thread(60, 0, 0, 1000, 500)});
    auto run = invocation({hook}, 1000);
    auto held = wait(60, 60, 100, 600, 600, -1, 100, 777, 777, model::WaitState::Stopped);
    held.woken_by_observer = true;
    std::vector<model::WaitInterval> waits = {held};
    auto path = critical_path(run, pointers(waits));
    expect_partition(run, path);
    EXPECT_EQ(time_by_kind(path)[CauseKind::Observer], 500 * kUs);
}

// A pipeline: the reader waits on the pipe, woken by the writer, which
// slept: the path goes through the writer to its sleep.
TEST(CriticalPath, PipeReaderWaitsForTheWritersSleep) {
    auto sh = process(70, 1, "/bin/sh", {thread(70, 0, 0, 10200, 100)});
    auto writer = process(71, 70, "/usr/bin/slow", {thread(71, 70, 10, 10000, 50)}, 20);
    auto reader = process(72, 70, "/usr/bin/cat", {thread(72, 70, 15, 10100, 60)}, 25);
    auto run = invocation({sh, writer, reader}, 10200);
    auto read = wait(72, 72, 40, 9950, 9960, kRead, 10, 71, 71);
    read.object = model::WaitObject::Pipe;
    read.object_inode = 1234;
    auto writer_sleep = wait(71, 71, 30, 9900, 9900, kNanosleep, 5, 0, 0);
    writer_sleep.waker_in_interrupt = true;
    auto sh_wait = wait(70, 70, 20, 10100, 10150, kWait4, 20, 72, 72);
    std::vector<model::WaitInterval> waits = {read, writer_sleep, sh_wait};
    auto path = critical_path(run, pointers(waits));
    expect_partition(run, path);
    std::uint64_t writer_sleep_on_path = 0;
    for (const PathSegment& piece : path)
        if (piece.pid == 71 && piece.kind == CauseKind::Sleep) writer_sleep_on_path += piece.duration_ns();
    EXPECT_EQ(writer_sleep_on_path, (9900 - 30) * kUs);
    EXPECT_EQ(time_by_kind(path)[CauseKind::Pipe], 0u) << "the pipe wait is the writer's time";
}

// Whatever the timeline, the pieces partition the wall time: random
// process trees with random waits, some followable, some not.
TEST(CriticalPath, RandomTimelinesArePartitionedExactly) {
    std::mt19937_64 random(20261202);
    for (int trial = 0; trial < 300; ++trial) {
        const std::uint64_t end = 10000;
        std::vector<model::ProcessRecord> processes;
        std::vector<model::WaitInterval> waits;
        const int count = 1 + static_cast<int>(random() % 5);
        for (int i = 0; i < count; ++i) {
            const std::int32_t pid = 100 + i;
            const std::uint64_t start = i == 0 ? 0 : 1 + random() % 3000;
            const std::uint64_t stop = i == 0 ? end : start + 1 + random() % (end - start - 1);
            std::uint64_t cursor = start;
            std::uint64_t cpu = 0;
            const int wait_count = static_cast<int>(random() % 6);
            for (int w = 0; w < wait_count && cursor + 20 < stop; ++w) {
                const std::uint64_t off = cursor + 1 + random() % std::max<std::uint64_t>((stop - cursor) / 3, 1);
                const std::uint64_t on = off + 1 + random() % std::max<std::uint64_t>((stop - off) / 2, 1);
                if (on >= stop) break;
                cpu += off - cursor;
                const std::int32_t waker = random() % 2 ? 100 + static_cast<std::int32_t>(random() % count) : 0;
                const std::uint64_t woken = off + (on - off) / 2 + 1;
                waits.push_back(wait(pid, pid, off, woken, on, random() % 2 ? kFutex : kWait4, cpu, waker, waker));
                cursor = on;
            }
            cpu += stop - cursor;
            processes.push_back(process(pid, i == 0 ? 1 : 100, "/bin/p" + std::to_string(i),
                                        {thread(pid, i == 0 ? 0 : 100, start, stop, cpu)}, i == 0 ? 0 : start + 1));
        }
        auto run = invocation(processes, end);
        auto path = critical_path(run, pointers(waits));
        SCOPED_TRACE("trial " + std::to_string(trial));
        expect_partition(run, path);
        std::uint64_t total = 0;
        for (const PathSegment& piece : path) total += piece.duration_ns();
        EXPECT_EQ(total, run.wall_ns());
    }
}

}  // namespace
}  // namespace validprof::explain

namespace validprof::explain {
namespace {

// The observer's cost is a stop it ended itself; a timer that fired while
// the observer was on the CPU does not make a hook's sleep the observer's.
TEST(ObserverCost, OnlyAStopTheObserverEndedFromItsOwnContext) {
    constexpr std::int32_t kObserver = 4242;
    model::WaitInterval gate_hold;
    gate_hold.state = model::WaitState::Stopped;
    gate_hold.waker_pid = kObserver;
    EXPECT_TRUE(model::ended_by_observer(gate_hold, kObserver));

    model::WaitInterval timer = gate_hold;
    timer.state = model::WaitState::Sleeping;
    timer.waker_in_interrupt = true;
    EXPECT_FALSE(model::ended_by_observer(timer, kObserver)) << "a hrtimer firing over the observer";
    timer.waker_in_interrupt = false;
    EXPECT_FALSE(model::ended_by_observer(timer, kObserver)) << "a sleep is never the observer's";

    model::WaitInterval interrupted_stop = gate_hold;
    interrupted_stop.waker_in_interrupt = true;
    EXPECT_FALSE(model::ended_by_observer(interrupted_stop, kObserver));

    model::WaitInterval someone_else = gate_hold;
    someone_else.waker_pid = kObserver + 1;
    EXPECT_FALSE(model::ended_by_observer(someone_else, kObserver)) << "a user's SIGCONT";
}

}  // namespace
}  // namespace validprof::explain
