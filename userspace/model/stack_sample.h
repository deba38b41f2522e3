// Symbolized stack samples of a session: what `validprof flamegraph`
// exports. Collected and symbolized by userspace/stacks, stored by
// userspace/storage. Frames are root (outermost) first, leaf last.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace validprof::model {

enum class SampleKind : std::uint32_t {
    Cpu = 0,             // cpu-clock samples while on CPU
    OffCpuSleeping = 1,  // off CPU after an interruptible sleep (S)
    OffCpuBlocked = 2,   // off CPU after an uninterruptible wait (D, mostly I/O)
};

struct StackFrame {
    std::string name;    // symbol (demangled), or "module+0xoffset" when it has no name
    std::string module;  // file basename, "[kernel]", "[jit]" or "[unknown]"
    // Where it came from, for formats that carry addresses (pprof): the
    // object's full path and GNU build-id (hex), and the address: the file
    // offset of a user frame in an object, the virtual address of a JIT or
    // kernel frame. Empty and 0 when unknown (synthetic frames).
    std::string path{};
    std::string build_id{};
    std::uint64_t address = 0;
    bool operator==(const StackFrame&) const = default;
};

struct StackSample {
    std::int32_t pid = 0;
    SampleKind kind = SampleKind::Cpu;
    std::uint64_t count = 0;      // samples, or off-CPU episodes
    std::uint64_t weight_ns = 0;  // CPU: count × sampling period; off-CPU: time until it ran again
    std::vector<StackFrame> frames;
    bool operator==(const StackSample&) const = default;
};

struct StackProfileSettings {
    std::uint32_t frequency_hz = 0;  // cpu-clock samples per second per CPU
    std::uint64_t offcpu_min_ns = 0;  // shorter off-CPU episodes were not recorded
    bool operator==(const StackProfileSettings&) const = default;
};

struct StackProfile {
    StackProfileSettings settings;
    std::vector<StackSample> samples;
};

}  // namespace validprof::model
