#include "phases/phase_records.h"

#include <cstring>

#include <linux/types.h>
#include "phase_probes.h"
#include "bpf_support/record_copy.h"

namespace validprof::phases {

static_assert(sizeof(vp_phase_event) == 8 * 5 + 8 * VP_MAX_CPUS);

common::Result<model::PhaseExecution> decode_phase_record(const void* data, std::size_t size,
                                                          const std::vector<UsdtPhase>& phases) {
    auto copied = bpf_support::copy_record<vp_phase_event>(data, size, "phase");
    if (!copied) return copied.error();
    const vp_phase_event& raw = *copied;
    if (raw.phase_id >= phases.size()) return common::make_error("phase record with an unknown phase id");
    const UsdtPhase& phase = phases[raw.phase_id];
    model::PhaseExecution execution;
    execution.pid = static_cast<std::int32_t>(raw.pid);
    execution.tid = static_cast<std::int32_t>(raw.tid);
    execution.provider = phase.provider;
    execution.phase = phase.name;
    execution.start_ns = raw.start_ns;
    execution.end_ns = raw.end_ns;
    execution.on_cpu_ns = raw.on_cpu_ns;
    for (std::uint32_t cpu = 0; cpu < VP_MAX_CPUS; ++cpu)
        if (raw.on_cpu_ns_per_cpu[cpu]) execution.on_cpu_ns_per_cpu[cpu] = raw.on_cpu_ns_per_cpu[cpu];
    return execution;
}

}  // namespace validprof::phases
