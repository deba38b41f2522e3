// A CPU-bound hook doing a fixed amount of work (not a fixed CPU time):
// vp_fixed_work MILLIONS. Whatever else the CPU does on its behalf, such as
// handling profiling interrupts, lengthens its wall time, which it reports.
#include <cstdlib>
#include <string>

#include "workload_truth.h"

using namespace validprof::workloads;

__attribute__((noinline)) std::uint64_t churn(std::uint64_t iterations) {
    volatile std::uint64_t state = 88172645463325252ull;
    for (std::uint64_t i = 0; i < iterations; ++i) state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state;
}

int main(int argc, char** argv) {
    std::uint64_t start = monotonic_ns();
    std::uint64_t millions = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100;
    churn(millions * 1'000'000ull);
    write_truth("wall_ns=" + std::to_string(monotonic_ns() - start));
    return 0;
}
