// A workload with USDT phase pairs: vp_phases REPEAT. Each round burns
// ~10 ms of CPU inside work_start/work_end and sleeps ~20 ms inside
// nap_begin/nap_end; a point probe (not a pair) fires once. It reports the
// phases' windows by its own clocks, read so that each window holds the
// probes: the monotonic clock outermost (work_wall_ns, nap_wall_ns), then
// the thread's CPU clock (work_cpu_ns, nap_cpu_ns) and, around the naps,
// its own run-queue wait (nap_wait_ns, work_wait_ns, read outside the
// monotonic window). work_stretches counts the
// uninterrupted stretches the work ran in (rounds plus context switches).
#include <sys/sdt.h>

#include <cstdlib>
#include <string>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
    std::uint64_t work_wall = 0, work_cpu = 0, nap_wall = 0, nap_cpu = 0, nap_wait = 0, work_stretches = 0, work_wait = 0;
    DTRACE_PROBE1(vptest, hello, rounds);
    for (int round = 0; round < rounds; ++round) {
        std::uint64_t switches = own_context_switches();
        SchedStat work_wait_before = read_own_schedstat();
        std::uint64_t before = monotonic_ns();
        std::uint64_t cpu_before = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
        DTRACE_PROBE1(vptest, work_start, round);
        burn_cpu_ms(10);
        DTRACE_PROBE1(vptest, work_end, round);
        work_cpu += clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_before;
        work_wall += monotonic_ns() - before;
        work_wait += read_own_schedstat().run_queue_wait_ns - work_wait_before.run_queue_wait_ns;
        work_stretches += 1 + (own_context_switches() - switches);

        SchedStat wait_before = read_own_schedstat();
        cpu_before = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
        before = monotonic_ns();
        DTRACE_PROBE1(vptest, nap_begin, round);
        sleep_ms(20);
        DTRACE_PROBE1(vptest, nap_end, round);
        nap_wall += monotonic_ns() - before;
        nap_cpu += clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_before;
        nap_wait += read_own_schedstat().run_queue_wait_ns - wait_before.run_queue_wait_ns;
    }
    write_truth("rounds=" + std::to_string(rounds) + " work_wall_ns=" + std::to_string(work_wall) +
                " work_cpu_ns=" + std::to_string(work_cpu) + " nap_wall_ns=" + std::to_string(nap_wall) +
                " nap_cpu_ns=" + std::to_string(nap_cpu) + " nap_wait_ns=" + std::to_string(nap_wait) +
                " work_stretches=" + std::to_string(work_stretches) + " work_wait_ns=" + std::to_string(work_wait));
    return 0;
}
