// Per-hook statistics over stored invocations: how long a hook takes (exact
// percentiles of wall time) and where that time went (means of the
// scheduler breakdown), plus how much CPU each core gave it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/invocation.h"

namespace validprof::report {

// Which invocations feed which numbers, and why:
// - count, complete, failed: every invocation of the hook.
// - wall-time percentiles, min/max/mean and the mean breakdown: complete
//   invocations only. An incomplete one (a descendant still alive when the
//   recorder stopped, or the recorder died) has a truncated wall time and
//   truncated scheduler times; mixing those in would pull every percentile
//   down. All of these are 0 when no invocation completed.
// - on_cpu_ns_per_cpu: every invocation, because CPU time an unfinished
//   hook consumed was consumed all the same.
struct HookSummary {
    std::string hook;
    std::size_t count = 0;     // invocations of this hook
    std::size_t complete = 0;  // root and all descendants exited while observed
    std::size_t failed = 0;    // root wait status != 0 (non-zero exit or signal)

    // Wall time (root exec to last descendant exit), nanoseconds, exact
    // nearest-rank over the complete invocations (see percentiles.h).
    std::uint64_t p50_ns = 0;
    std::uint64_t p90_ns = 0;
    std::uint64_t p95_ns = 0;
    std::uint64_t p99_ns = 0;
    std::uint64_t max_ns = 0;
    std::uint64_t min_ns = 0;
    std::uint64_t mean_ns = 0;  // rounded to the nearest nanosecond

    // Mean per complete invocation, summed over all its processes' threads.
    // Threads run concurrently, so these need not add up to the wall time.
    double mean_on_cpu_ns = 0;
    double mean_run_queue_wait_ns = 0;
    double mean_off_cpu_sleep_ns = 0;
    double mean_off_cpu_blocked_ns = 0;  // uninterruptible (D): mostly I/O
    double mean_voluntary_switches = 0;
    double mean_involuntary_switches = 0;
    double mean_processes = 0;  // root included

    // The same split by thread: each process's main thread (tid == pid)
    // against its other threads, so that idle workers sleeping through a
    // run (a Node process has a dozen) do not read as the hook's time.
    // Means per complete invocation; zero when no thread records exist.
    bool has_other_threads = false;
    model::SchedTimes mean_main_threads;   // rounded to whole nanoseconds
    model::SchedTimes mean_other_threads;
    double mean_other_thread_count = 0;

    // Memory over complete invocations: each one's largest peak resident
    // set among its processes (the kernel's maxrss at each exit), then the
    // mean and the maximum of those. Processes of a tree overlap in time,
    // so the tree's true peak lies between its largest process and their
    // sum. 0 when no process exit carried it.
    double mean_largest_process_rss_bytes = 0;
    std::uint64_t max_process_rss_bytes = 0;

    // validprof's own cost (--usdt, --sql): processes its gate held while
    // it inspected a file, per complete invocation: the mean number of
    // holds, their mean total time and the largest total.
    double mean_gate_holds = 0;
    double mean_gate_held_ns = 0;
    std::uint64_t max_gate_held_ns = 0;

    // Total on-CPU nanoseconds per CPU id over all invocations of the hook;
    // only CPUs the hook ran on appear.
    std::map<std::uint32_t, std::uint64_t> on_cpu_ns_per_cpu;

    std::size_t incomplete() const { return count - complete; }
    std::uint64_t total_on_cpu_ns() const;
};

// One summary per hook name, sorted by hook name. Input order does not
// matter.
std::vector<HookSummary> summarize(const std::vector<model::Invocation>& invocations);

// The invocations of one hook, in input order.
std::vector<model::Invocation> filter_by_hook(const std::vector<model::Invocation>& invocations,
                                              const std::string& hook);

}  // namespace validprof::report
