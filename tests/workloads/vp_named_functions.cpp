// A workload with known stacks: vp_named_functions [SLEEP_MS].
// Spends CPU in two named functions in a 3:1 proportion (by CPU time, not
// wall time), then sleeps inside a third named function, then spends a
// moment in a system call loop (kernel frames).
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

#include "workload_truth.h"

using namespace validprof::workloads;

extern "C" {

__attribute__((noinline)) void vp_burn_three_parts(double ms) { burn_cpu_ms(ms, "three"); }
__attribute__((noinline)) void vp_burn_one_part(double ms) { burn_cpu_ms(ms, "one"); }
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

int main(int argc, char** argv) {
    double sleep_for_ms = argc > 1 ? std::atof(argv[1]) : 50;
    // Interleaved in slices so that both functions see the same machine.
    for (int slice = 0; slice < 20; ++slice) {
        vp_burn_three_parts(15);
        vp_burn_one_part(5);
    }
    std::uint64_t before = monotonic_ns();
    vp_sleep_in_named_function(sleep_for_ms);
    std::uint64_t slept = monotonic_ns() - before;
    vp_read_dev_zero(100);
    write_truth("sleep_ns=" + std::to_string(slept));
    return 0;
}
