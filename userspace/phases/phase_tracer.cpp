#include "phases/phase_tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

// The skeleton names the ABI structs, so the ABI headers come first.
#include <linux/types.h>
#include "phase_probes.h"
// bpftool declares libbpf's USDT kconfig flag with C's _Bool, which g++
// takes as an extension and clang++ (the fuzzing build) does not.
#ifdef __clang__
#define _Bool bool
#endif
#include "phase_probes.skel.h"
#ifdef __clang__
#undef _Bool
#endif
#include "phases/phase_records.h"
#include "tracer/kernel_features.h"
#include "tracer/libbpf_error.h"
#include "tracer/percpu_counters.h"
#include "tracer/uprobe_multi.h"

namespace validprof::phases {
namespace {

using tracer::libbpf_error;

static_assert(sizeof(vp_phase_event) == 8 * 5 + 8 * VP_MAX_CPUS);

}  // namespace

void PhaseTracer::SkeletonDeleter::operator()(phase_probes* skeleton) const { phase_probes__destroy(skeleton); }

common::Result<std::unique_ptr<PhaseTracer>> PhaseTracer::create(int tracked_threads_fd) {
    std::unique_ptr<PhaseTracer> tracer(new PhaseTracer());
    tracer->multi_ = tracer::kernel_features().uprobe_multi;
    tracer->skeleton_.reset(phase_probes__open());
    if (!tracer->skeleton_) return libbpf_error("cannot open the phase_probes BPF object", errno);
    phase_probes* skeleton = tracer->skeleton_.get();
    if (int error = bpf_map__reuse_fd(skeleton->maps.tracked_threads, tracked_threads_fd))
        return libbpf_error("cannot share the tracked-threads map with the phase probes", error);
    // One pair of programs is loaded: uprobe.multi where the kernel has it.
    for (bpf_program* program : {skeleton->progs.phase_start_multi, skeleton->progs.phase_end_multi}) {
        bpf_program__set_autoload(program, tracer->multi_);
        bpf_program__set_expected_attach_type(program,
                                              static_cast<bpf_attach_type>(tracer::kAttachTypeUprobeMulti));
    }
    for (bpf_program* program : {skeleton->progs.phase_start, skeleton->progs.phase_end})
        bpf_program__set_autoload(program, !tracer->multi_);
    if (int error = phase_probes__load(skeleton))
        return libbpf_error("the kernel refused the USDT phase programs (run with -v for the verifier log)", error);
    return tracer;
}

PhaseTracer::~PhaseTracer() {
    multi_links_.clear();
    tracer::destroy_links_concurrently(links_);
    skeleton_.reset();
}

common::Result<std::size_t> PhaseTracer::attach_executable(const std::string& path) {
    std::vector<UsdtPhase> phases = pair_phases(read_usdt_probes(path));
    if (phases.empty()) return std::size_t{0};
    std::uint64_t first_cookie = phases_.size();
    phases_.insert(phases_.end(), phases.begin(), phases.end());
    auto attached = multi_ ? attach_multi(path, phases, first_cookie) : attach_per_site(path, phases, first_cookie);
    if (!attached) return attached.error();
    spdlog::debug("attached {} USDT phases in {} ({})", phases.size(), path, multi_ ? "uprobe.multi" : "per site");
    return phases.size();
}

common::Result<void> PhaseTracer::attach_per_site(const std::string& path, const std::vector<UsdtPhase>& phases,
                                                  std::uint64_t first_cookie) {
    for (std::size_t i = 0; i < phases.size(); ++i) {
        const UsdtPhase& phase = phases[i];
        struct Target {
            bpf_program* program;
            const std::string& probe;
        };
        for (Target target : {Target{skeleton_->progs.phase_start, phase.start_probe},
                              Target{skeleton_->progs.phase_end, phase.end_probe}}) {
            LIBBPF_OPTS(bpf_usdt_opts, options, .usdt_cookie = first_cookie + i);
            bpf_link* link = bpf_program__attach_usdt(target.program, -1, path.c_str(), phase.provider.c_str(),
                                                      target.probe.c_str(), &options);
            if (!link)
                return libbpf_error("cannot attach to USDT probe " + phase.provider + ":" + target.probe + " in " + path,
                                    errno);
            links_.emplace_back(link);
        }
    }
    return common::success();
}

common::Result<void> PhaseTracer::attach_multi(const std::string& path, const std::vector<UsdtPhase>& phases,
                                               std::uint64_t first_cookie) {
    // All start sites in one link, all end sites in another; the cookie of
    // each site names its phase.
    std::vector<UsdtSite> sites = read_usdt_sites(path);
    struct Batch {
        bpf_program* program;
        std::vector<std::uint64_t> offsets;
        std::vector<std::uint64_t> cookies;
    };
    Batch starts{skeleton_->progs.phase_start_multi, {}, {}};
    Batch ends{skeleton_->progs.phase_end_multi, {}, {}};
    for (const UsdtSite& site : sites)
        for (std::size_t i = 0; i < phases.size(); ++i) {
            if (site.provider != phases[i].provider) continue;
            if (site.name == phases[i].start_probe) {
                starts.offsets.push_back(site.file_offset);
                starts.cookies.push_back(first_cookie + i);
            } else if (site.name == phases[i].end_probe) {
                ends.offsets.push_back(site.file_offset);
                ends.cookies.push_back(first_cookie + i);
            }
        }
    for (Batch* batch : {&starts, &ends}) {
        if (batch->offsets.empty()) continue;
        tracer::UprobeMultiTarget target;
        target.program_fd = bpf_program__fd(batch->program);
        target.path = path;
        target.offsets = std::move(batch->offsets);
        target.cookies = std::move(batch->cookies);
        auto link = tracer::attach_uprobe_multi(target);
        if (!link) return link.error();
        multi_links_.push_back(std::move(*link));
    }
    return common::success();
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
    std::vector<std::uint64_t> counts = tracer::read_percpu_counters(bpf_map__fd(skeleton_->maps.phase_counters), VP_PHASE_COUNTER_MAX);
    for (std::uint32_t index = 0; index < VP_PHASE_COUNTER_MAX; ++index) lost[names[index]] = counts[index];
    return lost;
}

}  // namespace validprof::phases
