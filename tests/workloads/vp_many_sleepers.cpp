// A hook with many processes alive at once: vp_many_sleepers COUNT SECONDS.
// Forks COUNT children that each sleep SECONDS (from their own start), then
// waits for all of them, so COUNT + 1 processes are in one tree at the same
// time. The memory benchmark (tests/bench/bench_tracked_memory.cpp) runs it
// under `validprof record`. The root reports how many children it forked and
// how long forking them took: if that approaches SECONDS, the children were
// not all alive together.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    std::uint64_t start = monotonic_ns();
    int count = argc > 1 ? std::atoi(argv[1]) : 1000;
    double seconds = argc > 2 ? std::atof(argv[2]) : 3;
    int forked = 0;
    for (; forked < count; ++forked) {
        pid_t pid = fork();
        if (pid < 0) {
            std::fprintf(stderr, "vp_many_sleepers: fork %d of %d failed: %s\n", forked + 1, count, std::strerror(errno));
            break;
        }
        if (pid == 0) {
            sleep_ms(seconds * 1000);
            write_truth("role=sleeper");
            _exit(0);
        }
    }
    std::uint64_t all_forked = monotonic_ns();
    while (wait(nullptr) > 0) {
    }
    write_truth("role=root children=" + std::to_string(forked) +
                " fork_all_ns=" + std::to_string(all_forked - start) +
                " wall_ns=" + std::to_string(monotonic_ns() - start));
    return forked == count ? 0 : 1;
}
