// A hook that burns CPU, then sleeps: vp_burn_sleep BURN_MS SLEEP_MS.
// Reports its own wall clock and CPU time, and around the sleep the window
// it measured (sleep_ns) with the CPU it ran (sleep_window_cpu_ns, its
// thread CPU clock) and the run-queue wait it had (sleep_window_wait_ns,
// its own schedstat) inside that window: whatever of the window was
// neither is time asleep.
#include <cstdlib>
#include <string>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    std::uint64_t start = monotonic_ns();
    double burn_ms = argc > 1 ? std::atof(argv[1]) : 40;
    double sleep_for_ms = argc > 2 ? std::atof(argv[2]) : 60;
    burn_cpu_ms(burn_ms);
    SchedStat wait_before = read_own_schedstat();
    std::uint64_t cpu_before = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
    std::uint64_t sleep_start = monotonic_ns();
    sleep_ms(sleep_for_ms);
    std::uint64_t end = monotonic_ns();
    std::uint64_t cpu_after = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
    SchedStat wait_after = read_own_schedstat();
    write_truth("wall_ns=" + std::to_string(end - start) + " sleep_ns=" + std::to_string(end - sleep_start) +
                " sleep_window_cpu_ns=" + std::to_string(cpu_after - cpu_before) +
                " sleep_window_wait_ns=" + std::to_string(wait_after.run_queue_wait_ns - wait_before.run_queue_wait_ns) +
                " cpu_ns=" + std::to_string(clock_now_ns(CLOCK_PROCESS_CPUTIME_ID)));
    return 0;
}
