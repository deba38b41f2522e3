// Large synthetic profiles for the benchmark and the cross-format tests:
// call-tree shaped stacks (shared prefixes, 20-40 frames deep, names of
// C++-like length drawn from a few thousand frames, a skewed popularity) and
// samples spread over hooks and invocations like a real session. Every
// sample is its own entry with count 1 and invocations are interleaved at
// random: the worst case for merging (a real profile arrives grouped by
// invocation with counts already summed per stack). A stack belongs to one
// of four programs, chosen by the stack, since its frames come from one binary.
#pragma once

#include <cstddef>
#include <cstdint>

#include "flamegraph/profile.h"

namespace validprof::flamegraph::testing {

struct SyntheticOptions {
    std::size_t samples = 1'000'000;   // StackSample entries, count 1 each (the unmerged worst case)
    std::size_t frames = 3000;         // distinct frames
    std::size_t stacks = 20'000;       // distinct stacks
    std::size_t min_depth = 20;
    std::size_t max_depth = 40;
    std::size_t hooks = 5;
    std::size_t invocations = 1000;
    double off_cpu_share = 0.2;        // fraction of samples that are off-CPU
    std::uint64_t seed = 42;
};

Profile make_synthetic_profile(const SyntheticOptions& options);

}  // namespace validprof::flamegraph::testing
