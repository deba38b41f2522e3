// A CPU-bound hook: vp_cpu_hog CPU_MS [EXIT_CODE]. Several at once on fewer
// cores make run-queue wait that /proc/self/schedstat also sees.
#include <cstdlib>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    std::uint64_t start = monotonic_ns();
    burn_cpu_ms(argc > 1 ? std::atof(argv[1]) : 100);
    write_truth("wall_ns=" + std::to_string(monotonic_ns() - start));
    return argc > 2 ? std::atoi(argv[2]) : 0;
}
