#include "report/report_data.h"

#include <algorithm>
#include <set>

namespace validprof::report {

namespace {

// Latest monotonic timestamp any stored invocation shows.
std::uint64_t latest_timestamp(const std::vector<model::Invocation>& invocations) {
    std::uint64_t latest = 0;
    for (const auto& inv : invocations) {
        latest = std::max({latest, inv.start_ns, inv.root_end_ns, inv.last_end_ns});
        for (const auto& p : inv.processes) latest = std::max({latest, p.start_ns, p.end_ns});
    }
    return latest;
}

}  // namespace

std::int64_t to_unix_ns(const model::SessionInfo& info, std::uint64_t monotonic_ns) {
    return static_cast<std::int64_t>(monotonic_ns) + info.monotonic_to_unix_offset_ns;
}

SessionSpan session_span(const model::SessionSummary& session,
                         const std::vector<model::Invocation>& invocations) {
    const std::int64_t start = session.info.start_unix_ns;
    if (session.complete && session.end.end_unix_ns >= start) {
        return {true, false, static_cast<std::uint64_t>(session.end.end_unix_ns - start)};
    }
    const std::uint64_t latest = latest_timestamp(invocations);
    if (latest == 0) return {};
    const std::int64_t latest_unix = to_unix_ns(session.info, latest);
    if (latest_unix < start) return {};
    return {true, true, static_cast<std::uint64_t>(latest_unix - start)};
}

std::uint64_t lost_events_total(const model::SessionEnd& end) {
    return model::total_lost(end.lost_events);
}

std::int64_t start_offset_ns(const model::ProcessRecord& process,
                             const model::Invocation& invocation) {
    return static_cast<std::int64_t>(process.start_ns) -
           static_cast<std::int64_t>(invocation.start_ns);
}

std::optional<std::uint64_t> process_duration_ns(const model::ProcessRecord& process) {
    if (!process.exited || process.end_ns < process.start_ns) return std::nullopt;
    return process.end_ns - process.start_ns;
}

ReportData analyze(const ReportInput& input) {
    ReportData data;
    data.span = session_span(input.session, input.invocations);
    data.lost_events_total = lost_events_total(input.session.end);

    std::set<std::string> hooks;
    for (const auto& inv : input.invocations) hooks.insert(inv.hook);
    data.all_hooks.assign(hooks.begin(), hooks.end());

    std::vector<const model::Invocation*> slow_candidates;
    for (const auto& inv : input.invocations) {
        if (input.hook_filter && inv.hook != *input.hook_filter) continue;
        ++data.selected_count;
        if (inv.complete) slow_candidates.push_back(&inv);
    }
    for (auto& summary : summarize(input.invocations)) {
        if (!input.hook_filter || summary.hook == *input.hook_filter) {
            data.hooks.push_back(std::move(summary));
        }
    }

    const auto slower = [](const model::Invocation* a, const model::Invocation* b) {
        if (a->wall_ns() != b->wall_ns()) return a->wall_ns() > b->wall_ns();
        if (a->start_ns != b->start_ns) return a->start_ns < b->start_ns;
        return a->id < b->id;
    };
    const std::size_t keep = std::min(input.slowest_count, slow_candidates.size());
    std::partial_sort(slow_candidates.begin(), slow_candidates.begin() + keep,
                      slow_candidates.end(), slower);
    slow_candidates.resize(keep);
    data.slowest = std::move(slow_candidates);
    return data;
}

}  // namespace validprof::report
