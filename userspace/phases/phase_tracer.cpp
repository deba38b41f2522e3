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
#include "bpf_support/libbpf_error.h"
#include "bpf_support/percpu_counters.h"
#include "phases/phase_records.h"

namespace validprof::phases {
namespace {

using bpf_support::libbpf_error;

static_assert(sizeof(vp_phase_event) == 8 * 5 + 8 * VP_MAX_CPUS);

}  // namespace

void PhaseTracer::SkeletonDeleter::operator()(phase_probes* skeleton) const { phase_probes__destroy(skeleton); }

common::Result<std::unique_ptr<PhaseTracer>> PhaseTracer::create(int tracked_threads_fd) {
    std::unique_ptr<PhaseTracer> tracer(new PhaseTracer());
    tracer->skeleton_.reset(phase_probes__open());
    if (!tracer->skeleton_) return libbpf_error("cannot open the phase_probes BPF object", errno);
    phase_probes* skeleton = tracer->skeleton_.get();
    if (int error = bpf_map__reuse_fd(skeleton->maps.tracked_threads, tracked_threads_fd))
        return libbpf_error("cannot share the tracked-threads map with the phase probes", error);
    // The programs take their phase from the attach cookie, so they serve
    // uprobe.multi and per-site uprobes alike. They read no probe
    // arguments, so a uprobe at each probe's nop, with its semaphore where
    // it has one, is all that libbpf's USDT attachment would do.
    tracer->uprobes_.prepare(skeleton->progs.phase_start);
    tracer->uprobes_.prepare(skeleton->progs.phase_end);
    if (int error = phase_probes__load(skeleton))
        return libbpf_error("the kernel refused the USDT phase programs (run with -v for the verifier log)", error);
    return tracer;
}

PhaseTracer::~PhaseTracer() {
    uprobes_.clear();
    skeleton_.reset();
}

common::Result<std::size_t> PhaseTracer::attach_executable(const std::string& path) {
    std::vector<UsdtPhase> phases = pair_phases(read_usdt_probes(path));
    if (phases.empty()) return std::size_t{0};
    std::uint64_t first_cookie = phases_.size();
    phases_.insert(phases_.end(), phases.begin(), phases.end());

    // Every site of a start probe (a probe in an inlined function has
    // several) gets the start program, every end site the end program; the
    // cookie of each site names its phase.
    std::vector<bpf_support::UprobeSite> starts, ends;
    for (const UsdtSite& site : read_usdt_sites(path))
        for (std::size_t i = 0; i < phases.size(); ++i) {
            if (site.provider != phases[i].provider) continue;
            bool start = site.name == phases[i].start_probe;
            if (!start && site.name != phases[i].end_probe) continue;
            (start ? starts : ends)
                .push_back({site.file_offset, first_cookie + i, site.provider + ":" + site.name, site.semaphore_offset});
        }
    if (auto attached = uprobes_.attach(skeleton_->progs.phase_start, path, starts, false); !attached)
        return attached.error();
    if (auto attached = uprobes_.attach(skeleton_->progs.phase_end, path, ends, false); !attached)
        return attached.error();
    spdlog::debug("attached {} USDT phases in {} ({})", phases.size(), path,
                  bpf_support::uprobe_mode_name(uprobes_.mode()));
    return phases.size();
}

int PhaseTracer::thread_phases_fd() const { return bpf_map__fd(skeleton_->maps.thread_phases); }

std::string PhaseTracer::phase_name(std::uint32_t phase_id) const {
    if (phase_id >= phases_.size()) return {};
    return phases_[phase_id].provider + ":" + phases_[phase_id].name;
}

int PhaseTracer::ring_buffer_fd() const { return bpf_map__fd(skeleton_->maps.phase_events); }

common::Result<model::PhaseExecution> PhaseTracer::decode(const void* data, std::size_t size) const {
    return decode_phase_record(data, size, phases_);
}

std::map<std::string, std::uint64_t> PhaseTracer::lost_events() const {
    static const char* const names[VP_PHASE_COUNTER_MAX] = {"phase_ringbuf_full", "phase_open_map_full",
                                                            "phase_end_without_start"};
    std::map<std::string, std::uint64_t> lost;
    std::vector<std::uint64_t> counts =
        bpf_support::read_percpu_counters(bpf_map__fd(skeleton_->maps.phase_counters), VP_PHASE_COUNTER_MAX);
    for (std::uint32_t index = 0; index < VP_PHASE_COUNTER_MAX; ++index) lost[names[index]] = counts[index];
    return lost;
}

}  // namespace validprof::phases
