// What a test workload knows about itself, written where the privileged
// tests can compare it with what validprof measured: the workload's own
// clocks, and the kernel's own accounting of each process. One line per
// fact source, appended with a single write(2) so that concurrent processes
// never interleave; lines about the same pid are merged by the tests.
//
// The kernel's figures that a test compares with are final ones: a parent
// reads each child's /proc/PID/schedstat once the child is a zombie and has
// left the CPU for the last time (reap_with_truth), so everything the child
// cost, its exit path included, is in them. A process reading its own
// schedstat before exiting would leave its exit out (unmapping memory,
// closing files, notifying its parent: a millisecond for some processes).
#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cerrno>
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
    std::uint64_t on_cpu_ns = 0;          // first field: se.sum_exec_runtime
    std::uint64_t run_queue_wait_ns = 0;  // second field: sched_info.run_delay
    std::uint64_t timeslices = 0;         // third field: sched_info.pcount
    bool operator==(const SchedStat&) const = default;
};

inline bool read_schedstat(const char* path, SchedStat& stat) {
    FILE* file = std::fopen(path, "r");
    if (!file) return false;
    unsigned long long on_cpu = 0, wait = 0, slices = 0;
    bool ok = std::fscanf(file, "%llu %llu %llu", &on_cpu, &wait, &slices) == 3;
    std::fclose(file);
    if (ok) stat = {on_cpu, wait, slices};
    return ok;
}

// The calling thread's figures so far (for brackets around a window of its
// own: what it ran and waited between two reads).
inline SchedStat read_own_schedstat() {
    SchedStat stat;
    if (!read_schedstat("/proc/thread-self/schedstat", stat)) read_schedstat("/proc/self/schedstat", stat);
    return stat;
}

// Context switches of the calling thread so far (voluntary and not): each
// one splits what the thread is running into another stretch.
inline std::uint64_t own_context_switches() {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return static_cast<std::uint64_t>(usage.ru_nvcsw + usage.ru_nivcsw);
}

inline void append_truth_line(const char* line, std::size_t length) {
    const char* path = std::getenv("VALIDPROF_TRUTH");
    if (!path || !*path) return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    (void)!write(fd, line, length);
    close(fd);
}

// Appends "pid=P ppid=Q key=value ..." to $VALIDPROF_TRUTH (if set): what
// the process measured itself. Its final scheduler figures come from its
// parent (reap_with_truth).
inline void write_truth(const std::string& fields) {
    char line[1024];
    int length = std::snprintf(line, sizeof(line), "pid=%d ppid=%d %s\n", getpid(), getppid(), fields.c_str());
    if (length > 0) append_truth_line(line, std::min(static_cast<std::size_t>(length), sizeof(line) - 1));
}

// Whether a zombie's kernel stack is gone, which happens in the scheduler
// right after its final switch (finish_task_switch). /proc/PID/stack is
// empty then; it is also empty while the task runs on another CPU (the
// unwinder refuses), never while it waits in a run queue. Where the file
// cannot be read (no CAP_SYS_ADMIN, no CONFIG_STACKTRACE) this says yes and
// the caller relies on its other evidence.
inline bool kernel_stack_released(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof(path), "/proc/%d/stack", static_cast<int>(pid));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return true;
    char byte;
    ssize_t got = read(fd, &byte, 1);
    close(fd);
    return got <= 0;
}

// A zombie's schedstat once it has made its final switch. The parent is
// woken by exit_notify(), a few instructions before the child's last
// schedule(), and a child preempted in between still adds to its figures.
// Final means: unchanged across a 2 ms pause (the parent's sleep lets a
// child preempted on its CPU finish; a child switched in meanwhile would
// have counted one more timeslice) and the kernel stack released. `settled`
// is false if that never held within two seconds.
struct FinalSchedStat {
    SchedStat stat;
    bool settled = false;
    std::uint64_t settled_ns = 0;  // CLOCK_MONOTONIC when found final: after the child's last switch
};

inline FinalSchedStat read_final_schedstat(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof(path), "/proc/%d/schedstat", static_cast<int>(pid));
    FinalSchedStat final_stat;
    SchedStat previous;
    if (!read_schedstat(path, previous)) return final_stat;
    for (int attempt = 0; attempt < 1000; ++attempt) {
        timespec pause{0, 2'000'000};
        nanosleep(&pause, nullptr);
        SchedStat current;
        if (!read_schedstat(path, current)) return final_stat;
        if (current == previous && kernel_stack_released(pid)) return {current, true, monotonic_ns()};
        previous = current;
    }
    final_stat.stat = previous;
    return final_stat;
}

// Waits for a child (any child when `pid` is -1) to exit, writes the
// kernel's final figures for it when $VALIDPROF_TRUTH is set ("pid=C
// final=1 schedstat_on_cpu_ns=... settled=0|1 settled_ns=T status=S"),
// then reaps it. Returns the child's pid (or -1 when there is none) and its
// wait status in *status.
inline pid_t reap_with_truth(pid_t pid = -1, int* status = nullptr) {
    siginfo_t info{};
    while (waitid(pid == -1 ? P_ALL : P_PID, static_cast<id_t>(pid == -1 ? 0 : pid), &info, WEXITED | WNOWAIT) != 0)
        if (errno != EINTR) return -1;
    pid_t child = info.si_pid;
    const char* truth = std::getenv("VALIDPROF_TRUTH");
    bool wanted = truth && *truth;
    FinalSchedStat final_stat = wanted ? read_final_schedstat(child) : FinalSchedStat{};
    int child_status = 0;
    while (waitpid(child, &child_status, 0) < 0 && errno == EINTR) {
    }
    if (status) *status = child_status;
    if (!wanted) return child;
    char line[256];
    int length = std::snprintf(line, sizeof(line),
                               "pid=%d final=1 schedstat_on_cpu_ns=%llu schedstat_wait_ns=%llu schedstat_slices=%llu "
                               "settled=%d settled_ns=%llu status=%d\n",
                               static_cast<int>(child), static_cast<unsigned long long>(final_stat.stat.on_cpu_ns),
                               static_cast<unsigned long long>(final_stat.stat.run_queue_wait_ns),
                               static_cast<unsigned long long>(final_stat.stat.timeslices), final_stat.settled ? 1 : 0,
                               static_cast<unsigned long long>(final_stat.settled_ns), child_status);
    if (length > 0) append_truth_line(line, static_cast<std::size_t>(length));
    return child;
}

// Reaps every child, each with its final figures.
inline void reap_all_with_truth() {
    while (reap_with_truth() > 0) {
    }
}

}  // namespace validprof::workloads
