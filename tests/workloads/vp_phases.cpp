// A workload with USDT phase pairs: vp_phases REPEAT. Each round burns
// ~10 ms of CPU inside work_start/work_end and sleeps ~20 ms inside
// nap_start/nap_end; a point probe (not a pair) fires once. It reports the
// phases' durations and CPU times by its own clocks.
#include <sys/sdt.h>

#include <cstdlib>
#include <string>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
    std::uint64_t work_wall = 0, work_cpu = 0, nap_wall = 0;
    DTRACE_PROBE1(vptest, hello, rounds);
    for (int round = 0; round < rounds; ++round) {
        std::uint64_t cpu_before = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
        std::uint64_t before = monotonic_ns();
        DTRACE_PROBE1(vptest, work_start, round);
        burn_cpu_ms(10);
        DTRACE_PROBE1(vptest, work_end, round);
        work_wall += monotonic_ns() - before;
        work_cpu += clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_before;

        before = monotonic_ns();
        DTRACE_PROBE1(vptest, nap_begin, round);
        sleep_ms(20);
        DTRACE_PROBE1(vptest, nap_end, round);
        nap_wall += monotonic_ns() - before;
    }
    write_truth("rounds=" + std::to_string(rounds) + " work_wall_ns=" + std::to_string(work_wall) +
                " work_cpu_ns=" + std::to_string(work_cpu) + " nap_wall_ns=" + std::to_string(nap_wall));
    return 0;
}
