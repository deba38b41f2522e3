// End-to-end, privileged: what `validprof record --stacks` stores for code
// that the other stack tests do not reach, read back after the workloads
// exited.
// - Source lines: the pprof export of a workload built with debug
//   information, read by Go's own `go tool pprof -list`, whose source
//   listing must put the samples on the workload's hot lines (found by the
//   "vp-line:" marks in its source).
// - The vDSO: a workload calling clock_gettime in a loop spends its time
//   in the vDSO, called from libc's clock_gettime (named from libc's own
//   symbols); those frames must carry the vDSO's own function names.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "cli/cli_test_support.h"

namespace validprof::testing {
namespace {

constexpr std::uint32_t kFrequencyHz = 999;

struct Recorded {
    CommandResult result;
    std::vector<TruthLine> truth;
    model::StackProfile profile;
};

Recorded record_stacks(const TempDir& dir, const std::vector<std::string>& command,
                       const std::vector<std::string>& options = {}) {
    std::vector<std::string> argv = {validprof_binary(), "record", "--stacks", "--freq", std::to_string(kFrequencyHz),
                                     "--db", dir.file("profile.db")};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    Recorded recorded;
    recorded.result = run_command(argv, {{"VALIDPROF_TRUTH", dir.file("truth.txt")}});
    recorded.truth = read_truth(dir.file("truth.txt"));
    auto database = open_database(dir.file("profile.db"));
    if (!database) return recorded;
    auto latest = database->latest_session_id();
    if (!latest.ok() || !*latest) return recorded;
    auto profile = database->load_stack_profile(**latest);
    EXPECT_TRUE(profile.ok());
    if (profile.ok()) recorded.profile = std::move(*profile);
    return recorded;
}

std::map<std::string, std::int64_t> source_marks(const std::string& path) {
    std::map<std::string, std::int64_t> found;
    std::ifstream source(path);
    std::string line;
    for (std::int64_t number = 1; std::getline(source, line); ++number)
        if (auto at = line.find("// vp-line: "); at != std::string::npos) found[line.substr(at + 12)] = number;
    return found;
}

// `go tool pprof -list` prints each source line as "FLAT CUM NUMBER: text",
// "." for a zero: the lines with a non-zero cumulative value.
std::map<std::int64_t, std::string> listed_lines_with_samples(const std::string& listing) {
    static const std::regex line_pattern(R"(^\s*(\S+)\s+(\S+)\s+(\d+):)");
    std::map<std::int64_t, std::string> lines;
    std::istringstream text(listing);
    std::string line;
    std::smatch match;
    while (std::getline(text, line))
        if (std::regex_search(line, match, line_pattern) && match[2] != ".")
            lines[std::stoll(match[3])] = match[2];
    return lines;
}

TEST(StacksPrivileged, GoToolPprofListsTheSourceLinesOfAWorkloadWithDebugInfo) {
    VALIDPROF_REQUIRE_BPF();
    if (run_command({"go", "version"}).exit_code != 0)
        GTEST_SKIP() << "go is not installed (Debian package golang-go): `go tool pprof -list` cannot be checked";
    const std::string source = std::string(VALIDPROF_SOURCE_DIR) + "/tests/workloads/vp_source_lines.cpp";
    auto marks = source_marks(source);
    ASSERT_TRUE(marks.count("hot-loop") && marks.count("mix-shift") && marks.count("caller-call")) << source;
    TempDir dir;
    Recorded recorded = record_stacks(dir, {workload("vp_source_lines"), "400"});
    ASSERT_EQ(recorded.result.exit_code, 0) << recorded.result.output;
    CommandResult exported = run_command({validprof_binary(), "flamegraph", "--db", dir.file("profile.db"), "--format",
                                          "pprof", "-o", dir.file("profile.pb.gz")});
    ASSERT_EQ(exported.exit_code, 0) << exported.output;

    // The hot function: its loop line holds the time of the inlined calls.
    CommandResult hot = run_command({"go", "tool", "pprof", "-sample_index=cpu", "-list", "^vp_lines_hot$",
                                     dir.file("profile.pb.gz")});
    ASSERT_EQ(hot.exit_code, 0) << hot.output;
    EXPECT_EQ(hot.output.find("No source information"), std::string::npos) << hot.output;
    EXPECT_NE(hot.output.find("ROUTINE ======================== vp_lines_hot in " + source), std::string::npos)
        << hot.output;
    auto hot_lines = listed_lines_with_samples(hot.output);
    EXPECT_TRUE(hot_lines.count(marks["hot-loop"])) << "no samples on line " << marks["hot-loop"] << ":\n" << hot.output;

    // The inlined function, listed on its own lines, and the caller on the
    // line of its call (the byte before the return address).
    CommandResult mix = run_command({"go", "tool", "pprof", "-sample_index=cpu", "-list", "^vp_lines_mix$",
                                     dir.file("profile.pb.gz")});
    auto mix_lines = listed_lines_with_samples(mix.output);
    EXPECT_TRUE(mix_lines.count(marks["mix-shift"]) || mix_lines.count(marks["mix-multiply"])) << mix.output;
    CommandResult caller = run_command({"go", "tool", "pprof", "-sample_index=cpu", "-list", "^vp_lines_caller$",
                                        dir.file("profile.pb.gz")});
    auto caller_lines = listed_lines_with_samples(caller.output);
    EXPECT_TRUE(caller_lines.count(marks["caller-call"])) << caller.output;
    // Every line with samples lies in the listed function's own body.
    for (const auto& [number, value] : hot_lines)
        EXPECT_TRUE(number >= marks["hot-start"] && number < marks["caller-start"])
            << "line " << number << " (" << value << ") is not vp_lines_hot's:\n" << hot.output;
}

// The user frames of a stored stack, root first (kernel frames follow them).
std::vector<const model::StackFrame*> user_frames(const model::StackSample& sample) {
    std::vector<const model::StackFrame*> frames;
    for (const model::StackFrame& frame : sample.frames)
        if (frame.module != "[kernel]") frames.push_back(&frame);
    return frames;
}

// Both unwinders: the CFI walk of the stack copies, and the kernel's
// frame-pointer walk (--unwind fp, also the fallback when the copy ring is
// full), which gives vDSO frames as bare addresses.
void expect_vdso_frames_named(const std::vector<std::string>& options) {
    TempDir dir;
    Recorded recorded = record_stacks(dir, {workload("vp_vdso_clock"), "400"}, options);
    ASSERT_EQ(recorded.result.exit_code, 0) << recorded.result.output;
    ASSERT_EQ(recorded.truth.size(), 1u);
    const TruthLine& truth = recorded.truth.front();
    // With a clock source the vDSO cannot read (hpet, acpi_pm), the vDSO
    // makes the system call, and the time is the kernel's.
    if (truth_u64(truth, "system_ns") > truth_u64(truth, "user_ns"))
        GTEST_SKIP() << "clock_gettime is a system call here (clock source "
                     << read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource")
                     << "): there is no time in the vDSO to name";
    auto pid = static_cast<std::int32_t>(truth_u64(truth, "pid"));

    // Inside the vDSO: a leaf that libc's clock_gettime called (libc's
    // name comes from libc's own symbol table, not from the vDSO's).
    std::uint64_t in_vdso = 0, named = 0, total = 0;
    std::map<std::string, std::uint64_t> leaves;
    for (const model::StackSample& sample : recorded.profile.samples) {
        if (sample.kind != model::SampleKind::Cpu || sample.pid != pid) continue;
        total += sample.count;
        auto frames = user_frames(sample);
        if (frames.size() < 2) continue;
        const model::StackFrame& caller = *frames[frames.size() - 2];
        const model::StackFrame& leaf = *frames.back();
        if (caller.name != "clock_gettime" || caller.module.rfind("libc.so", 0) != 0) continue;
        in_vdso += sample.count;
        leaves[leaf.name + " @ " + leaf.module] += sample.count;
        // vdso(7): the x86-64 vDSO exports __vdso_clock_gettime.
        if (leaf.module == "[vdso]" && leaf.name.rfind("__vdso_", 0) == 0) named += sample.count;
    }
    std::ostringstream seen;
    for (const auto& [leaf, count] : leaves) seen << "  " << count << " " << leaf << "\n";
    // 400 ms at 999 Hz, most of it in clock_gettime.
    ASSERT_GT(in_vdso, 100u) << in_vdso << " of " << total << " samples under libc's clock_gettime";
    EXPECT_GE(named * 10, in_vdso * 9) << named << " of " << in_vdso << " vDSO samples named:\n" << seen.str();

    // The same names in the exports (all formats name frames alike).
    CommandResult folded =
        run_command({validprof_binary(), "flamegraph", "--db", dir.file("profile.db"), "--format", "folded"});
    ASSERT_EQ(folded.exit_code, 0) << folded.output;
    EXPECT_NE(folded.output.find(";clock_gettime;__vdso_clock_gettime"), std::string::npos) << folded.output;
    EXPECT_EQ(folded.output.find("clock_gettime;[unknown]+0x"), std::string::npos) << folded.output;
}

TEST(StacksPrivileged, VdsoFramesCarryTheVdsoFunctionNames) {
    VALIDPROF_REQUIRE_BPF();
    expect_vdso_frames_named({});
}

TEST(StacksPrivileged, VdsoFramesOfFramePointerStacksCarryTheVdsoFunctionNames) {
    VALIDPROF_REQUIRE_BPF();
    expect_vdso_frames_named({"--unwind", "fp"});
}

}  // namespace
}  // namespace validprof::testing
