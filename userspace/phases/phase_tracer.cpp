#include "phases/phase_tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

// The skeleton names the ABI structs, so the ABI headers come first.
#include <linux/types.h>
#include "phase_probes.h"
#include "phase_probes.skel.h"

namespace validprof::phases {
namespace {

static_assert(sizeof(vp_phase_event) == 8 * 5 + 8 * VP_MAX_CPUS);

common::Error libbpf_error(const std::string& what, int error) {
    int code = error < 0 ? -error : error;
    return common::make_error(what + ": " + std::strerror(code), code);
}

}  // namespace

void PhaseTracer::SkeletonDeleter::operator()(phase_probes* skeleton) const { phase_probes__destroy(skeleton); }
void PhaseTracer::LinkDeleter::operator()(bpf_link* link) const { bpf_link__destroy(link); }

common::Result<std::unique_ptr<PhaseTracer>> PhaseTracer::create(int tracked_threads_fd) {
    std::unique_ptr<PhaseTracer> tracer(new PhaseTracer());
    tracer->skeleton_.reset(phase_probes__open());
    if (!tracer->skeleton_) return libbpf_error("cannot open the phase_probes BPF object", errno);
    if (int error = bpf_map__reuse_fd(tracer->skeleton_->maps.tracked_threads, tracked_threads_fd))
        return libbpf_error("cannot share the tracked-threads map with the phase probes", error);
    if (int error = phase_probes__load(tracer->skeleton_.get()))
        return libbpf_error("the kernel refused the USDT phase programs (run with -v for the verifier log)", error);
    return tracer;
}

PhaseTracer::~PhaseTracer() {
    links_.clear();
    skeleton_.reset();
}

common::Result<std::size_t> PhaseTracer::attach_executable(const std::string& path) {
    std::vector<UsdtPhase> phases = pair_phases(read_usdt_probes(path));
    for (const UsdtPhase& phase : phases) {
        std::uint64_t cookie = phases_.size();
        phases_.push_back(phase);
        struct Target {
            bpf_program* program;
            const std::string& probe;
        };
        for (Target target : {Target{skeleton_->progs.phase_start, phase.start_probe},
                              Target{skeleton_->progs.phase_end, phase.end_probe}}) {
            LIBBPF_OPTS(bpf_usdt_opts, options, .usdt_cookie = cookie);
            bpf_link* link = bpf_program__attach_usdt(target.program, -1, path.c_str(), phase.provider.c_str(),
                                                      target.probe.c_str(), &options);
            if (!link)
                return libbpf_error("cannot attach to USDT probe " + phase.provider + ":" + target.probe + " in " + path,
                                    errno);
            links_.emplace_back(link);
        }
    }
    if (!phases.empty()) spdlog::debug("attached {} USDT phases in {}", phases.size(), path);
    return phases.size();
}

int PhaseTracer::ring_buffer_fd() const { return bpf_map__fd(skeleton_->maps.phase_events); }

common::Result<model::PhaseExecution> PhaseTracer::decode(const void* data, std::size_t size) const {
    if (size < sizeof(vp_phase_event)) return common::make_error("short phase record");
    vp_phase_event raw;
    std::memcpy(&raw, data, sizeof(raw));
    if (raw.phase_id >= phases_.size()) return common::make_error("phase record with an unknown phase id");
    const UsdtPhase& phase = phases_[raw.phase_id];
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

std::map<std::string, std::uint64_t> PhaseTracer::lost_events() const {
    static const char* const names[VP_PHASE_COUNTER_MAX] = {"phase_ringbuf_full", "phase_open_map_full",
                                                            "phase_end_without_start"};
    std::map<std::string, std::uint64_t> lost;
    int cpus = libbpf_num_possible_cpus();
    std::vector<__u64> per_cpu(cpus > 0 ? static_cast<std::size_t>(cpus) : 1);
    int fd = bpf_map__fd(skeleton_->maps.phase_counters);
    for (__u32 index = 0; index < VP_PHASE_COUNTER_MAX; ++index) {
        std::uint64_t total = 0;
        if (bpf_map_lookup_elem(fd, &index, per_cpu.data()) == 0)
            for (__u64 value : per_cpu) total += value;
        lost[names[index]] = total;
    }
    return lost;
}

}  // namespace validprof::phases
