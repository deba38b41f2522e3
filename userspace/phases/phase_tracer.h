// PhaseTracer owns the phase_probes BPF object: uprobes at the sites of
// every phase pair's USDT probes in every inspected executable, and the
// ring buffer of completed phases. It filters on hook_trace's
// tracked-threads map.
// open → reuse the tracked map → load; then attach per executable as the
// session discovers them (once per file).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bpf_support/uprobe_set.h"
#include "common/result.h"
#include "model/phase.h"
#include "phases/usdt_phases.h"

struct phase_probes;

namespace validprof::phases {

class PhaseTracer {
public:
    static common::Result<std::unique_ptr<PhaseTracer>> create(int tracked_threads_fd);
    ~PhaseTracer();
    PhaseTracer(const PhaseTracer&) = delete;
    PhaseTracer& operator=(const PhaseTracer&) = delete;

    // Attaches to every phase pair in the executable; returns how many
    // phases it has (0: no USDT phases, nothing attached).
    common::Result<std::size_t> attach_executable(const std::string& path);

    // The completed-phase ring buffer and its decoder, for the caller's poll.
    int ring_buffer_fd() const;
    common::Result<model::PhaseExecution> decode(const void* data, std::size_t size) const;

    std::map<std::string, std::uint64_t> lost_events() const;

    // The map of the phases each thread is in, for the stack sampler.
    int thread_phases_fd() const;
    // "provider:name" of a phase id (as the stack sampler records it,
    // minus one); empty for an unknown id.
    std::string phase_name(std::uint32_t phase_id) const;

private:
    PhaseTracer() = default;

    struct SkeletonDeleter {
        void operator()(phase_probes* skeleton) const;
    };
    std::unique_ptr<phase_probes, SkeletonDeleter> skeleton_;
    bpf_support::UprobeSet uprobes_{bpf_support::preferred_uprobe_mode()};
    std::vector<UsdtPhase> phases_;  // index = the attach cookie
};

}  // namespace validprof::phases
