// Per-hook summaries of USDT phases (e.g. validcore's checks, scoring,
// consensus phases) and the CPU that validation phases used per core.
//
// A phase belongs to the invocation whose process (by pid, within the
// process's lifetime) fired it. "Validation CPU per core" is the on-CPU time
// inside validation phases, on each core, divided by the session's wall
// time. Not validation: "hook" (the envelope of a whole hook) and
// "db_write" (it brackets every database batch, the hook's own upserts as
// much as a validation result). A phase nested in another on the same
// thread counts once (the outer one).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/invocation.h"
#include "model/phase.h"
#include "report/process_owners.h"

namespace validprof::report {

struct PhaseSummary {
    std::string hook;      // "(outside invocations)" when no invocation owns it
    std::string provider;
    std::string phase;
    std::size_t count = 0;
    std::uint64_t p50_ns = 0;
    std::uint64_t p99_ns = 0;
    std::uint64_t max_ns = 0;
    std::uint64_t total_ns = 0;
    // total_ns over the summed wall time of the hook's invocations, percent.
    // Phases on concurrent threads (one per validator) can exceed 100.
    double share_of_hook_wall_percent = 0;
    std::uint64_t on_cpu_ns = 0;
    std::map<std::uint32_t, std::uint64_t> on_cpu_ns_per_cpu;
};

struct CpuPerCore {
    std::map<std::uint32_t, std::uint64_t> validation_on_cpu_ns;  // in validation phases
    std::map<std::uint32_t, std::uint64_t> hooks_on_cpu_ns;       // in the hooks' processes
    std::uint64_t session_wall_ns = 0;
};

struct PhaseReport {
    std::vector<PhaseSummary> phases;  // by hook, then provider, then first appearance
    CpuPerCore cpu;
};

bool is_validation_phase(const std::string& phase);

PhaseReport summarize_phases(const std::vector<model::Invocation>& invocations,
                             const std::vector<model::PhaseExecution>& phases, std::uint64_t session_wall_ns);

// The hook each phase belongs to, or kOutsideInvocations; parallel to phases.
std::vector<std::string> attribute_phases(const std::vector<model::Invocation>& invocations,
                                          const std::vector<model::PhaseExecution>& phases);

}  // namespace validprof::report
