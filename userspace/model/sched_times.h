// Scheduler time accounting shared by threads, processes and invocations.
// The BPF side accumulates these per thread (bpf/hook_trace.h,
// struct vp_thread_stats); userspace sums threads into processes and
// processes into invocations. All durations are nanoseconds.
#pragma once

#include <cstdint>
#include <map>

namespace validprof::model {

struct SchedTimes {
    std::uint64_t on_cpu_ns = 0;           // running on a CPU
    std::uint64_t run_queue_wait_ns = 0;   // runnable, waiting for a CPU
    std::uint64_t off_cpu_sleep_ns = 0;    // off CPU in an interruptible sleep (S)
    std::uint64_t off_cpu_blocked_ns = 0;  // off CPU uninterruptible (D), i.e. mostly I/O
    std::uint64_t voluntary_switches = 0;    // left the CPU to sleep or block
    std::uint64_t involuntary_switches = 0;  // preempted or yielded while runnable
    // On-CPU time per CPU id; only CPUs the task actually ran on appear.
    std::map<std::uint32_t, std::uint64_t> on_cpu_ns_per_cpu;

    void add(const SchedTimes& other) {
        on_cpu_ns += other.on_cpu_ns;
        run_queue_wait_ns += other.run_queue_wait_ns;
        off_cpu_sleep_ns += other.off_cpu_sleep_ns;
        off_cpu_blocked_ns += other.off_cpu_blocked_ns;
        voluntary_switches += other.voluntary_switches;
        involuntary_switches += other.involuntary_switches;
        for (const auto& [cpu, ns] : other.on_cpu_ns_per_cpu) on_cpu_ns_per_cpu[cpu] += ns;
    }

    bool operator==(const SchedTimes&) const = default;
};

}  // namespace validprof::model
