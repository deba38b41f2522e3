// A workload built without frame pointers (-O2 -fomit-frame-pointer, as
// Debian builds libc and most programs): vp_qsort_chain [CPU_MS].
// Spends CPU_MS of CPU time (default 300) in vp_hot, reached through
// libc's qsort() comparator and two levels of its own calls:
//   main → vp_sort_round → qsort (libc) → vp_compare → vp_level_one →
//   vp_level_two → vp_hot
// Nearly all of its CPU time is in vp_hot: each comparison spins for a few
// microseconds, against nanoseconds of qsort's own work. It reports its pid,
// the chain, and the CPU time it spent sorting.
#include <unistd.h>

#include <cstdlib>

#include "workload_truth.h"

using namespace validprof::workloads;

extern "C" {

__attribute__((noinline)) void vp_hot(int value) {
    volatile std::uint64_t state = static_cast<std::uint64_t>(value);
    for (int i = 0; i < 4000; ++i) state = state * 6364136223846793005ull + 1442695040888963407ull;
}

__attribute__((noinline)) void vp_level_two(int value) {
    vp_hot(value);
    asm volatile("" ::: "memory");  // keeps the call from becoming a jump
}

__attribute__((noinline)) void vp_level_one(int value) {
    vp_level_two(value ^ 1);
    asm volatile("" ::: "memory");
}

__attribute__((noinline)) int vp_compare(const void* a, const void* b) {
    int left = *static_cast<const int*>(a), right = *static_cast<const int*>(b);
    vp_level_one(left);
    return (left > right) - (left < right);
}

__attribute__((noinline)) void vp_sort_round(unsigned seed) {
    int numbers[256];
    for (int i = 0; i < 256; ++i) numbers[i] = static_cast<int>((seed + static_cast<unsigned>(i) * 2654435761u) % 1000);
    qsort(numbers, 256, sizeof(int), vp_compare);
    asm volatile("" ::: "memory");
}

}  // extern "C"

int main(int argc, char** argv) {
    double cpu_ms = argc > 1 ? std::atof(argv[1]) : 300;
    std::uint64_t start = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
    std::uint64_t until = start + static_cast<std::uint64_t>(cpu_ms * 1e6);
    unsigned rounds = 0;
    while (clock_now_ns(CLOCK_THREAD_CPUTIME_ID) < until) vp_sort_round(rounds++);
    write_truth("pid=" + std::to_string(getpid()) +
                " chain=main,vp_sort_round,qsort,vp_compare,vp_level_one,vp_level_two,vp_hot sort_cpu_ns=" +
                std::to_string(clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - start) + " rounds=" + std::to_string(rounds));
    return 0;
}
