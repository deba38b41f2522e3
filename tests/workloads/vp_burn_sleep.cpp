// A hook that burns CPU, then sleeps: vp_burn_sleep BURN_MS SLEEP_MS.
// Reports its own wall clock, CPU time and sleep duration.
#include <cstdlib>
#include <string>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    std::uint64_t start = monotonic_ns();
    double burn_ms = argc > 1 ? std::atof(argv[1]) : 40;
    double sleep_for_ms = argc > 2 ? std::atof(argv[2]) : 60;
    burn_cpu_ms(burn_ms);
    std::uint64_t sleep_start = monotonic_ns();
    sleep_ms(sleep_for_ms);
    std::uint64_t end = monotonic_ns();
    write_truth("wall_ns=" + std::to_string(end - start) + " sleep_ns=" + std::to_string(end - sleep_start) +
                " cpu_ns=" + std::to_string(clock_now_ns(CLOCK_PROCESS_CPUTIME_ID)));
    return 0;
}
