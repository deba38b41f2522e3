#include "report/phase_summary.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <unordered_map>

#include "report/percentiles.h"
#include "report/process_owners.h"

namespace validprof::report {
bool is_validation_phase(const std::string& phase) { return phase != "hook" && phase != "db_write"; }

std::vector<std::string> attribute_phases(const std::vector<model::Invocation>& invocations,
                                          const std::vector<model::PhaseExecution>& phases) {
    const ProcessOwners owners(invocations);
    std::vector<std::string> hooks;
    hooks.reserve(phases.size());
    for (const model::PhaseExecution& phase : phases) {
        const model::Invocation* owner = owners.at(phase.pid, phase.start_ns);
        hooks.push_back(owner ? owner->hook : kOutsideInvocations);
    }
    return hooks;
}

PhaseReport summarize_phases(const std::vector<model::Invocation>& invocations,
                             const std::vector<model::PhaseExecution>& phases, std::uint64_t session_wall_ns) {
    PhaseReport report;
    report.cpu.session_wall_ns = session_wall_ns;
    std::map<std::string, std::uint64_t> wall_by_hook;
    for (const model::Invocation& invocation : invocations) {
        wall_by_hook[invocation.hook] += invocation.wall_ns();
        for (const auto& [cpu, ns] : invocation.times.on_cpu_ns_per_cpu) report.cpu.hooks_on_cpu_ns[cpu] += ns;
    }

    std::vector<std::string> hooks = attribute_phases(invocations, phases);
    // Group in first-appearance order per (hook, provider, phase).
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> index;
    std::vector<std::vector<std::uint64_t>> durations;
    for (std::size_t i = 0; i < phases.size(); ++i) {
        const model::PhaseExecution& phase = phases[i];
        auto key = std::make_tuple(hooks[i], phase.provider, phase.phase);
        auto [it, inserted] = index.emplace(key, report.phases.size());
        if (inserted) {
            PhaseSummary summary;
            summary.hook = hooks[i];
            summary.provider = phase.provider;
            summary.phase = phase.phase;
            report.phases.push_back(summary);
            durations.emplace_back();
        }
        PhaseSummary& summary = report.phases[it->second];
        summary.count += 1;
        summary.total_ns += phase.duration_ns();
        summary.on_cpu_ns += phase.on_cpu_ns;
        for (const auto& [cpu, ns] : phase.on_cpu_ns_per_cpu) summary.on_cpu_ns_per_cpu[cpu] += ns;
        durations[it->second].push_back(phase.duration_ns());
    }
    for (std::size_t i = 0; i < report.phases.size(); ++i) {
        std::vector<std::uint64_t>& values = durations[i];
        std::sort(values.begin(), values.end());
        PhaseSummary& summary = report.phases[i];
        summary.p50_ns = percentile_nearest_rank(values, 50);
        summary.p99_ns = percentile_nearest_rank(values, 99);
        summary.max_ns = values.back();
        std::uint64_t wall = wall_by_hook.count(summary.hook) ? wall_by_hook[summary.hook] : 0;
        summary.share_of_hook_wall_percent = wall ? 100.0 * static_cast<double>(summary.total_ns) / static_cast<double>(wall) : 0;
    }
    std::stable_sort(report.phases.begin(), report.phases.end(), [](const PhaseSummary& a, const PhaseSummary& b) {
        return std::tie(a.hook, a.provider) < std::tie(b.hook, b.provider);
    });

    // Validation CPU: outermost validation phases per thread.
    std::map<std::int32_t, std::vector<const model::PhaseExecution*>> by_thread;
    for (const model::PhaseExecution& phase : phases)
        if (is_validation_phase(phase.phase)) by_thread[phase.tid].push_back(&phase);
    for (auto& [tid, list] : by_thread) {
        std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
            return a->start_ns != b->start_ns ? a->start_ns < b->start_ns : a->end_ns > b->end_ns;
        });
        std::uint64_t covered_until = 0;
        for (const model::PhaseExecution* phase : list) {
            if (phase->end_ns <= covered_until) continue;  // nested in an outer phase
            covered_until = phase->end_ns;
            for (const auto& [cpu, ns] : phase->on_cpu_ns_per_cpu) report.cpu.validation_on_cpu_ns[cpu] += ns;
        }
    }
    return report;
}

}  // namespace validprof::report
