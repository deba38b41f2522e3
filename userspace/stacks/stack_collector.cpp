#include "stacks/stack_collector.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

// The skeleton names the ABI structs, so the ABI headers come first.
#include <linux/types.h>
#include "hook_trace.h"
#include "phase_probes.h"
#include "stack_samples.h"
#include "stack_samples.skel.h"
#include "tracer/kernel_features.h"
#include "tracer/libbpf_error.h"
#include "tracer/percpu_counters.h"

namespace validprof::stacks {
namespace {

using tracer::libbpf_error;

static_assert(sizeof(vp_stack_key) == 32);
static_assert(sizeof(vp_stack_value) == 16);
static_assert(sizeof(bpf_stack_build_id) == 32);

int open_cpu_clock(int cpu, std::uint32_t frequency_hz) {
    perf_event_attr attributes{};
    attributes.size = sizeof(attributes);
    attributes.type = PERF_TYPE_SOFTWARE;
    attributes.config = PERF_COUNT_SW_CPU_CLOCK;
    attributes.freq = 1;
    attributes.sample_freq = frequency_hz;
    return static_cast<int>(::syscall(SYS_perf_event_open, &attributes, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

void StackCollector::SkeletonDeleter::operator()(stack_samples* skeleton) const { stack_samples__destroy(skeleton); }

common::Result<std::unique_ptr<StackCollector>> StackCollector::create(const StackOptions& options,
                                                                       int tracked_threads_fd) {
    if (options.frequency_hz == 0 || options.frequency_hz > 100000)
        return common::make_error("--freq must be between 1 and 100000 Hz");
    std::unique_ptr<StackCollector> collector(new StackCollector());
    collector->frequency_hz_ = options.frequency_hz;

    // open
    collector->skeleton_.reset(stack_samples__open());
    if (!collector->skeleton_) return libbpf_error("cannot open the stack_samples BPF object", errno);
    stack_samples* skeleton = collector->skeleton_.get();

    // configure
    if (int error = bpf_map__reuse_fd(skeleton->maps.tracked_threads, tracked_threads_fd))
        return libbpf_error("cannot share the tracked-threads map with the stack sampler", error);
    if (options.thread_phases_fd >= 0)
        if (int error = bpf_map__reuse_fd(skeleton->maps.thread_phases, options.thread_phases_fd))
            return libbpf_error("cannot share the thread-phases map with the stack sampler", error);
    bool btf = tracer::use_btf_tracepoints(options.force_raw_tracepoints);
    bpf_program__set_autoload(skeleton->progs.offcpu_switch_btf, btf);
    bpf_program__set_autoload(skeleton->progs.offcpu_switch_raw, !btf);
    skeleton->rodata->offcpu_min_ns = options.offcpu_min_ns;
    for (bpf_map* map : {skeleton->maps.user_stacks, skeleton->maps.kernel_stacks})
        if (int error = bpf_map__set_max_entries(map, options.stack_entries))
            return libbpf_error("cannot size the stack maps", error);
    for (bpf_map* map : {skeleton->maps.stack_counts, skeleton->maps.offcpu_starts})
        if (int error = bpf_map__set_max_entries(map, options.count_entries))
            return libbpf_error("cannot size the stack count maps", error);

    // load
    if (int error = stack_samples__load(skeleton))
        return libbpf_error("the kernel refused the stack sampler (run with -v for the verifier log)", error);

    // attach: the off-CPU program, then a cpu-clock event per CPU
    bpf_program* offcpu = btf ? skeleton->progs.offcpu_switch_btf : skeleton->progs.offcpu_switch_raw;
    bpf_link* link = bpf_program__attach(offcpu);
    if (!link) return libbpf_error("cannot attach the off-CPU stack program", errno);
    collector->links_.emplace_back(link);

    int cpus = libbpf_num_possible_cpus();
    int attached = 0;
    for (int cpu = 0; cpu < cpus; ++cpu) {
        common::UniqueFd event(open_cpu_clock(cpu, options.frequency_hz));
        if (!event.valid()) {
            if (errno == ENODEV || errno == ENOENT) continue;  // CPU possible but offline
            return common::make_error("cannot open the cpu-clock event on CPU " + std::to_string(cpu) +
                                          ": " + std::strerror(errno),
                                      errno);
        }
        bpf_link* sample_link = bpf_program__attach_perf_event(skeleton->progs.cpu_sample, event.get());
        if (!sample_link) return libbpf_error("cannot attach the CPU sampler on CPU " + std::to_string(cpu), errno);
        event.release();  // the link owns the perf event descriptor now
        collector->links_.emplace_back(sample_link);
        ++attached;
    }
    spdlog::debug("stack sampler attached: {} Hz on {} CPUs, off-CPU episodes from {} ns", options.frequency_hz,
                  attached, options.offcpu_min_ns);
    return collector;
}

StackCollector::~StackCollector() {
    tracer::destroy_links_concurrently(links_);  // detach before the programs and maps go
    skeleton_.reset();
}

std::vector<RawStack> StackCollector::read() const {
    std::vector<RawStack> stacks;
    int counts_fd = bpf_map__fd(skeleton_->maps.stack_counts);
    int user_fd = bpf_map__fd(skeleton_->maps.user_stacks);
    int kernel_fd = bpf_map__fd(skeleton_->maps.kernel_stacks);
    // Each stored stack is read once, however many keys name it.
    std::map<__u64, std::vector<UserFrame>> user_stacks;
    std::map<__u64, std::vector<std::uint64_t>> kernel_stacks;
    auto user_frames_of = [&](__u64 name) -> const std::vector<UserFrame>* {
        auto known = user_stacks.find(name);
        if (known != user_stacks.end()) return &known->second;
        auto stored = std::make_unique<vp_user_stack>();
        if (bpf_map_lookup_elem(user_fd, &name, stored.get()) != 0) return nullptr;
        std::vector<UserFrame> frames;
        std::size_t count = std::min<std::size_t>(stored->bytes / sizeof(bpf_stack_build_id), VP_STACK_DEPTH);
        for (std::size_t i = 0; i < count; ++i) {
            const bpf_stack_build_id& frame = stored->frames[i];
            if (frame.status == BPF_STACK_BUILD_ID_EMPTY) break;
            UserFrame user;
            user.has_build_id = frame.status == BPF_STACK_BUILD_ID_VALID;
            if (user.has_build_id) std::memcpy(user.build_id.data(), frame.build_id, user.build_id.size());
            user.offset_or_ip = user.has_build_id ? frame.offset : frame.ip;
            frames.push_back(user);
        }
        return &user_stacks.emplace(name, std::move(frames)).first->second;
    };
    auto kernel_frames_of = [&](__u64 name) -> const std::vector<std::uint64_t>* {
        auto known = kernel_stacks.find(name);
        if (known != kernel_stacks.end()) return &known->second;
        vp_kernel_stack stored{};
        if (bpf_map_lookup_elem(kernel_fd, &name, &stored) != 0) return nullptr;
        std::size_t count = std::min<std::size_t>(stored.bytes / sizeof(__u64), VP_STACK_DEPTH);
        std::vector<std::uint64_t> frames(stored.ips, stored.ips + count);
        return &kernel_stacks.emplace(name, std::move(frames)).first->second;
    };

    vp_stack_key key{};
    vp_stack_key next{};
    bool first = true;
    while (bpf_map_get_next_key(counts_fd, first ? nullptr : &key, &next) == 0) {
        first = false;
        key = next;
        vp_stack_value value{};
        if (bpf_map_lookup_elem(counts_fd, &key, &value) != 0) continue;
        RawStack stack;
        stack.pid = static_cast<std::int32_t>(key.pid);
        stack.uid = key.uid;
        stack.kind = static_cast<SampleKind>(key.kind);
        stack.count = value.count;
        stack.total_ns = value.total_ns;
        stack.phase = key.phase;
        if (key.user_stack == VP_STACK_LOST) {
            stack.user_stack_lost = true;
        } else if (key.user_stack != VP_STACK_NONE) {
            const std::vector<UserFrame>* frames = user_frames_of(key.user_stack);
            if (frames) stack.user_frames = *frames;
            else stack.user_stack_lost = true;
        }
        if (key.kernel_stack == VP_STACK_LOST) {
            stack.kernel_stack_lost = true;
        } else if (key.kernel_stack != VP_STACK_NONE) {
            const std::vector<std::uint64_t>* frames = kernel_frames_of(key.kernel_stack);
            if (frames) stack.kernel_frames = *frames;
            else stack.kernel_stack_lost = true;
        }
        stacks.push_back(std::move(stack));
    }
    return stacks;
}

std::map<std::string, std::uint64_t> StackCollector::lost_samples() const {
    // A sample whose user or kernel stack could not be captured is kept
    // (with a "[user stack lost]" frame): a note, not a loss.
    static const char* const names[VP_STACK_COUNTER_MAX] = {"stack_counts_full", "note_stack_user_unavailable",
                                                            "note_stack_kernel_unavailable", "stack_offcpu_map_full",
                                                            "note_stack_switch_in_unseen"};
    std::map<std::string, std::uint64_t> lost;
    std::vector<std::uint64_t> counts = tracer::read_percpu_counters(bpf_map__fd(skeleton_->maps.stack_counters), VP_STACK_COUNTER_MAX);
    for (std::uint32_t index = 0; index < VP_STACK_COUNTER_MAX; ++index) lost[names[index]] = counts[index];
    return lost;
}

}  // namespace validprof::stacks
