// End-to-end, privileged: `validprof record --stacks`. Stacks are read back
// after the recorded processes have exited (record symbolizes at the end of
// the session), and compared with what the workload measured it did: CPU
// time in two named functions, a sleep in a third.
#include <gtest/gtest.h>

#include <sstream>

#include "cli_test_support.h"

namespace validprof::testing {
namespace {

constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint64_t kFrequencyHz = 999;
constexpr std::uint64_t kPeriodNs = 1'000'000'000 / kFrequencyHz;  // what record weighs a sample with

// Each burning function's sampled CPU against its own CPU clock, within the
// sampling error for the stretches it ran in.
void expect_sampled_like_measured(const char* function, std::uint64_t sampled_ns, const TruthLine& truth,
                                  const std::string& prefix) {
    std::uint64_t cpu = truth_u64(truth, prefix + "_cpu_ns");
    std::uint64_t bound = sampling_error_bound_ns(truth_u64(truth, prefix + "_stretches"), kPeriodNs);
    EXPECT_TRUE(within(function, sampled_ns, cpu, 0, bound));
}

bool has_frame(const model::StackSample& sample, const std::string& name, const std::string& module = "") {
    for (const model::StackFrame& frame : sample.frames)
        if (frame.name.find(name) != std::string::npos && (module.empty() || frame.module == module)) return true;
    return false;
}

struct Profiled {
    CommandResult result;
    std::vector<TruthLine> truth;
    model::StackProfile profile;
};

Profiled record_stacks(const TempDir& dir, const std::vector<std::string>& command) {
    std::vector<std::string> argv = {validprof_binary(), "record", "--stacks", "--freq", std::to_string(kFrequencyHz), "--db",
                                     dir.file("profile.db"), "--"};
    argv.insert(argv.end(), command.begin(), command.end());
    Profiled profiled;
    profiled.result = run_command(argv, {{"VALIDPROF_TRUTH", dir.file("truth.txt")}});
    profiled.truth = read_truth(dir.file("truth.txt"));
    auto database = open_database(dir.file("profile.db"));
    if (!database) return profiled;
    auto latest = database->latest_session_id();
    if (!latest.ok() || !*latest) return profiled;
    auto profile = database->load_stack_profile(**latest);
    EXPECT_TRUE(profile.ok());
    if (profile.ok()) profiled.profile = std::move(*profile);
    return profiled;
}

std::uint64_t cpu_weight_with(const model::StackProfile& profile, const std::string& function) {
    std::uint64_t weight = 0;
    for (const model::StackSample& sample : profile.samples)
        if (sample.kind == model::SampleKind::Cpu && has_frame(sample, function)) weight += sample.weight_ns;
    return weight;
}

TEST(StacksPrivileged, CpuSplitBetweenNamedFunctionsAfterTheProcessExited) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Profiled profiled = record_stacks(dir, {workload("vp_named_functions"), "50"});
    ASSERT_EQ(profiled.result.exit_code, 0) << profiled.result.output;
    ASSERT_EQ(profiled.truth.size(), 1u);
    const TruthLine& truth = profiled.truth.front();
    EXPECT_EQ(profiled.profile.settings.frequency_hz, kFrequencyHz);
    std::uint64_t three = cpu_weight_with(profiled.profile, "vp_burn_three_parts");
    std::uint64_t one = cpu_weight_with(profiled.profile, "vp_burn_one_part");
    ASSERT_GT(one, 0u) << "vp_burn_one_part was not symbolized";
    expect_sampled_like_measured("vp_burn_three_parts", three, truth, "three");
    expect_sampled_like_measured("vp_burn_one_part", one, truth, "one");
    if (::testing::Test::HasFailure()) {
        // Where the missing weight went, for whoever reads the failure.
        std::ostringstream stacks;
        for (const model::StackSample& sample : profiled.profile.samples) {
            if (sample.kind != model::SampleKind::Cpu) continue;
            stacks << sample.count << ":";
            for (const model::StackFrame& frame : sample.frames) stacks << " " << frame.name << "@" << frame.module;
            stacks << "\n";
        }
        ADD_FAILURE() << "CPU samples:\n" << stacks.str() << "record said:\n" << profiled.result.output;
    }
    for (const model::StackSample& sample : profiled.profile.samples)
        for (const model::StackFrame& frame : sample.frames) EXPECT_FALSE(frame.name.empty());

    // The same through what a user runs: `validprof flamegraph --format
    // folded`, long after the workload exited.
    CommandResult folded = run_command(
        {validprof_binary(), "flamegraph", "--db", dir.file("profile.db"), "--format", "folded"});
    ASSERT_EQ(folded.exit_code, 0) << folded.output;
    std::uint64_t three_samples = 0, one_samples = 0;
    std::istringstream lines(folded.output);
    std::string line;
    while (std::getline(lines, line)) {
        auto space = line.rfind(' ');
        ASSERT_NE(space, std::string::npos) << line;
        std::uint64_t count = std::stoull(line.substr(space + 1));
        if (line.find(";vp_burn_three_parts") != std::string::npos) three_samples += count;
        if (line.find(";vp_burn_one_part") != std::string::npos) one_samples += count;
    }
    EXPECT_EQ(three_samples * kPeriodNs, three) << "folded samples differ from the stored profile";
    EXPECT_EQ(one_samples * kPeriodNs, one) << "folded samples differ from the stored profile";
}

TEST(StacksPrivileged, OffCpuSleepInNamedFunctionWeighsItsDuration) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Profiled profiled = record_stacks(dir, {workload("vp_named_functions"), "50"});
    ASSERT_EQ(profiled.result.exit_code, 0) << profiled.result.output;
    ASSERT_EQ(profiled.truth.size(), 1u);
    const TruthLine& truth = profiled.truth.front();
    std::uint64_t slept = 0;
    for (const model::StackSample& sample : profiled.profile.samples)
        if (sample.kind == model::SampleKind::OffCpuSleeping && has_frame(sample, "vp_sleep_in_named_function"))
            slept += sample.weight_ns;
    // Off-CPU weight runs from the switch-out to the next switch-in, both
    // inside the workload's window around the system call; the rest of the
    // window is CPU and run-queue wait, which the workload measured. The
    // allowance: the kernel's CPU clock and run-queue wait start and stop a
    // few instructions from the tracepoints that time the sample (µs; see
    // kSchedulerPathSlack in record_privileged_test.cpp), and the two
    // clocks' rates differ slightly (clock_rate_slack_ns).
    constexpr std::uint64_t kSchedulerPathSlack = 100'000;
    std::uint64_t window = truth_u64(truth, "sleep_ns");
    EXPECT_LE(slept, window);
    EXPECT_GE(slept + truth_u64(truth, "sleep_window_cpu_ns") + truth_u64(truth, "sleep_window_wait_ns") +
                  kSchedulerPathSlack + clock_rate_slack_ns(window),
              window)
        << "slept " << slept << " ns";
}

TEST(StacksPrivileged, KernelFramesOfASystemCall) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Profiled profiled = record_stacks(dir, {workload("vp_named_functions"), "1"});
    ASSERT_EQ(profiled.result.exit_code, 0) << profiled.result.output;
    std::uint64_t in_read = 0;
    for (const model::StackSample& sample : profiled.profile.samples)
        // libc's read() wrapper has no frame pointer, so the unwinder skips
        // from it to main(): the workload's own frame is main.
        if (sample.kind == model::SampleKind::Cpu && has_frame(sample, "vfs_read", "[kernel]") &&
            has_frame(sample, "main", "vp_named_functions"))
            in_read += sample.count;
    // 100 ms in read(/dev/zero) at 999 Hz: dozens of samples.
    EXPECT_GT(in_read, 20u);
    if (::testing::Test::HasFailure()) {
        std::ostringstream stacks;
        for (const model::StackSample& sample : profiled.profile.samples) {
            if (sample.kind != model::SampleKind::Cpu) continue;
            stacks << sample.count << ":";
            for (const model::StackFrame& frame : sample.frames) stacks << " " << frame.name << "@" << frame.module;
            stacks << "\n";
        }
        ADD_FAILURE() << "CPU samples:\n" << stacks.str() << "record said:\n" << profiled.result.output;
    }
}

TEST(StacksPrivileged, NodeJitFramesFromThePerfMap) {
    VALIDPROF_REQUIRE_BPF();
    if (run_command({"node", "--version"}).exit_code != 0) GTEST_SKIP() << "node is not installed";
    TempDir dir;
    std::string script = dir.file("hot.js");
    std::ofstream(script) << "function vpHotLoop(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); "
                             "return s; }\nconst t = Date.now(); let acc = 0;\n"
                             "while (Date.now() - t < 300) acc += vpHotLoop(100000);\n";
    // --perf-basic-prof also makes V8 write isolate-*.log into the working
    // directory: send it to the test's own directory.
    Profiled profiled = record_stacks(dir, {"node", "--perf-basic-prof", "--no-logfile-per-isolate",
                                            "--logfile=" + dir.file("v8.log"), script});
    ASSERT_EQ(profiled.result.exit_code, 0) << profiled.result.output;
    std::uint64_t jit = 0;
    for (const model::StackSample& sample : profiled.profile.samples)
        if (has_frame(sample, "vpHotLoop", "[jit]")) jit += sample.count;
    EXPECT_GT(jit, 10u) << "no vpHotLoop frames from /tmp/perf-PID.map";
}

}  // namespace
}  // namespace validprof::testing
