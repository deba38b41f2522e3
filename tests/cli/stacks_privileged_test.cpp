// End-to-end, privileged: `validprof record --stacks`. Stacks are read back
// after the recorded processes have exited (record symbolizes at the end of
// the session), and compared with what the workload measured it did: CPU
// time in two named functions, a sleep in a third.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
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

Profiled record_stacks(const TempDir& dir, const std::vector<std::string>& command,
                       const std::vector<std::string>& options = {},
                       std::map<std::string, std::string> environment = {}) {
    std::vector<std::string> argv = {validprof_binary(), "record", "--stacks", "--freq", std::to_string(kFrequencyHz), "--db",
                                     dir.file("profile.db")};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    Profiled profiled;
    environment["VALIDPROF_TRUTH"] = dir.file("truth.txt");
    profiled.result = run_command(argv, environment);
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
    EXPECT_GT(one, 0u) << "vp_burn_one_part was not symbolized";
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

std::string describe_cpu_samples(const model::StackProfile& profile, std::int32_t pid = 0) {
    std::ostringstream stacks;
    for (const model::StackSample& sample : profile.samples) {
        if (sample.kind != model::SampleKind::Cpu || (pid && sample.pid != pid)) continue;
        stacks << sample.count << ":";
        for (const model::StackFrame& frame : sample.frames) stacks << " " << frame.name << "@" << frame.module;
        stacks << "\n";
    }
    return stacks.str();
}

// Whether the frames hold `chain` in order, root first, with at least one
// frame of `library` between chain[between - 1] and chain[between], and
// nothing but user frames of the chain's own making around it.
bool has_chain(const model::StackSample& sample, const std::vector<std::string>& chain, std::size_t between,
               const std::string& library) {
    std::size_t next = 0;
    bool library_seen = false;
    for (const model::StackFrame& frame : sample.frames) {
        if (frame.module == "[truncated]") return false;
        if (next == between && frame.module.rfind(library, 0) == 0) library_seen = true;
        if (next < chain.size() && frame.name == chain[next]) {
            if (next == between && !library_seen) return false;
            ++next;
        }
    }
    return next == chain.size();
}

// The program is built with -O2 -fomit-frame-pointer and calls back from
// libc (qsort) into itself: only CFI unwinding recovers the whole chain.
// The truth is the chain the workload itself made, and its pid; the
// denominator is every CPU sample of that process, so a sample that lost
// frames counts against, however it lost them.
TEST(StacksPrivileged, CfiUnwindingRecoversTheChainThroughLibcWithoutFramePointers) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    Profiled profiled = record_stacks(dir, {workload("vp_qsort_chain"), "300"});
    ASSERT_EQ(profiled.result.exit_code, 0) << profiled.result.output;
    ASSERT_EQ(profiled.truth.size(), 1u);
    const TruthLine& truth = profiled.truth.front();
    auto pid = static_cast<std::int32_t>(truth_u64(truth, "pid"));
    // main → vp_sort_round → [libc's qsort] → vp_compare → vp_level_one → vp_level_two → vp_hot
    std::vector<std::string> chain = {"main", "vp_sort_round", "vp_compare", "vp_level_one", "vp_level_two", "vp_hot"};
    std::uint64_t total = 0, chained = 0, reaches_start = 0;
    for (const model::StackSample& sample : profiled.profile.samples) {
        if (sample.kind != model::SampleKind::Cpu || sample.pid != pid) continue;
        total += sample.count;
        if (has_chain(sample, chain, 2, "libc.so")) {
            chained += sample.count;
            // Above main: libc's start code, up to _start, the root.
            for (const model::StackFrame& frame : sample.frames)
                if (frame.name == "_start") reaches_start += sample.count;
        }
    }
    // 300 ms of CPU at 999 Hz.
    ASSERT_GT(total, 100u) << describe_cpu_samples(profiled.profile, pid);
    EXPECT_GE(chained * 10, total * 9) << chained << " of " << total << " samples have the whole chain\n"
                                       << describe_cpu_samples(profiled.profile, pid);
    EXPECT_GE(reaches_start * 10, chained * 9) << reaches_start << " of " << chained << " reach _start";

    // The frame-pointer walk, for comparison: the chain breaks in libc.
    TempDir fp_dir;
    Profiled fp = record_stacks(fp_dir, {workload("vp_qsort_chain"), "100"}, {"--unwind", "fp"});
    ASSERT_EQ(fp.result.exit_code, 0) << fp.result.output;
    auto fp_pid = static_cast<std::int32_t>(truth_u64(fp.truth.front(), "pid"));
    std::uint64_t fp_total = 0, fp_chained = 0;
    for (const model::StackSample& sample : fp.profile.samples) {
        if (sample.kind != model::SampleKind::Cpu || sample.pid != fp_pid) continue;
        fp_total += sample.count;
        if (has_chain(sample, chain, 2, "libc.so")) fp_chained += sample.count;
    }
    EXPECT_LT(fp_chained * 2, fp_total) << "frame pointers alone were expected to fail here";
}

// Frames of a shell and of python3 (no frame pointers, libc without them
// either): every frame lies inside its object, and the objects that have
// a symbol table (libc's comes from libc6-dbg's separate debug file) name
// at least 95% of their frames.
struct FrameCensus {
    std::uint64_t frames = 0;      // user frames in objects with a symbol table
    std::uint64_t named = 0;
    std::vector<std::string> impossible;  // module+0xOFFSET beyond the module's file
};

std::optional<std::string> find_object(const std::string& basename) {
    for (const char* directory : {"/usr/bin", "/bin", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                  "/usr/lib/python3/dist-packages"}) {
        std::string path = std::string(directory) + "/" + basename;
        struct stat info {};
        if (::stat(path.c_str(), &info) == 0) return path;
    }
    return std::nullopt;
}

// Whether the object has a full symbol table, by binutils' reading of it:
// a .symtab of its own, or a separate debug file under
// /usr/lib/debug/.build-id (libc6-dbg's for libc and ld.so). Stripped
// objects (Debian's python3.11 and dash keep only .dynsym) are not counted:
// their internal functions have no name anywhere.
bool has_symbol_table(const std::string& path) {
    CommandResult sections = run_command({"readelf", "-S", "--wide", path});
    if (sections.output.find(" .symtab ") != std::string::npos) return true;
    CommandResult notes = run_command({"readelf", "-n", path});
    auto at = notes.output.find("Build ID: ");
    if (at == std::string::npos) return false;
    std::string id = notes.output.substr(at + 10, 40);
    return std::filesystem::exists("/usr/lib/debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug");
}

FrameCensus census(const model::StackProfile& profile, std::int32_t except_pid = 0) {
    std::map<std::string, bool> module_named;
    auto user_frame = [](const model::StackFrame& frame) {
        return !frame.module.empty() && frame.module.front() != '[';
    };
    for (const model::StackSample& sample : profile.samples)
        for (const model::StackFrame& frame : sample.frames)
            if (user_frame(frame) && !module_named.count(frame.module)) {
                auto path = find_object(frame.module);
                module_named[frame.module] = path && has_symbol_table(*path);
            }
    FrameCensus result;
    for (const model::StackSample& sample : profile.samples) {
        if (sample.pid == except_pid) continue;
        for (const model::StackFrame& frame : sample.frames) {
            if (!user_frame(frame)) continue;
            auto plus = frame.name.find("+0x");
            if (plus != std::string::npos) {
                std::uint64_t offset = std::stoull(frame.name.substr(plus + 3), nullptr, 16);
                auto path = find_object(frame.module);
                if (path && offset >= std::filesystem::file_size(*path)) result.impossible.push_back(frame.name);
            }
            if (!module_named[frame.module]) continue;
            result.frames += sample.count;
            if (plus == std::string::npos) result.named += sample.count;
        }
    }
    return result;
}

TEST(StacksPrivileged, ShellAndPythonFramesAreNamedAndInsideTheirObjects) {
    VALIDPROF_REQUIRE_BPF();
    // The distribution's interpreter, not a version manager's shim script.
    std::string python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    if (run_command({python, "--version"}).exit_code != 0) GTEST_SKIP() << "python3 is not installed";
    TempDir dir;
    Profiled profiled = record_stacks(
        dir, {"sh", "-c",
              "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; " + python +
                  " -c 'import json; [json.dumps({\"k\": [i, str(i)]}) for i in range(60000)]'"});
    ASSERT_EQ(profiled.result.exit_code, 0) << profiled.result.output;
    FrameCensus counted = census(profiled.profile);
    EXPECT_TRUE(counted.impossible.empty()) << counted.impossible.front();
    ASSERT_GT(counted.frames, 0u) << describe_cpu_samples(profiled.profile);
    EXPECT_GE(counted.named * 100, counted.frames * 95)
        << counted.named << " of " << counted.frames << " frames named\n" << describe_cpu_samples(profiled.profile);
    for (const model::StackSample& sample : profiled.profile.samples)
        for (const model::StackFrame& frame : sample.frames)
            EXPECT_NE(frame.name, "[truncated: outside mapping]") << "an address outside every mapping";
}

// A process sampled while it tears down its address space (do_exit after
// exit_mm) has no user stack to walk. Such samples say so with one frame;
// no on-CPU sample of a tracked process is left with kernel frames alone
// and nothing to say why (they used to be ~5% of the samples of a
// workload of short processes).
TEST(StacksPrivileged, EverySampleWithoutUserFramesSaysWhy) {
    VALIDPROF_REQUIRE_BPF();
    std::string python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    if (run_command({python, "--version"}).exit_code != 0) GTEST_SKIP() << "python3 is not installed";
    TempDir dir;
    // 512 MiB of written pages, left for the kernel to free in exit_mm()
    // (os._exit skips the interpreter's own clean-up, which would unmap
    // them from user code): ~35 samples in do_exit at 999 Hz, three times.
    const std::string exit_heavy =
        python + " -c 'import os; b = bytearray(b\"\\x01\") * (512 << 20); os._exit(0)'";
    Profiled profiled = record_stacks(dir, {"sh", "-c", exit_heavy + "; " + exit_heavy + "; " + exit_heavy});
    ASSERT_EQ(profiled.result.exit_code, 0) << profiled.result.output;
    std::uint64_t exiting = 0;
    for (const model::StackSample& sample : profiled.profile.samples) {
        if (sample.kind != model::SampleKind::Cpu) continue;
        bool explained = false;
        for (const model::StackFrame& frame : sample.frames) {
            if (frame.module != "[kernel]" || frame.name.starts_with("[")) explained = true;
            if (frame.name == "[exiting: no address space]") {
                exiting += sample.count;
                EXPECT_TRUE(has_frame(sample, "do_exit", "[kernel]")) << "the marker only where the process exits";
            }
        }
        EXPECT_TRUE(explained) << sample.count << " sample(s) with kernel frames only, e.g. leaf "
                               << (sample.frames.empty() ? "(no frames)" : sample.frames.back().name);
    }
    EXPECT_GT(exiting, 0u) << "no sample in the exit of 512 MiB, three times\n"
                           << describe_cpu_samples(profiled.profile);
}

// The pprof export read by Go's own tool, where Go is installed.
TEST(StacksPrivileged, GoToolPprofReadsTheExport) {
    VALIDPROF_REQUIRE_BPF();
    if (run_command({"go", "version"}).exit_code != 0)
        GTEST_SKIP() << "go is not installed (Debian package golang-go): `go tool pprof` cannot be checked";
    TempDir dir;
    Profiled profiled = record_stacks(dir, {workload("vp_qsort_chain"), "200"});
    ASSERT_EQ(profiled.result.exit_code, 0) << profiled.result.output;
    CommandResult exported = run_command({validprof_binary(), "flamegraph", "--db", dir.file("profile.db"), "--format",
                                          "pprof", "-o", dir.file("profile.pb.gz")});
    ASSERT_EQ(exported.exit_code, 0) << exported.output;
    CommandResult top = run_command({"go", "tool", "pprof", "-top", "-sample_index=cpu", dir.file("profile.pb.gz")});
    ASSERT_EQ(top.exit_code, 0) << top.output;
    EXPECT_NE(top.output.find("vp_hot"), std::string::npos) << top.output;
    CommandResult traces = run_command({"go", "tool", "pprof", "-traces", dir.file("profile.pb.gz")});
    EXPECT_NE(traces.output.find("qsort"), std::string::npos) << traces.output;
}

// Code in a dlopen'ed Node addon: better-sqlite3 compiles SQLite into
// better_sqlite3.node, which the system directory scan never sees. The
// mmap records name the file with its build-id, so its frames are named
// from its own symbol table.
TEST(StacksPrivileged, NodeAddonFramesAreNamedThroughTheirBuildId) {
    VALIDPROF_REQUIRE_BPF();
    if (run_command({"node", "--version"}).exit_code != 0) GTEST_SKIP() << "node is not installed";
    NpmPackage package = install_npm_package_once("better-sqlite3@12", "better-sqlite3/build/Release/better_sqlite3.node");
    if (package.node_modules.empty()) GTEST_SKIP() << "better-sqlite3 cannot be installed here: " << package.failure;
    TempDir dir;
    std::string script = dir.file("sql.js");
    std::ofstream(script) << "const db = require('better-sqlite3')(':memory:');\n"
                             "db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');\n"
                             "const insert = db.prepare('INSERT INTO t (v) VALUES (?)');\n"
                             "const scan = db.prepare(\"SELECT count(*) FROM t WHERE v LIKE '%7%'\");\n"
                             "const t = Date.now(); let i = 0;\n"
                             "while (Date.now() - t < 400) { insert.run('value ' + i++); if (i % 200 == 0) scan.get(); }\n";
    Profiled profiled = record_stacks(dir, {"node", script}, {}, {{"NODE_PATH", package.node_modules}});
    ASSERT_EQ(profiled.result.exit_code, 0) << profiled.result.output;
    std::uint64_t in_step = 0;
    for (const model::StackSample& sample : profiled.profile.samples) {
        if (has_frame(sample, "sqlite3_step", "better_sqlite3.node")) in_step += sample.count;
        for (const model::StackFrame& frame : sample.frames)
            EXPECT_EQ(frame.module.rfind("[build-id", 0), std::string::npos) << "a file not found: " << frame.name;
    }
    EXPECT_GT(in_step, 10u) << describe_cpu_samples(profiled.profile);
}

}  // namespace
}  // namespace validprof::testing
