#include "explain/critical_profile.h"

#include <algorithm>
#include <unordered_map>

namespace validprof::explain {
namespace {

const model::ProcessRecord* find_process(const model::Invocation& invocation, std::int32_t pid) {
    for (const model::ProcessRecord& process : invocation.processes)
        if (process.pid == pid) return &process;
    return nullptr;
}

bool runs(CauseKind kind) { return kind == CauseKind::Cpu; }

}  // namespace

std::vector<CriticalSample> critical_samples(const SessionData& session, const ExplainOptions& options) {
    // Each process's CPU stacks and their sample counts.
    std::unordered_map<std::int32_t, std::vector<const model::StackSample*>> stacks;
    std::unordered_map<std::int32_t, std::uint64_t> sampled;
    for (const model::StackSample& sample : session.cpu_samples) {
        if (sample.kind != model::SampleKind::Cpu || sample.count == 0) continue;
        stacks[sample.pid].push_back(&sample);
        sampled[sample.pid] += sample.count;
    }
    std::unordered_map<std::int64_t, const model::Invocation*> invocations;
    for (const model::Invocation& invocation : session.invocations) invocations[invocation.id] = &invocation;

    std::vector<CriticalSample> samples;
    Explanation explanation = explain_session(session, options);
    for (const HookExplanation& hook : explanation.hooks) {
        for (const InvocationExplanation& detail : hook.details) {
            const model::Invocation* invocation = invocations.at(detail.id);
            for (const PathSegment& piece : detail.path) {
                const model::ProcessRecord* process = find_process(*invocation, piece.pid);
                CriticalSample sample;
                sample.pid = piece.pid;
                sample.invocation_id = detail.id;
                sample.hook = detail.hook;
                sample.process = process ? process_name(*process) : "pid " + std::to_string(piece.pid);
                sample.on_cpu = runs(piece.kind);
                const std::uint64_t ns = piece.duration_ns();
                auto found = stacks.find(piece.pid);
                if (sample.on_cpu && found != stacks.end()) {
                    // Spread over the process's CPU stacks; the remainder of
                    // the rounding goes to the first, so the total is kept.
                    const std::uint64_t total = sampled[piece.pid];
                    std::uint64_t given = 0;
                    std::vector<CriticalSample> spread;
                    for (const model::StackSample* stack : found->second) {
                        CriticalSample part = sample;
                        part.frames = stack->frames;
                        part.ns = static_cast<std::uint64_t>(static_cast<double>(ns) * static_cast<double>(stack->count) /
                                                             static_cast<double>(total));
                        given += part.ns;
                        spread.push_back(std::move(part));
                    }
                    if (!spread.empty()) spread.front().ns += ns - std::min(ns, given);
                    for (CriticalSample& part : spread)
                        if (part.ns > 0) samples.push_back(std::move(part));
                    continue;
                }
                sample.frames.push_back({"[" + std::string(cause_kind_name(piece.kind)) + "]", "[validprof]"});
                std::string what = piece.object.empty() ? piece.syscall : piece.object;
                if (!what.empty()) sample.frames.push_back({what, "[validprof]"});
                sample.ns = ns;
                samples.push_back(std::move(sample));
            }
        }
    }
    return samples;
}

}  // namespace validprof::explain
