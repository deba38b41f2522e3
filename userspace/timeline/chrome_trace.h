// A session's stored invocations as a timeline in the Chrome trace-event
// JSON format (the JSON object form), which ui.perfetto.dev and
// chrome://tracing open: one track group per process of each invocation
// (pid = the OS pid), one track per thread, and on those tracks slices for
// the invocation, each process's and thread's lifetime, USDT phases, SQL
// statements, traced system calls and recorded off-CPU waits.
//
// Pure conversion from model structs to JSON: the CLI (`validprof
// timeline`, userspace/cli/timeline_command.cpp) loads the data, so this is
// unit-tested without privileges. Every string goes through
// text::to_valid_utf8, so dumping the result never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/invocation.h"
#include "model/phase.h"
#include "model/session.h"
#include "model/sqlite_activity.h"
#include "model/wait.h"

namespace validprof::timeline {

// Which of a session's invocations to draw; neither: all of them.
struct Selection {
    std::optional<std::string> hook;
    std::optional<std::int64_t> invocation_id;
};

// The invocations of `invocations` that `selection` names, in order.
std::vector<model::Invocation> select_invocations(std::vector<model::Invocation> invocations,
                                                  const Selection& selection);

struct TimelineInput {
    model::SessionSummary session;
    // The invocations to draw, with their processes and thread records.
    std::vector<model::Invocation> invocations;
    // The session's per-thread records, any order. Each is drawn when its
    // pid was a process of a drawn invocation at its start time (pids are
    // reused, so the time decides); the others are left out.
    std::vector<model::PhaseExecution> phases;
    std::vector<model::StatementExecution> statements;
    std::vector<model::SyscallSpan> spans;
    std::vector<model::WaitInterval> waits;
    // Describes the selection in otherData ("all", "hook post-edit", ...).
    std::string selection_label = "all";
};

// Where the trace's time 0 is, CLOCK_MONOTONIC ns: the session's start,
// unless something drawn began earlier (a process first seen before the
// session began), then that. Timestamps in the trace are microseconds
// after it, with three decimals: exactly the stored nanoseconds.
std::uint64_t trace_origin_ns(const TimelineInput& input);

// The whole trace: {"traceEvents": [...], "displayTimeUnit": "ms",
// "otherData": {...}}. Metadata events first, then the slices sorted by
// (pid, tid, start, longest first), so enclosing slices precede what they
// hold. No slice has a negative duration: records that end before they
// begin are left out, and a slice of zero length stays zero.
nlohmann::json chrome_trace(const TimelineInput& input);

}  // namespace validprof::timeline
