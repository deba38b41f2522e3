// Stack profiles as collected (raw, from the kernel's maps) and as
// symbolized (names, ready to store and export). Frames are ordered root
// (outermost) first, leaf last — the order flame graphs draw them in.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/stack_sample.h"

namespace validprof::stacks {

using model::SampleKind;

// The most user frames one stack keeps (the kernel's PERF_MAX_STACK_DEPTH,
// and the CFI unwinder's bound): a stack this deep lost its root.
constexpr std::size_t kMaxUserFrames = 127;

// One user frame as the kernel recorded it: build-id + file offset when it
// could tie the address to a file, the raw address otherwise.
struct UserFrame {
    bool has_build_id = false;
    std::array<unsigned char, 20> build_id{};
    std::uint64_t offset_or_ip = 0;  // file offset if has_build_id, else the virtual address
    auto operator<=>(const UserFrame&) const = default;
};

struct RawStack {
    std::int32_t pid = 0;
    std::uint32_t uid = 0;
    SampleKind kind = SampleKind::Cpu;
    std::uint64_t count = 0;     // samples, or off-CPU episodes
    std::uint64_t total_ns = 0;  // off-CPU time (0 for CPU samples)
    std::vector<UserFrame> user_frames;        // leaf first, as the kernel gives them
    std::vector<std::uint64_t> kernel_frames;  // leaf first
    bool user_stack_lost = false;              // the kernel could not capture it
    bool kernel_stack_lost = false;            // the kernel could not capture its own frames
    std::uint32_t phase = 0;                   // USDT phase id + 1 the sample was taken in; 0: none
    // Why the user stack ends before its root, when the walk knew: e.g.
    // "loop", "stack copy ended" (see Symbolizer); empty when it did not.
    std::string truncated;
};

using Frame = model::StackFrame;
using SymbolizedStack = model::StackSample;

const char* to_string(SampleKind kind);

}  // namespace validprof::stacks
