// Everything both renderers show, computed once, so the text and the JSON
// report cannot disagree on a number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/invocation.h"
#include "model/session.h"
#include "report/hook_summary.h"
#include "report/report_input.h"

namespace validprof::report {

// How long the session lasted. A complete session knows its end; one whose
// recorder died only shows that it lasted at least until the latest
// timestamp among its stored invocations.
struct SessionSpan {
    bool known = false;        // false: incomplete and nothing stored to bound it
    bool lower_bound = false;  // true: the real duration may be longer
    std::uint64_t duration_ns = 0;
};

struct ReportData {
    SessionSpan span;
    std::uint64_t lost_events_total = 0;
    std::vector<HookSummary> hooks;  // after the hook filter, sorted by name
    std::vector<std::string> all_hooks;  // every hook in the session, sorted; for "no such hook"
    std::size_t selected_count = 0;      // invocations after the hook filter
    // Slowest complete invocations after the filter, slowest first; ties by
    // earlier start, then lower id. Points into ReportInput::invocations.
    std::vector<const model::Invocation*> slowest;
};

ReportData analyze(const ReportInput& input);

SessionSpan session_span(const model::SessionSummary& session,
                         const std::vector<model::Invocation>& invocations);

std::uint64_t lost_events_total(const model::SessionEnd& end);

// A process's start relative to its invocation's start. Negative for a root
// that forked before the exec that made it a hook.
std::int64_t start_offset_ns(const model::ProcessRecord& process,
                             const model::Invocation& invocation);

// Fork (or first sight) to exit; empty while the process had not exited.
std::optional<std::uint64_t> process_duration_ns(const model::ProcessRecord& process);

// Monotonic timestamp as Unix time, using the session's clock offset.
std::int64_t to_unix_ns(const model::SessionInfo& info, std::uint64_t monotonic_ns);

}  // namespace validprof::report
