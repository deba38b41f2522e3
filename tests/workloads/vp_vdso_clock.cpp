// A workload that lives in the vDSO: vp_vdso_clock [WALL_MS]. Calls
// clock_gettime(CLOCK_MONOTONIC) in a tight loop for WALL_MS (default 300)
// of its own clock; with a clock source the vDSO reads itself (tsc,
// kvm-clock), nearly all of its CPU time is in the vDSO's
// __vdso_clock_gettime, none in the kernel. Reports its pid, the calls it
// made, and the CPU time it spent in the kernel (getrusage), which says
// whether the vDSO answered the calls or fell back to the system call.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    double wall_ms = argc > 1 ? std::atof(argv[1]) : 300;
    std::uint64_t start = monotonic_ns();
    std::uint64_t until = start + static_cast<std::uint64_t>(wall_ms * 1e6);
    std::uint64_t calls = 0;
    while (monotonic_ns() < until) ++calls;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::uint64_t system_ns = static_cast<std::uint64_t>(usage.ru_stime.tv_sec) * 1'000'000'000ull +
                              static_cast<std::uint64_t>(usage.ru_stime.tv_usec) * 1000ull;
    std::uint64_t user_ns = static_cast<std::uint64_t>(usage.ru_utime.tv_sec) * 1'000'000'000ull +
                            static_cast<std::uint64_t>(usage.ru_utime.tv_usec) * 1000ull;
    write_truth("pid=" + std::to_string(getpid()) + " calls=" + std::to_string(calls) +
                " user_ns=" + std::to_string(user_ns) + " system_ns=" + std::to_string(system_ns));
    return 0;
}
