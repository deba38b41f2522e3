// A workload with known stacks: vp_named_functions [SLEEP_MS].
// Spends CPU in two named functions in a 3:1 proportion (by CPU time, not
// wall time), then sleeps inside a third named function, then spends a
// moment in a system call loop (kernel frames). It reports, by its own
// clocks: each burning function's CPU time (three_cpu_ns, one_cpu_ns) and
// the stretches it ran in (calls plus context switches during them:
// three_stretches, one_stretches); the sleep's window (sleep_ns) with the
// CPU and run-queue wait inside it (sleep_window_cpu_ns,
// sleep_window_wait_ns).
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "workload_truth.h"

using namespace validprof::workloads;

namespace {

// A fixed amount of arithmetic, no calls: every sample taken while it runs
// has its caller's frame (a system call inside, such as reading a CPU
// clock, would be unwound from libc's frame-pointer-less wrapper, which
// skips the caller).
__attribute__((always_inline)) inline void spin(std::uint64_t iterations) {
    volatile std::uint64_t state = 88172645463325252ull;
    for (std::uint64_t i = 0; i < iterations; ++i) state = state * 6364136223846793005ull + 1442695040888963407ull;
}

}  // namespace

extern "C" {

__attribute__((noinline)) void vp_burn_three_parts(std::uint64_t iterations) { spin(iterations); }
__attribute__((noinline)) void vp_burn_one_part(std::uint64_t iterations) { spin(iterations); }
__attribute__((noinline)) void vp_calibrate(std::uint64_t iterations) { spin(iterations); }
// The system call is issued from this function itself: libc is built
// without frame pointers, and unwinding through its nanosleep wrapper would
// skip this frame.
__attribute__((noinline)) void vp_sleep_in_named_function(double ms) {
    timespec duration{static_cast<time_t>(ms / 1000), static_cast<long>(static_cast<std::uint64_t>(ms * 1e6) % 1'000'000'000ull)};
#if defined(__x86_64__)
    long result;
    asm volatile("syscall" : "=a"(result) : "a"(SYS_nanosleep), "D"(&duration), "S"(nullptr) : "rcx", "r11", "memory");
    (void)result;
#else
    nanosleep(&duration, nullptr);
#endif
}

// Reads /dev/zero in small chunks: almost all of the time is in the kernel.
__attribute__((noinline)) void vp_read_dev_zero(double ms) {
    int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    static char buffer[1 << 16];
    std::uint64_t until = clock_now_ns(CLOCK_THREAD_CPUTIME_ID) + static_cast<std::uint64_t>(ms * 1e6);
    while (clock_now_ns(CLOCK_THREAD_CPUTIME_ID) < until) (void)!read(fd, buffer, sizeof(buffer));
    close(fd);
}
}

namespace {

struct Burnt {
    std::uint64_t cpu_ns = 0;
    std::uint64_t stretches = 0;
};

void measured(Burnt& into, void (*function)(std::uint64_t), std::uint64_t iterations) {
    std::uint64_t switches = own_context_switches();
    std::uint64_t cpu = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
    function(iterations);
    into.cpu_ns += clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu;
    into.stretches += 1 + (own_context_switches() - switches);
}

}  // namespace

int main(int argc, char** argv) {
    double sleep_for_ms = argc > 1 ? std::atof(argv[1]) : 50;
    // In few long slices: every slice boundary is a sample that may land on
    // either side.
    // Iterations for 20 ms of CPU on this machine, about.
    constexpr std::uint64_t kCalibration = 5'000'000;
    std::uint64_t cpu = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
    vp_calibrate(kCalibration);
    std::uint64_t per_ms = kCalibration * 1'000'000 / std::max<std::uint64_t>(clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu, 1);
    Burnt three, one;
    for (int slice = 0; slice < 5; ++slice) {
        measured(three, vp_burn_three_parts, 60 * per_ms);
        measured(one, vp_burn_one_part, 20 * per_ms);
    }
    SchedStat wait_before = read_own_schedstat();
    std::uint64_t cpu_before = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
    std::uint64_t before = monotonic_ns();
    vp_sleep_in_named_function(sleep_for_ms);
    std::uint64_t slept = monotonic_ns() - before;
    std::uint64_t sleep_cpu = clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_before;
    std::uint64_t sleep_wait = read_own_schedstat().run_queue_wait_ns - wait_before.run_queue_wait_ns;
    vp_read_dev_zero(100);
    write_truth("sleep_ns=" + std::to_string(slept) + " sleep_window_cpu_ns=" + std::to_string(sleep_cpu) +
                " sleep_window_wait_ns=" + std::to_string(sleep_wait) + " three_cpu_ns=" + std::to_string(three.cpu_ns) +
                " three_stretches=" + std::to_string(three.stretches) + " one_cpu_ns=" + std::to_string(one.cpu_ns) +
                " one_stretches=" + std::to_string(one.stretches));
    return 0;
}
