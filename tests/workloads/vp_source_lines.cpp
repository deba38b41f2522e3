// A workload built with debug information (-g -O1), for source lines in the
// pprof export: vp_source_lines [CPU_MS]. Spends CPU_MS of CPU time
// (default 300) in vp_lines_hot, whose loop body is vp_lines_mix inlined
// into it, called from vp_lines_caller. The tests find the lines they
// expect by the "vp-line:" marks below, not by line numbers written into
// them, so this file can change.
#include <unistd.h>

#include <cstdlib>

#include "workload_truth.h"

using namespace validprof::workloads;

extern "C" {

__attribute__((always_inline)) static inline std::uint64_t vp_lines_mix(std::uint64_t state) {  // vp-line: mix-start
    state ^= state >> 29;                                                  // vp-line: mix-shift
    return state * 6364136223846793005ull + 1442695040888963407ull;        // vp-line: mix-multiply
}

__attribute__((noinline)) std::uint64_t vp_lines_hot(std::uint64_t seed) {  // vp-line: hot-start
    std::uint64_t state = seed;
    for (int i = 0; i < 20000; ++i) state = vp_lines_mix(state);  // vp-line: hot-loop
    return state;
}

__attribute__((noinline)) std::uint64_t vp_lines_caller(std::uint64_t seed) {  // vp-line: caller-start
    std::uint64_t result = vp_lines_hot(seed);                                // vp-line: caller-call
    asm volatile("" ::: "memory");  // keeps the call from becoming a jump
    return result;
}

}  // extern "C"

int main(int argc, char** argv) {
    double cpu_ms = argc > 1 ? std::atof(argv[1]) : 300;
    std::uint64_t start = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
    std::uint64_t until = start + static_cast<std::uint64_t>(cpu_ms * 1e6);
    std::uint64_t state = 1;
    while (clock_now_ns(CLOCK_THREAD_CPUTIME_ID) < until) state = vp_lines_caller(state);
    write_truth("pid=" + std::to_string(getpid()) + " state=" + std::to_string(state & 0xff) +
                " cpu_ns=" + std::to_string(clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - start));
    return 0;
}
