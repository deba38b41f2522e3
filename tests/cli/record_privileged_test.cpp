// End-to-end, privileged: `validprof record` runs real workloads, and what
// it stores is compared with the kernel's own final accounting of each
// process (/proc/PID/schedstat, read by its parent once it is a zombie that
// has left the CPU for good: tests/workloads/workload_truth.h) and with the
// workloads' own clocks. Skipped, with the reason, without
// CAP_BPF/CAP_PERFMON.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "cli_test_support.h"

namespace validprof::testing {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

struct Recorded {
    CommandResult result;
    std::vector<TruthLine> truth;
    TruthByPid by_pid;
    std::vector<model::Invocation> invocations;
};

Recorded record(const TempDir& dir, const std::vector<std::string>& options, const std::vector<std::string>& command,
                const std::map<std::string, std::string>& extra_environment = {}) {
    std::vector<std::string> argv = {validprof_binary(), "record", "--db", dir.file("profile.db")};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    std::map<std::string, std::string> environment = extra_environment;
    environment["VALIDPROF_TRUTH"] = dir.file("truth.txt");
    environment["PATH"] = std::string(VALIDPROF_WORKLOAD_DIR) + ":" + std::getenv("PATH");
    Recorded recorded;
    recorded.result = run_command(argv, environment);
    recorded.truth = read_truth(dir.file("truth.txt"));
    recorded.by_pid = truth_by_pid(recorded.truth);
    recorded.invocations = load_latest_invocations(dir.file("profile.db"));
    return recorded;
}

// Every process of the invocation against the kernel's final figures for
// it. Exact, with no tolerance: validprof takes on-CPU and run-queue wait
// as differences of the same kernel counters (se.sum_exec_runtime,
// sched_info.run_delay) from the fork to the final switch, and the parent
// read those counters after that switch.
void expect_final_figures(const model::Invocation& invocation, const TruthByPid& truth) {
    ASSERT_FALSE(invocation.processes.empty());
    for (const model::ProcessRecord& process : invocation.processes) {
        auto found = truth.find(process.pid);
        ASSERT_NE(found, truth.end()) << "pid " << process.pid << " reported nothing";
        const TruthLine& line = found->second;
        ASSERT_EQ(truth_u64(line, "final"), 1u) << "pid " << process.pid << ": its parent read no final figures";
        ASSERT_EQ(truth_u64(line, "settled"), 1u) << "pid " << process.pid << ": its figures never settled";
        EXPECT_EQ(process.times.on_cpu_ns, truth_u64(line, "schedstat_on_cpu_ns")) << "on-CPU of pid " << process.pid;
        EXPECT_EQ(process.times.run_queue_wait_ns, truth_u64(line, "schedstat_wait_ns"))
            << "run-queue wait of pid " << process.pid;
        std::uint64_t per_cpu_total = 0;
        for (const auto& [cpu, ns] : process.times.on_cpu_ns_per_cpu) per_cpu_total += ns;
        EXPECT_EQ(per_cpu_total, process.times.on_cpu_ns) << "pid " << process.pid;
    }
}

// The single process of a vp_burn_sleep invocation against its own clocks.
// Brackets, each exact:
//  - its life [exec, final switch] contains main()'s clock window and lies
//    inside its parent's window [before fork, found final];
//  - its CPU clock read at the end of main() cannot exceed its final CPU;
//  - around nanosleep() its window is CPU, run-queue wait and sleep, and it
//    measured the first two (over a slightly larger window): so validprof's
//    sleeping time is at least the window minus those. Outside main()'s
//    window (start-up and exit) it can have slept at most that time.
// One allowance, kSchedulerPathSlack, on the lower sleep bound: validprof
// times a sleep from the sched_switch tracepoint to the sched_wakeup one,
// and these fire some instructions after the points where the kernel stops
// the task's runtime (update_curr() at dequeue) and starts its run-queue
// wait (enqueue). The time between those points is in neither of the
// workload's figures nor in the sleep: 1.4 to 4.6 µs here over both
// boundaries; 100 µs leaves room for a slower machine. And the window is
// monotonic time, the CPU and run-queue figures the scheduler's clock:
// clock_rate_slack_ns (cli_test_support.h).
constexpr std::uint64_t kSchedulerPathSlack = 100'000;
void expect_agrees_with_the_workloads_clocks(const model::Invocation& invocation, const TruthLine& truth) {
    ASSERT_EQ(invocation.processes.size(), 1u);
    const std::uint64_t wall = invocation.wall_ns();
    const std::uint64_t workload_wall = truth_u64(truth, "wall_ns");
    EXPECT_GE(wall, workload_wall);
    EXPECT_GE(invocation.start_ns, truth_u64(truth, "forked_ns"));
    EXPECT_LE(invocation.last_end_ns, truth_u64(truth, "settled_ns"));
    EXPECT_GE(invocation.times.on_cpu_ns, truth_u64(truth, "cpu_ns"));

    const std::uint64_t window = truth_u64(truth, "sleep_ns");
    const std::uint64_t awake_in_window =
        truth_u64(truth, "sleep_window_cpu_ns") + truth_u64(truth, "sleep_window_wait_ns");
    const std::uint64_t slept = invocation.times.off_cpu_sleep_ns;
    EXPECT_GE(slept + awake_in_window + kSchedulerPathSlack + clock_rate_slack_ns(window), window)
        << "sleep " << slept << " ns";
    EXPECT_LE(slept, window + (wall - workload_wall)) << "sleep " << slept << " ns";
}

void expect_success(const Recorded& recorded) {
    ASSERT_EQ(recorded.result.exit_code, 0) << recorded.result.output;
}

TEST(RecordPrivileged, BurnThenSleepAgreesWithTheKernelAndTheWorkloadsClock) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    // By name through PATH, as hooks are configured: a rule anchored on the
    // program name then matches the hook and not the reaper running it.
    Recorded recorded = record(dir, {"--hook", "burn=^vp_burn_sleep"}, {"vp_reaper", "vp_burn_sleep", "40", "60"});
    expect_success(recorded);
    ASSERT_EQ(recorded.invocations.size(), 1u) << recorded.result.output;
    const model::Invocation& invocation = recorded.invocations.front();
    EXPECT_EQ(invocation.hook, "burn");
    EXPECT_TRUE(invocation.complete);
    expect_final_figures(invocation, recorded.by_pid);
    ASSERT_TRUE(recorded.by_pid.count(invocation.root_pid));
    expect_agrees_with_the_workloads_clocks(invocation, recorded.by_pid.at(invocation.root_pid));
}

TEST(RecordPrivileged, RawTracepointFallbackMeasuresTheSame) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Recorded recorded = record(dir, {"-v", "--hook", "burn=^vp_burn_sleep"}, {"vp_reaper", "vp_burn_sleep", "20", "30"},
                               {{"VALIDPROF_FORCE_RAW_TP", "1"}});
    expect_success(recorded);
    EXPECT_NE(recorded.result.output.find("raw_tp tracepoints"), std::string::npos) << recorded.result.output;
    ASSERT_EQ(recorded.invocations.size(), 1u) << recorded.result.output;
    const model::Invocation& invocation = recorded.invocations.front();
    expect_final_figures(invocation, recorded.by_pid);
    ASSERT_TRUE(recorded.by_pid.count(invocation.root_pid));
    expect_agrees_with_the_workloads_clocks(invocation, recorded.by_pid.at(invocation.root_pid));
}

TEST(RecordPrivileged, GrandchildrenLandInTheInvocation) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Recorded recorded = record(dir, {"--hook", "tree=^vp_fork_tree"}, {"vp_reaper", "vp_fork_tree", "3", "2", "5"});
    expect_success(recorded);
    ASSERT_EQ(recorded.invocations.size(), 1u) << recorded.result.output;
    const model::Invocation& invocation = recorded.invocations.front();
    EXPECT_TRUE(invocation.complete);
    std::set<std::int32_t> stored;
    for (const model::ProcessRecord& process : invocation.processes) stored.insert(process.pid);
    std::set<std::int32_t> reported;  // the tree's processes: each wrote its role
    for (const auto& [pid, line] : recorded.by_pid)
        if (line.count("role")) reported.insert(pid);
    EXPECT_EQ(reported.size(), 10u);
    EXPECT_EQ(stored, reported);
    EXPECT_EQ(invocation.processes.front().pid, invocation.root_pid);
    // Descendants' parent links stay inside the invocation.
    for (const model::ProcessRecord& process : invocation.processes)
        if (process.pid != invocation.root_pid) {
            EXPECT_TRUE(stored.count(process.ppid)) << process.pid;
        }
    expect_final_figures(invocation, recorded.by_pid);
}

TEST(RecordPrivileged, ThreeCpuHogsOnTwoCoresShowRunQueueWait) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Recorded recorded = record(dir, {"--hook", "hog=^vp_cpu_hog"}, {"vp_reaper", "-n", "3", "vp_cpu_hog", "300"});
    expect_success(recorded);
    ASSERT_EQ(recorded.invocations.size(), 3u) << recorded.result.output;
    std::uint64_t kernel_wait = 0;
    for (const model::Invocation& invocation : recorded.invocations) {
        EXPECT_EQ(invocation.hook, "hog");
        EXPECT_EQ(invocation.processes.size(), 1u);
        expect_final_figures(invocation, recorded.by_pid);
        if (recorded.by_pid.count(invocation.root_pid))
            kernel_wait += truth_u64(recorded.by_pid.at(invocation.root_pid), "schedstat_wait_ns");
    }
    // The scenario itself, by the kernel's figures: three runnable hogs of
    // 300 ms on two cores must wait, together, about 150 ms (less by how
    // far apart they started), so the comparison above covered real
    // run-queue wait and not a few microseconds of it.
    if (sysconf(_SC_NPROCESSORS_ONLN) <= 2) {
        EXPECT_GT(kernel_wait, 50 * kMs);
    }
}

TEST(RecordPrivileged, ThreeHundredShortHooksFourAtATime) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Recorded recorded = record(dir, {"--hook", "short=^vp_burn_sleep"},
                               {"sh", "-c", "seq 300 | xargs -P 4 -I{} vp_burn_sleep 1 4"});
    expect_success(recorded);
    ASSERT_EQ(recorded.truth.size(), 300u);
    ASSERT_EQ(recorded.invocations.size(), 300u) << recorded.result.output;
    std::multiset<std::int32_t> roots;
    for (const model::Invocation& invocation : recorded.invocations) {
        EXPECT_EQ(invocation.processes.size(), 1u) << "invocations merged";
        EXPECT_TRUE(invocation.complete);
        roots.insert(invocation.root_pid);
    }
    std::multiset<std::int32_t> reported;
    for (const TruthLine& line : recorded.truth) reported.insert(static_cast<std::int32_t>(truth_u64(line, "pid")));
    EXPECT_EQ(roots, reported);

    auto database = open_database(dir.file("profile.db"));
    ASSERT_TRUE(database);
    auto sessions = database->list_sessions();
    ASSERT_TRUE(sessions.ok());
    ASSERT_EQ(sessions->size(), 1u);
    for (const auto& [reason, count] : sessions->front().end.lost_events) {
        if (model::counts_as_lost(reason)) {
            EXPECT_EQ(count, 0u) << reason;
        }
    }
}

TEST(RecordPrivileged, CommandWithoutMatchingRuleIsOneInvocation) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Recorded recorded = record(dir, {"--hook", "never=no-such-program-xyz"},
                               {"sh", "-c", "vp_cpu_hog 5; vp_cpu_hog 5 3"});
    EXPECT_EQ(recorded.result.exit_code, 3) << "record exits with the command's exit code";
    ASSERT_EQ(recorded.invocations.size(), 1u) << recorded.result.output;
    const model::Invocation& invocation = recorded.invocations.front();
    EXPECT_EQ(invocation.hook, "sh");
    EXPECT_EQ(invocation.processes.size(), 3u);
    EXPECT_EQ(invocation.exit_code >> 8, 3);
}

// Node with worker threads, its main thread ending the process while the
// workers run and the address space is large: several threads exit at
// once, and more than one of them can read the kernel's live-thread count
// as zero at sched_process_exit (the group-dead flag validprof reports).
// Each process is one row with its command and all its threads, whatever
// the order of their final switches; none is left waiting for a thread.
TEST(RecordPrivileged, NodeWorkersExitingTogetherLeaveOneRowPerProcess) {
    VALIDPROF_REQUIRE_BPF();
    if (run_command({"node", "--version"}).exit_code != 0) GTEST_SKIP() << "node is not installed";
    TempDir dir;
    const std::string script =
        "const { Worker } = require('worker_threads');"
        "for (let i = 0; i < 4; i++) new Worker('const a = new Array(4e6).fill(1); for (;;) a[0]++;', { eval: true });"
        "globalThis.keep = new Array(8e6).fill(2);"
        "setTimeout(() => process.exit(0), 150);";
    std::string loop;
    for (int i = 0; i < 6; ++i) loop += "node -e \"" + script + "\"; ";
    Recorded recorded = record(dir, {"--hook", "never=no-such-program-xyz"}, {"sh", "-c", loop});
    ASSERT_EQ(recorded.result.exit_code, 0) << recorded.result.output;
    ASSERT_EQ(recorded.invocations.size(), 1u) << recorded.result.output;
    const model::Invocation& invocation = recorded.invocations.front();
    std::set<std::int32_t> pids;
    int node_processes = 0;
    for (const model::ProcessRecord& process : invocation.processes) {
        EXPECT_TRUE(pids.insert(process.pid).second) << "pid " << process.pid << " has two rows";
        EXPECT_FALSE(process.exe.empty()) << "pid " << process.pid << ": a row without its command ("
                                          << process.threads << " threads)";
        EXPECT_TRUE(process.exited) << "pid " << process.pid;
        if (process.comm != "node") continue;
        ++node_processes;
        // The main thread, four workers and V8's own threads.
        EXPECT_GE(process.threads, 6u) << "pid " << process.pid;
        std::uint64_t thread_cpu = 0;
        for (const model::ThreadRecord& thread : process.thread_records) {
            EXPECT_TRUE(thread.exited) << "pid " << process.pid << " tid " << thread.tid;
            thread_cpu += thread.times.on_cpu_ns;
        }
        EXPECT_EQ(thread_cpu, process.times.on_cpu_ns) << "pid " << process.pid;
    }
    EXPECT_EQ(node_processes, 6);
    CommandResult report = run_command({validprof_binary(), "report", "--db", dir.file("profile.db"), "--format", "json"});
    ASSERT_EQ(report.exit_code, 0) << report.output;
    const nlohmann::json notes = nlohmann::json::parse(report.output)["lost_events"]["by_reason"];
    EXPECT_EQ(notes.value("note_thread_exit_unseen", 1u), 0u) << notes.dump();
    EXPECT_EQ(notes.value("note_unattributed_events", 1u), 0u) << notes.dump();
}

// Peak memory: each process's peak resident set is the kernel's own figure,
// exactly what wait4 reports to its parent (ru_maxrss, KiB): both read the
// process's signal->maxrss after its exit path began. Two sizes, so a
// figure that ignored the allocation could not pass.
TEST(RecordPrivileged, PeakResidentSetIsTheKernelsFigureForEachProcess) {
    VALIDPROF_REQUIRE_BPF();
    for (const int mebibytes : {16, 96}) {
        TempDir dir;
        Recorded recorded = record(dir, {"--hook", "rss=vp_peak_rss"}, {"vp_peak_rss", std::to_string(mebibytes)});
        ASSERT_EQ(recorded.result.exit_code, 0) << recorded.result.output;
        ASSERT_EQ(recorded.truth.size(), 1u);
        const std::int32_t child = static_cast<std::int32_t>(truth_u64(recorded.truth[0], "child"));
        const std::uint64_t maxrss_kib = truth_u64(recorded.truth[0], "child_maxrss_kb");
        ASSERT_EQ(recorded.invocations.size(), 1u);
        const model::ProcessRecord* measured = nullptr;
        for (const model::ProcessRecord& process : recorded.invocations[0].processes)
            if (process.pid == child) measured = &process;
        ASSERT_NE(measured, nullptr) << "the child " << child << " is not in the invocation";
        EXPECT_EQ(measured->peak_rss_bytes, maxrss_kib * 1024) << mebibytes << " MiB";
        EXPECT_GE(measured->peak_rss_bytes, static_cast<std::uint64_t>(mebibytes) << 20);
        // The parent's peak includes the image it had before its exec (a
        // copy of validprof, which forked it), as ru_maxrss does; at least
        // what it read for itself just before exiting.
        std::uint64_t largest = 0;
        for (const model::ProcessRecord& process : recorded.invocations[0].processes) {
            EXPECT_GT(process.peak_rss_bytes, 0u) << "pid " << process.pid << ": every exit carries its peak";
            if (process.pid == recorded.invocations[0].root_pid) {
                EXPECT_GE(process.peak_rss_bytes, truth_u64(recorded.truth[0], "self_maxrss_kb") * 1024);
            }
            largest = std::max(largest, process.peak_rss_bytes);
        }

        CommandResult report = run_command({validprof_binary(), "report", "--json", "--db", dir.file("profile.db")});
        ASSERT_EQ(report.exit_code, 0) << report.output;
        auto json = nlohmann::json::parse(report.output);
        EXPECT_EQ(json["hooks"][0]["max_process_rss_bytes"].get<std::uint64_t>(), largest);
    }
}

}  // namespace
}  // namespace validprof::testing
