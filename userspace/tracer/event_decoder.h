// Decodes ring-buffer records of bpf/hook_trace.bpf.c into model events.
// Kept apart from the loader so that unit tests can feed it synthetic bytes.
#pragma once

#include <cstddef>
#include <string>

#include "tracer/hook_trace_abi.h"
#include "common/result.h"
#include "model/process_events.h"
#include "model/wait.h"

namespace validprof::tracer {

// A record that is shorter than its kind requires, or of an unknown kind, is
// an error (the caller counts it; it never happens with a matching build).
common::Result<model::ProcessEvent> decode_event(const void* data, std::size_t size);

// The kind of a record (enum vp_event_kind), 0 for one too short to have a
// header.
std::uint32_t record_kind(const void* data, std::size_t size);

// A vp_span_event as a model::SyscallSpan.
common::Result<model::SyscallSpan> decode_span(const void* data, std::size_t size);

// A vp_wait_event as a model::WaitInterval: the path's components joined
// outermost first, the socket peer as "address:port".
common::Result<model::WaitInterval> decode_wait(const void* data, std::size_t size);

// "a\0b\0/\0" (innermost first, as the kernel walks up) as "/b/a"; a walk
// cut short (no "/" at its end) is marked with a leading "…/".
std::string join_path_components(const char* bytes, std::size_t length);

// Kernel per-thread totals (struct vp_sched_totals) as model::SchedTimes;
// CPUs with no time are left out of the per-CPU map.
model::SchedTimes to_sched_times(const vp_sched_totals& totals);

// argv as the kernel holds it (NUL-separated) joined with single spaces.
std::string join_argv(const char* bytes, std::size_t length);

}  // namespace validprof::tracer
