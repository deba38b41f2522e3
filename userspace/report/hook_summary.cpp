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
    std::uint64_t complete_processes = 0;
    for (const model::Invocation* inv : invocations) {
        if (is_failure(inv->exit_code)) ++s.failed;
        for (const auto& [cpu, ns] : inv->times.on_cpu_ns_per_cpu) s.on_cpu_ns_per_cpu[cpu] += ns;
        if (!inv->complete) continue;
        ++s.complete;
        walls.push_back(inv->wall_ns());
        complete_times.add(inv->times);
        complete_processes += inv->processes.size();
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
