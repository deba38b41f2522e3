// Decodes ring-buffer records of bpf/hook_trace.bpf.c into model events.
// Kept apart from the loader so that unit tests can feed it synthetic bytes.
#pragma once

#include <cstddef>
#include <string>

#include "tracer/hook_trace_abi.h"
#include "common/result.h"
#include "model/process_events.h"

namespace validprof::tracer {

// A record that is shorter than its kind requires, or of an unknown kind, is
// an error (the caller counts it; it never happens with a matching build).
common::Result<model::ProcessEvent> decode_event(const void* data, std::size_t size);

// Kernel per-thread totals (struct vp_sched_totals) as model::SchedTimes;
// CPUs with no time are left out of the per-CPU map.
model::SchedTimes to_sched_times(const vp_sched_totals& totals);

// argv as the kernel holds it (NUL-separated) joined with single spaces.
std::string join_argv(const char* bytes, std::size_t length);

}  // namespace validprof::tracer
