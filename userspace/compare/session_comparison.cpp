#include "compare/session_comparison.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "report/process_owners.h"
#include "report/sql_normalize.h"

namespace validprof::compare {
namespace {

// One session's per-invocation figures for one hook, each vector parallel
// to `invocations` (complete invocations of the hook, in stored order).
struct HookSamples {
    std::vector<const model::Invocation*> invocations;
    std::vector<double> wall_ns;
    std::vector<double> on_cpu_ns;
    std::map<std::uint32_t, std::vector<double>> on_cpu_per_core;
    // (provider, phase) -> durations of every execution; and executions per invocation.
    std::map<std::pair<std::string, std::string>, std::vector<double>> phase_durations;
    std::map<std::pair<std::string, std::string>, std::vector<double>> phase_counts;
    std::map<std::string, std::vector<double>> statement_counts;
    std::map<std::string, std::vector<double>> statement_time_ns;
    std::vector<double> fsyncs;
    std::vector<double> fsync_ns;
};

// Per-key vectors get a zero for every invocation the key never touched.
template <typename Key>
std::vector<double>& per_invocation(std::map<Key, std::vector<double>>& table, const Key& key, std::size_t size) {
    auto [entry, inserted] = table.try_emplace(key);
    if (inserted) entry->second.assign(size, 0.0);
    return entry->second;
}

HookSamples collect(const SessionSample& session, const std::string& hook) {
    HookSamples samples;
    std::unordered_map<const model::Invocation*, std::size_t> index;
    for (const model::Invocation& invocation : session.invocations) {
        if (invocation.hook != hook || !invocation.complete) continue;
        index[&invocation] = samples.invocations.size();
        samples.invocations.push_back(&invocation);
        samples.wall_ns.push_back(static_cast<double>(invocation.wall_ns()));
        samples.on_cpu_ns.push_back(static_cast<double>(invocation.times.on_cpu_ns));
    }
    const std::size_t n = samples.invocations.size();
    for (std::size_t i = 0; i < n; ++i)
        for (const auto& [cpu, ns] : samples.invocations[i]->times.on_cpu_ns_per_cpu)
            per_invocation(samples.on_cpu_per_core, cpu, n)[i] += static_cast<double>(ns);
    samples.fsyncs.assign(n, 0.0);
    samples.fsync_ns.assign(n, 0.0);

    const report::ProcessOwners owners(session.invocations);
    auto slot_of = [&](const model::Invocation* owner) -> std::optional<std::size_t> {
        if (owner == nullptr) return std::nullopt;
        auto found = index.find(owner);
        if (found == index.end()) return std::nullopt;
        return found->second;
    };
    for (const model::PhaseExecution& phase : session.phases) {
        auto slot = slot_of(owners.at(phase.pid, phase.start_ns));
        if (!slot) continue;
        const std::pair<std::string, std::string> key{phase.provider, phase.phase};
        samples.phase_durations[key].push_back(static_cast<double>(phase.duration_ns()));
        per_invocation(samples.phase_counts, key, n)[*slot] += 1;
    }
    if (session.sqlite) {
        for (const model::StatementExecution& statement : session.sqlite->statements) {
            auto slot = slot_of(owners.at(statement.pid, statement.start_ns));
            if (!slot) continue;
            const std::string sql = report::normalize_sql(statement.sql);
            per_invocation(samples.statement_counts, sql, n)[*slot] += 1;
            per_invocation(samples.statement_time_ns, sql, n)[*slot] += static_cast<double>(statement.duration_ns());
        }
        for (const model::DatabaseFileActivity& file : session.sqlite->files) {
            auto slot = slot_of(owners.first(file.pid));
            if (!slot) continue;
            samples.fsyncs[*slot] += static_cast<double>(file.syncs);
            samples.fsync_ns[*slot] += static_cast<double>(file.sync_ns);
        }
    }
    return samples;
}

template <typename Key>
const std::vector<double>& or_zeros(const std::map<Key, std::vector<double>>& table, const Key& key,
                                    std::vector<double>& zeros, std::size_t size) {
    auto found = table.find(key);
    if (found != table.end()) return found->second;
    zeros.assign(size, 0.0);
    return zeros;
}

template <typename Key>
std::set<Key> keys_of(const std::map<Key, std::vector<double>>& a, const std::map<Key, std::vector<double>>& b) {
    std::set<Key> keys;
    for (const auto& [key, values] : a) keys.insert(key);
    for (const auto& [key, values] : b) keys.insert(key);
    return keys;
}

HookComparison compare_hook(const std::string& hook, const SessionSample& base_session,
                            const SessionSample& candidate_session, const ComparisonRequest& request) {
    const HookSamples base = collect(base_session, hook);
    const HookSamples candidate = collect(candidate_session, hook);
    const BootstrapOptions& options = request.options;
    const std::size_t nb = base.invocations.size();
    const std::size_t nc = candidate.invocations.size();

    HookComparison result;
    result.hook = hook;
    result.base_invocations = nb;
    result.candidate_invocations = nc;
    const std::string prefix = hook + " ";
    for (double percent : {50.0, 95.0, 99.0})
        result.wall.push_back(
            compare_samples(prefix + "wall", base.wall_ns, candidate.wall_ns, Statistic::percentile(percent), options));
    result.on_cpu = compare_samples(prefix + "on-cpu", base.on_cpu_ns, candidate.on_cpu_ns, Statistic::mean(), options);

    std::vector<double> zeros_base;
    std::vector<double> zeros_candidate;
    for (std::uint32_t cpu : keys_of(base.on_cpu_per_core, candidate.on_cpu_per_core)) {
        result.cores.push_back(
            {cpu, compare_samples(prefix + "on-cpu cpu" + std::to_string(cpu),
                                  or_zeros(base.on_cpu_per_core, cpu, zeros_base, nb),
                                  or_zeros(candidate.on_cpu_per_core, cpu, zeros_candidate, nc), Statistic::mean(),
                                  options)});
    }

    const std::vector<double> none;
    for (const auto& key : keys_of(base.phase_counts, candidate.phase_counts)) {
        const std::string name = prefix + "phase " + key.first + ":" + key.second;
        auto durations = [&](const HookSamples& s) -> const std::vector<double>& {
            auto found = s.phase_durations.find(key);
            return found == s.phase_durations.end() ? none : found->second;
        };
        PhaseChange phase;
        phase.provider = key.first;
        phase.phase = key.second;
        phase.duration = compare_samples(name, durations(base), durations(candidate), Statistic::percentile(50), options);
        phase.executions = compare_samples(name + " count", or_zeros(base.phase_counts, key, zeros_base, nb),
                                           or_zeros(candidate.phase_counts, key, zeros_candidate, nc),
                                           Statistic::mean(), options);
        result.phases.push_back(std::move(phase));
    }

    result.sql_compared = base_session.sqlite.has_value() && candidate_session.sqlite.has_value();
    if (result.sql_compared) {
        for (const std::string& sql : keys_of(base.statement_counts, candidate.statement_counts)) {
            StatementChange statement;
            statement.sql = sql;
            const std::string name = prefix + "sql " + sql;
            statement.executions = compare_samples(name + " count", or_zeros(base.statement_counts, sql, zeros_base, nb),
                                                   or_zeros(candidate.statement_counts, sql, zeros_candidate, nc),
                                                   Statistic::mean(), options);
            statement.time = compare_samples(name, or_zeros(base.statement_time_ns, sql, zeros_base, nb),
                                             or_zeros(candidate.statement_time_ns, sql, zeros_candidate, nc),
                                             Statistic::mean(), options);
            result.statements.push_back(std::move(statement));
        }
        std::stable_sort(result.statements.begin(), result.statements.end(),
                         [](const StatementChange& a, const StatementChange& b) {
                             return std::max(a.time.base, a.time.candidate) > std::max(b.time.base, b.time.candidate);
                         });
        if (request.top_statements != 0 && result.statements.size() > request.top_statements) {
            result.statements_omitted = result.statements.size() - request.top_statements;
            result.statements.resize(request.top_statements);
        }
        result.fsyncs = compare_samples(prefix + "fsyncs", base.fsyncs, candidate.fsyncs, Statistic::mean(), options);
        result.fsync_time =
            compare_samples(prefix + "fsync time", base.fsync_ns, candidate.fsync_ns, Statistic::mean(), options);
    }
    return result;
}

}  // namespace

std::vector<double> wall_samples(const std::vector<model::Invocation>& invocations, const std::string& hook) {
    std::vector<double> walls;
    for (const model::Invocation& invocation : invocations)
        if (invocation.hook == hook && invocation.complete) walls.push_back(static_cast<double>(invocation.wall_ns()));
    return walls;
}

Comparison compare_sessions(const SessionSample& base, const SessionSample& candidate,
                            const ComparisonRequest& request) {
    Comparison comparison;
    comparison.base_session = base.session_id;
    comparison.candidate_session = candidate.session_id;
    comparison.options = request.options;
    std::set<std::string> hooks;
    for (const SessionSample* session : {&base, &candidate})
        for (const model::Invocation& invocation : session->invocations) hooks.insert(invocation.hook);
    if (request.hook) hooks = {*request.hook};
    for (const std::string& hook : hooks) comparison.hooks.push_back(compare_hook(hook, base, candidate, request));
    return comparison;
}

}  // namespace validprof::compare
