#include "report/process_owners.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace validprof::report {

ProcessOwners::ProcessOwners(const std::vector<model::Invocation>& invocations) {
    std::vector<const model::Invocation*> ordered;
    ordered.reserve(invocations.size());
    for (const model::Invocation& invocation : invocations) ordered.push_back(&invocation);
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
        return std::tie(a->start_ns, a->id) < std::tie(b->start_ns, b->id);
    });
    for (const model::Invocation* invocation : ordered)
        for (const model::ProcessRecord& process : invocation->processes)
            spans_[process.pid].push_back(
                {invocation, process.start_ns,
                 process.exited ? process.end_ns : std::numeric_limits<std::uint64_t>::max()});
}

const model::Invocation* ProcessOwners::at(std::int32_t pid, std::uint64_t timestamp_ns) const {
    auto found = spans_.find(pid);
    if (found == spans_.end()) return nullptr;
    for (const Span& span : found->second)
        if (timestamp_ns >= span.start_ns && timestamp_ns <= span.end_ns) return span.invocation;
    return nullptr;
}

const model::Invocation* ProcessOwners::first(std::int32_t pid) const {
    auto found = spans_.find(pid);
    return found == spans_.end() ? nullptr : found->second.front().invocation;
}

}  // namespace validprof::report
