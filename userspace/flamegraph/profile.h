// The input of every flame graph exporter: an already symbolized stack
// profile held in memory. Collection (BPF) and symbolization produce it; the
// exporters in this folder only read it.
//
// Frames and stacks are interned, as the kernel's stack map and the profile
// database hold them: a sample names a stack by id, a stack is a list of
// frame ids. A million samples over thirty frames would otherwise be thirty
// million strings, and every exporter would hash them again; interned, an
// exporter works on a few thousand frames and a few ten thousand stacks
// however many samples there are.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace validprof::flamegraph {

enum class SampleKind : std::uint8_t {
    kCpu,     // sampled while running (perf_event cpu-clock)
    kOffCpu,  // time between leaving the CPU at sched_switch and running again
};

// Why an off-CPU task was not running; kUnknown for on-CPU samples.
enum class OffCpuState : std::uint8_t {
    kUnknown,
    kSleeping,  // left in TASK_INTERRUPTIBLE (S): waiting for an event, a timer, a child
    kBlocked,   // left in TASK_UNINTERRUPTIBLE (D): mostly disk I/O
};

// One function of a frame's inline chain, from the object's DWARF
// (pprof's Line and Function): only the pprof export reads them.
struct SourceLine {
    std::string function;            // an inlined function's name; empty: the frame's own name
    std::string file;                // the function's source file
    std::int64_t function_line = 0;  // where the function starts; 0: unknown
    std::int64_t line = 0;           // the line executing in it; 0: unknown
};

struct Frame {
    // Symbolized and demangled ("git_config_get_value", "std::vector<int>::push_back",
    // "schedule"), or "module+0xoffset" when no symbol covers the address:
    // a frame is never dropped for lacking a name.
    std::string name;
    // Path of the object the address belongs to ("/usr/bin/git", a perf map's
    // "/tmp/perf-123.map"), "[kernel]" for kernel frames, "" if unknown.
    std::string module;
    bool kernel = false;
    // For pprof's locations and mappings: the file offset of a user frame
    // in `module` (the virtual address of a JIT or kernel frame), and the
    // object's GNU build-id (hex); 0 and empty when unknown.
    std::uint64_t address = 0;
    std::string build_id{};
    // Innermost first, as pprof lists a location's lines; empty when not
    // looked up (add_source_lines) or unknown. Not part of the frame's
    // identity: one (object, address) has one chain.
    std::vector<SourceLine> lines{};
};

using FrameId = std::uint32_t;  // index into Profile::frames
using StackId = std::uint32_t;  // index into Profile::stacks

struct StackSample {
    StackId stack = 0;
    SampleKind kind = SampleKind::kCpu;
    OffCpuState state = OffCpuState::kUnknown;
    // cpu: samples taken in this stack. off-cpu: times the task left the CPU
    // in this stack (informational; the weight is the time).
    std::uint64_t count = 0;
    // off-cpu: total time off the CPU, nanoseconds. Ignored for cpu samples,
    // whose time is count × Profile::sample_period_ns.
    std::uint64_t weight_ns = 0;
    std::string hook;                // rule name of the invocation
    std::int64_t invocation_id = 0;  // database id of the invocation; 0: none (outside invocations)
    std::int32_t pid = 0;            // process (tgid) the stack was taken in
    std::string process;             // its comm
};

struct Profile {
    std::vector<Frame> frames;
    std::vector<std::vector<FrameId>> stacks;  // each root first (outermost) → leaf last
    std::vector<StackSample> samples;          // any order; several may share a stack
    // Interval between two cpu samples of one task, nanoseconds: 1e9 / --freq.
    // 0 when nothing was sampled on-CPU; then only the off-cpu view and the
    // cpu view in sample counts can be exported.
    std::uint64_t sample_period_ns = 0;
    // Invocations of each hook the profile covers, including those that left
    // no sample (a fast run is still a run). Divides a diff's values so two
    // sessions with a different number of runs compare per run.
    std::map<std::string, std::uint64_t> invocations_per_hook;
    std::string name;                 // shown in titles, e.g. "session 12"
    std::int64_t start_unix_ns = 0;   // 0 when unknown (pprof time_nanos)
    std::uint64_t duration_ns = 0;    // 0 when unknown (pprof duration_nanos)
};

// Checks what the exporters rely on: every sample's stack id and every
// stack's frame ids in range. An exporter given a broken profile returns
// this error rather than reading out of bounds.
common::Result<void> validate(const Profile& profile);

// Fills the source lines of every frame with an object (build-id) and an
// address, asking `lookup` once per frame. A frame that some stack shows
// calling another holds a return address (`return_address` true: its line
// is the call's, just before it); a leaf holds the sampled instruction.
// A user leaf sampled in a system call (kernel frames after it) is a
// return address too, after the syscall instruction.
using SourceLookup = std::function<std::vector<SourceLine>(const Frame& frame, bool return_address)>;
void add_source_lines(Profile& profile, const SourceLookup& lookup);

// Interns frames and stacks while a profile is assembled (by the symbolizer,
// tests and the benchmark): equal frames and equal stacks get one id.
class ProfileBuilder {
public:
    explicit ProfileBuilder(std::uint64_t sample_period_ns = 0);

    FrameId frame(std::string_view name, std::string_view module = {}, bool kernel = false, std::uint64_t address = 0,
                  std::string_view build_id = {});
    StackId stack(std::span<const FrameId> root_first);
    StackId stack(const std::vector<Frame>& root_first);

    // Adds a sample; `sample.stack` must come from stack() above.
    void add(StackSample sample);
    // Adds a sample over the given frames (interned on the way).
    void add(const std::vector<Frame>& root_first, StackSample sample);

    void set_invocations(const std::string& hook, std::uint64_t count);

    Profile& profile() { return profile_; }
    Profile take() { return std::move(profile_); }

private:
    struct StackHash {
        std::size_t operator()(const std::vector<FrameId>& stack) const;
    };

    Profile profile_;
    std::unordered_map<std::string, FrameId> frame_ids_;
    std::unordered_map<std::vector<FrameId>, StackId, StackHash> stack_ids_;
};

}  // namespace validprof::flamegraph
