#include "report/hook_summary.h"

#include <algorithm>
#include <numeric>

#include "report/exit_status.h"
#include "report/percentiles.h"

namespace validprof::report {

namespace {

HookSummary summarize_one(const std::string& hook,
                          const std::vector<const model::Invocation*>& invocations) {
    HookSummary s;
    s.hook = hook;
    s.count = invocations.size();

    std::vector<std::uint64_t> walls;
    model::SchedTimes complete_times;  // summed over complete invocations
    model::SchedTimes main_threads, other_threads;
    std::uint64_t other_thread_count = 0;
    std::uint64_t complete_processes = 0;
    std::uint64_t largest_rss_sum = 0;
    std::uint64_t gate_holds = 0;
    std::uint64_t gate_held_ns = 0;
    for (const model::Invocation* inv : invocations) {
        if (is_failure(inv->exit_code)) ++s.failed;
        for (const auto& [cpu, ns] : inv->times.on_cpu_ns_per_cpu) s.on_cpu_ns_per_cpu[cpu] += ns;
        if (!inv->complete) continue;
        ++s.complete;
        walls.push_back(inv->wall_ns());
        complete_times.add(inv->times);
        complete_processes += inv->processes.size();
        std::uint64_t largest_rss = 0;
        for (const model::ProcessRecord& process : inv->processes) largest_rss = std::max(largest_rss, process.peak_rss_bytes);
        largest_rss_sum += largest_rss;
        s.max_process_rss_bytes = std::max(s.max_process_rss_bytes, largest_rss);
        std::uint64_t held_ns = 0;
        for (const model::ProcessRecord& process : inv->processes) {
            gate_holds += process.gate_holds;
            held_ns += process.gate_held_ns;
        }
        gate_held_ns += held_ns;
        s.max_gate_held_ns = std::max(s.max_gate_held_ns, held_ns);
        for (const model::ProcessRecord& process : inv->processes)
            for (const model::ThreadRecord& thread : process.thread_records) {
                if (thread.tid == process.pid) {
                    main_threads.add(thread.times);
                } else {
                    other_threads.add(thread.times);
                    ++other_thread_count;
                }
            }
    }
    if (walls.empty()) return s;

    std::sort(walls.begin(), walls.end());
    s.p50_ns = percentile_nearest_rank(walls, 50);
    s.p90_ns = percentile_nearest_rank(walls, 90);
    s.p95_ns = percentile_nearest_rank(walls, 95);
    s.p99_ns = percentile_nearest_rank(walls, 99);
    s.max_ns = walls.back();
    s.min_ns = walls.front();

    // Integer sum and rounding division: exact, and a uint64 of nanoseconds
    // only overflows after 584 years of summed wall time.
    const std::uint64_t n = walls.size();
    const std::uint64_t wall_sum = std::accumulate(walls.begin(), walls.end(), std::uint64_t{0});
    s.mean_ns = (wall_sum + n / 2) / n;
    auto mean = [n](std::uint64_t total) {
        return static_cast<double>(total) / static_cast<double>(n);
    };
    s.mean_on_cpu_ns = mean(complete_times.on_cpu_ns);
    s.mean_run_queue_wait_ns = mean(complete_times.run_queue_wait_ns);
    s.mean_off_cpu_sleep_ns = mean(complete_times.off_cpu_sleep_ns);
    s.mean_off_cpu_blocked_ns = mean(complete_times.off_cpu_blocked_ns);
    s.mean_voluntary_switches = mean(complete_times.voluntary_switches);
    s.mean_involuntary_switches = mean(complete_times.involuntary_switches);
    s.mean_processes = mean(complete_processes);
    s.mean_largest_process_rss_bytes = mean(largest_rss_sum);
    s.mean_gate_holds = mean(gate_holds);
    s.mean_gate_held_ns = mean(gate_held_ns);
    auto mean_times = [n](const model::SchedTimes& total) {
        model::SchedTimes m;
        m.on_cpu_ns = (total.on_cpu_ns + n / 2) / n;
        m.run_queue_wait_ns = (total.run_queue_wait_ns + n / 2) / n;
        m.off_cpu_sleep_ns = (total.off_cpu_sleep_ns + n / 2) / n;
        m.off_cpu_blocked_ns = (total.off_cpu_blocked_ns + n / 2) / n;
        m.voluntary_switches = (total.voluntary_switches + n / 2) / n;
        m.involuntary_switches = (total.involuntary_switches + n / 2) / n;
        return m;
    };
    s.has_other_threads = other_thread_count > 0;
    s.mean_main_threads = mean_times(main_threads);
    s.mean_other_threads = mean_times(other_threads);
    s.mean_other_thread_count = mean(other_thread_count);
    return s;
}

}  // namespace

std::uint64_t HookSummary::total_on_cpu_ns() const {
    std::uint64_t total = 0;
    for (const auto& [cpu, ns] : on_cpu_ns_per_cpu) total += ns;
    return total;
}

std::vector<HookSummary> summarize(const std::vector<model::Invocation>& invocations) {
    // std::map keeps the hooks sorted by name.
    std::map<std::string, std::vector<const model::Invocation*>> by_hook;
    for (const auto& inv : invocations) by_hook[inv.hook].push_back(&inv);

    std::vector<HookSummary> out;
    out.reserve(by_hook.size());
    for (const auto& [hook, group] : by_hook) out.push_back(summarize_one(hook, group));
    return out;
}

std::vector<model::Invocation> filter_by_hook(const std::vector<model::Invocation>& invocations,
                                              const std::string& hook) {
    std::vector<model::Invocation> out;
    std::copy_if(invocations.begin(), invocations.end(), std::back_inserter(out),
                 [&](const model::Invocation& inv) { return inv.hook == hook; });
    return out;
}

}  // namespace validprof::report
