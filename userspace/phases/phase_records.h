// Decoding of the phase_probes ring-buffer records (bpf/phase_probes.h),
// apart from the BPF object that produces them (PhaseTracer), so that unit
// tests and the fuzzer feed it bytes without loading anything.
#pragma once

#include <cstddef>
#include <vector>

#include "common/result.h"
#include "model/phase.h"
#include "phases/usdt_phases.h"

namespace validprof::phases {

// One vp_phase_event; its phase_id indexes `phases` (the attach cookies).
// A short record or an unknown phase id is an error.
common::Result<model::PhaseExecution> decode_phase_record(const void* data, std::size_t size,
                                                          const std::vector<UsdtPhase>& phases);

}  // namespace validprof::phases
