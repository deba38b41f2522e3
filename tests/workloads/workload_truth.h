// What a test workload knows about itself, written where the privileged
// tests can compare it with what validprof measured: the workload's own
// clock and the kernel's own accounting (/proc/self/schedstat), read just
// before the process exits. One line per process, appended with a single
// write(2) so that concurrent processes never interleave.
#pragma once

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace validprof::workloads {

inline std::uint64_t clock_now_ns(clockid_t clock) {
    timespec now{};
    clock_gettime(clock, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(now.tv_nsec);
}

inline std::uint64_t monotonic_ns() { return clock_now_ns(CLOCK_MONOTONIC); }

// Spins until this thread has used `cpu_ms` of CPU time (not wall time),
// so the amount of CPU burnt does not depend on how busy the machine is.
inline void burn_cpu_ms(double cpu_ms, const char* tag = nullptr) {
    std::uint64_t until = clock_now_ns(CLOCK_THREAD_CPUTIME_ID) + static_cast<std::uint64_t>(cpu_ms * 1e6);
    volatile std::uint64_t sink = reinterpret_cast<std::uintptr_t>(tag);
    while (clock_now_ns(CLOCK_THREAD_CPUTIME_ID) < until)
        for (int i = 0; i < 20000; ++i) sink = sink * 6364136223846793005ull + 1442695040888963407ull;
}

inline void sleep_ms(double ms) {
    timespec duration{static_cast<time_t>(ms / 1000), static_cast<long>(static_cast<std::uint64_t>(ms * 1e6) % 1'000'000'000ull)};
    while (nanosleep(&duration, &duration) != 0) {
    }
}

struct SchedStat {
    std::uint64_t on_cpu_ns = 0;        // first field: sum_exec_runtime
    std::uint64_t run_queue_wait_ns = 0;  // second field: run_delay
    std::uint64_t timeslices = 0;
};

inline SchedStat read_own_schedstat() {
    SchedStat stat;
    FILE* file = std::fopen("/proc/thread-self/schedstat", "r");
    if (!file) file = std::fopen("/proc/self/schedstat", "r");
    if (!file) return stat;
    unsigned long long on_cpu = 0, wait = 0, slices = 0;
    if (std::fscanf(file, "%llu %llu %llu", &on_cpu, &wait, &slices) == 3) {
        stat.on_cpu_ns = on_cpu;
        stat.run_queue_wait_ns = wait;
        stat.timeslices = slices;
    }
    std::fclose(file);
    return stat;
}

// Appends "pid=P ppid=Q key=value ..." to $VALIDPROF_TRUTH (if set).
inline void write_truth(const std::string& fields) {
    const char* path = std::getenv("VALIDPROF_TRUTH");
    if (!path || !*path) return;
    SchedStat stat = read_own_schedstat();
    char line[1024];
    int length = std::snprintf(line, sizeof(line), "pid=%d ppid=%d schedstat_on_cpu_ns=%llu schedstat_wait_ns=%llu schedstat_slices=%llu %s\n",
                               getpid(), getppid(), static_cast<unsigned long long>(stat.on_cpu_ns),
                               static_cast<unsigned long long>(stat.run_queue_wait_ns), static_cast<unsigned long long>(stat.timeslices), fields.c_str());
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    (void)!write(fd, line, static_cast<std::size_t>(length));
    close(fd);
}

}  // namespace validprof::workloads
