// End-to-end, privileged: `validprof record` runs real workloads, and what
// it stores is compared with the workloads' own clocks and with the
// kernel's own accounting (/proc/PID/schedstat read by each process just
// before it exits). Skipped, with the reason, without CAP_BPF/CAP_PERFMON.
#include <gtest/gtest.h>

#include <set>

#include "cli_test_support.h"

namespace validprof::testing {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

struct Recorded {
    CommandResult result;
    std::vector<TruthLine> truth;
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
    recorded.invocations = load_latest_invocations(dir.file("profile.db"));
    return recorded;
}

const model::ProcessRecord* find_process(const model::Invocation& invocation, std::int32_t pid) {
    for (const model::ProcessRecord& process : invocation.processes)
        if (process.pid == pid) return &process;
    return nullptr;
}

// Per process: on-CPU within 2% or 1 ms and run-queue wait within 5% or
// 1 ms of what the kernel's schedstat said just before the process exited.
void expect_matches_schedstat(const model::Invocation& invocation, const std::vector<TruthLine>& truth) {
    for (const TruthLine& line : truth) {
        auto pid = static_cast<std::int32_t>(truth_u64(line, "pid"));
        const model::ProcessRecord* process = find_process(invocation, pid);
        ASSERT_NE(process, nullptr) << "pid " << pid << " missing from invocation " << invocation.hook;
        EXPECT_TRUE(within("on-CPU", process->times.on_cpu_ns,
                           truth_u64(line, "schedstat_on_cpu_ns"), 0.02, kMs))
            << "pid " << pid;
        EXPECT_TRUE(within("run-queue wait", process->times.run_queue_wait_ns, truth_u64(line, "schedstat_wait_ns"),
                           0.05, kMs))
            << "pid " << pid;
    }
}

// The workload's clock around nanosleep() reads the time asleep plus the
// run-queue wait after its wakeup (and a system call's worth). So: our
// sleeping time is not longer than its reading, and sleeping plus all our
// run-queue wait is not shorter, each within 1 ms.
void expect_sleep_brackets(const model::Invocation& invocation, const TruthLine& truth) {
    std::uint64_t workload_sleep = truth_u64(truth, "sleep_ns");
    EXPECT_LE(invocation.times.off_cpu_sleep_ns, workload_sleep + kMs);
    EXPECT_GE(invocation.times.off_cpu_sleep_ns + invocation.times.run_queue_wait_ns + kMs, workload_sleep);
    EXPECT_GT(invocation.times.off_cpu_sleep_ns, workload_sleep / 2) << "the sleep was not seen as sleeping";
}

void expect_success(const Recorded& recorded) {
    ASSERT_EQ(recorded.result.exit_code, 0) << recorded.result.output;
}

TEST(RecordPrivileged, BurnThenSleepAgreesWithTheWorkloadsClock) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Recorded recorded = record(dir, {"--hook", "burn=vp_burn_sleep"}, {workload("vp_burn_sleep"), "40", "60"});
    expect_success(recorded);
    ASSERT_EQ(recorded.truth.size(), 1u);
    ASSERT_EQ(recorded.invocations.size(), 1u) << recorded.result.output;
    const model::Invocation& invocation = recorded.invocations.front();
    const TruthLine& truth = recorded.truth.front();

    EXPECT_EQ(invocation.hook, "burn");
    EXPECT_TRUE(invocation.complete);
    EXPECT_EQ(invocation.processes.size(), 1u);
    // The invocation starts at exec, the workload's clock at main(): the
    // invocation is longer by the loader's start-up, never shorter.
    EXPECT_GE(invocation.wall_ns(), truth_u64(truth, "wall_ns"));
    EXPECT_LE(invocation.wall_ns(), truth_u64(truth, "wall_ns") + 10 * kMs);
    EXPECT_TRUE(within("on-CPU vs the workload's CPU clock", invocation.times.on_cpu_ns, truth_u64(truth, "cpu_ns"),
                       0.05, 2 * kMs));
    expect_sleep_brackets(invocation, truth);
    expect_matches_schedstat(invocation, recorded.truth);
    std::uint64_t per_cpu_total = 0;
    for (const auto& [cpu, ns] : invocation.times.on_cpu_ns_per_cpu) per_cpu_total += ns;
    EXPECT_EQ(per_cpu_total, invocation.times.on_cpu_ns);
}

TEST(RecordPrivileged, RawTracepointFallbackMeasuresTheSame) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Recorded recorded = record(dir, {"-v", "--hook", "burn=vp_burn_sleep"}, {workload("vp_burn_sleep"), "20", "30"},
                               {{"VALIDPROF_FORCE_RAW_TP", "1"}});
    expect_success(recorded);
    EXPECT_NE(recorded.result.output.find("raw_tp tracepoints"), std::string::npos) << recorded.result.output;
    ASSERT_EQ(recorded.invocations.size(), 1u) << recorded.result.output;
    const model::Invocation& invocation = recorded.invocations.front();
    expect_sleep_brackets(invocation, recorded.truth.front());
    expect_matches_schedstat(invocation, recorded.truth);
}

TEST(RecordPrivileged, GrandchildrenLandInTheInvocation) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Recorded recorded = record(dir, {"--hook", "tree=vp_fork_tree"}, {workload("vp_fork_tree"), "3", "2", "5"});
    expect_success(recorded);
    ASSERT_EQ(recorded.truth.size(), 10u);
    ASSERT_EQ(recorded.invocations.size(), 1u) << recorded.result.output;
    const model::Invocation& invocation = recorded.invocations.front();
    EXPECT_TRUE(invocation.complete);
    std::set<std::int32_t> stored;
    for (const model::ProcessRecord& process : invocation.processes) stored.insert(process.pid);
    std::set<std::int32_t> reported;
    for (const TruthLine& line : recorded.truth) reported.insert(static_cast<std::int32_t>(truth_u64(line, "pid")));
    EXPECT_EQ(stored, reported);
    EXPECT_EQ(invocation.processes.front().pid, invocation.root_pid);
    // Descendants' parent links stay inside the invocation.
    for (const model::ProcessRecord& process : invocation.processes)
        if (process.pid != invocation.root_pid) {
            EXPECT_TRUE(stored.count(process.ppid)) << process.pid;
        }
    expect_matches_schedstat(invocation, recorded.truth);
}

TEST(RecordPrivileged, ThreeCpuHogsOnTwoCoresShowRunQueueWait) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Recorded recorded =
        record(dir, {"--hook", "hog=^vp_cpu_hog"},
               {"sh", "-c", "vp_cpu_hog 300 & vp_cpu_hog 300 & vp_cpu_hog 300 & wait"});
    expect_success(recorded);
    ASSERT_EQ(recorded.truth.size(), 3u);
    ASSERT_EQ(recorded.invocations.size(), 3u) << recorded.result.output;
    std::uint64_t total_wait = 0;
    std::uint64_t schedstat_wait = 0;
    for (const model::Invocation& invocation : recorded.invocations) {
        EXPECT_EQ(invocation.hook, "hog");
        total_wait += invocation.times.run_queue_wait_ns;
        std::vector<TruthLine> own;
        for (const TruthLine& line : recorded.truth)
            if (static_cast<std::int32_t>(truth_u64(line, "pid")) == invocation.root_pid) own.push_back(line);
        ASSERT_EQ(own.size(), 1u);
        schedstat_wait += truth_u64(own.front(), "schedstat_wait_ns");
        expect_matches_schedstat(invocation, own);
    }
    // Three runnable hogs on two cores: at least one waits a good share.
    if (sysconf(_SC_NPROCESSORS_ONLN) <= 2) {
        EXPECT_GT(schedstat_wait, 50 * kMs);
    }
    EXPECT_TRUE(within("total run-queue wait", total_wait, schedstat_wait, 0.05, 3 * kMs));
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

}  // namespace
}  // namespace validprof::testing
