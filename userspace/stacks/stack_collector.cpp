#include "stacks/stack_collector.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

// The skeleton names the ABI structs, so the ABI headers come first.
#include <linux/types.h>
#include "hook_trace.h"
#include "phase_probes.h"
#include "stack_samples.h"
#include "stack_samples.skel.h"
#include "bpf_support/kernel_features.h"
#include "bpf_support/libbpf_error.h"
#include "bpf_support/percpu_counters.h"

namespace validprof::stacks {
namespace {

using bpf_support::libbpf_error;

static_assert(sizeof(vp_stack_key) == 32);
static_assert(sizeof(vp_stack_value) == 16);
static_assert(sizeof(bpf_stack_build_id) == 32);
static_assert(offsetof(vp_stack_copy, stack) == 72);
static_assert(VP_STACK_DEPTH == kMaxUserFrames);

// How long the mappings of an exited process are kept: its last samples
// may still be queued in the ring buffer.
constexpr std::uint64_t kExitedGraceNs = 2'000'000'000;

std::uint64_t monotonic_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(now.tv_nsec);
}

std::string read_text(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

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
    if (options.copy_bytes > VP_STACK_COPY_MAX)
        return common::make_error("the stack copy is at most " + std::to_string(VP_STACK_COPY_MAX) + " bytes");
    std::unique_ptr<StackCollector> collector(new StackCollector());
    collector->frequency_hz_ = options.frequency_hz;
    collector->count_entries_ = options.count_entries;

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
    bool btf = bpf_support::use_btf_tracepoints(options.force_raw_tracepoints);
    bpf_program__set_autoload(skeleton->progs.offcpu_switch_btf, btf);
    bpf_program__set_autoload(skeleton->progs.offcpu_switch_raw, !btf);
    skeleton->rodata->offcpu_min_ns = options.offcpu_min_ns;
    skeleton->rodata->stack_copy_bytes = options.copy_bytes;
    if (int error = bpf_map__set_max_entries(skeleton->maps.stack_copies,
                                             options.copy_bytes ? options.copy_ring_bytes : 4096))
        return libbpf_error("cannot size the stack copy ring buffer", error);
    if (int error = bpf_map__set_max_entries(skeleton->maps.offcpu_copies,
                                             options.copy_bytes ? options.offcpu_copy_slots : 1))
        return libbpf_error("cannot size the off-CPU stack copies", error);
    for (bpf_map* map : {skeleton->maps.user_stacks, skeleton->maps.kernel_stacks})
        if (int error = bpf_map__set_max_entries(map, options.stack_entries))
            return libbpf_error("cannot size the stack maps", error);
    for (bpf_map* map : {skeleton->maps.stack_counts, skeleton->maps.offcpu_starts})
        if (int error = bpf_map__set_max_entries(map, options.count_entries))
            return libbpf_error("cannot size the stack count maps", error);

    // The mmap records first, so no mapping made after the sampler starts
    // is missed; validprof's own mappings are what a recorded command runs
    // until it execs.
    // With --unwind fp too: they name the files behind build-ids.
    auto events = MmapEvents::create();
    if (!events) return events.error();
    collector->mmap_events_ = std::move(*events);
    collector->copying_ = options.copy_bytes > 0;
    collector->mappings_.add_proc_maps(static_cast<std::int32_t>(::getpid()), read_text("/proc/self/maps"));
    if (auto vdso = own_vdso()) {
        collector->vdso_build_id_ = vdso->build_id();
        collector->vdso_size_ = vdso->file_size();
        collector->modules_.add("[vdso]", vdso);
    }

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

int StackCollector::copy_ring_buffer_fd() const {
    return copying_ ? bpf_map__fd(skeleton_->maps.stack_copies) : -1;
}

std::optional<MappedCode> StackCollector::lookup(std::int32_t pid, std::uint64_t address, std::uint64_t time_ns) {
    const Mapping* mapping = mappings_.find(pid, address, time_ns);
    if (!mapping && !mappings_.knows(pid) && proc_maps_read_.insert(pid).second) {
        // A process the records did not cover (lost records, or one that
        // existed before the session): its maps now, if it still runs.
        std::string text = read_text("/proc/" + std::to_string(pid) + "/maps");
        if (!text.empty()) mappings_.add_proc_maps(pid, text);
        mapping = mappings_.find(pid, address, time_ns);
    }
    if (!mapping) return std::nullopt;
    MappedCode code;
    code.file_offset = address - mapping->start + mapping->file_offset;
    if (mapping->path == "[vdso]") {
        code.module = modules_.get("[vdso]");
        // Named by its build-id like a file, so that the symbolizer, which
        // knows the same image, names its frames. Not for a vDSO of another
        // size (a 32-bit process's): that is not the image we have.
        const ElfImage* vdso = code.module ? code.module->image.get() : nullptr;
        if (vdso && vdso->file_size() == mapping->end - mapping->start) code.build_id = vdso->build_id();
    } else if (!mapping->path.empty() && mapping->path.front() == '/') {
        code.module = modules_.get(mapping->path);
        std::optional<BuildId> file_id = code.module->image ? code.module->image->build_id() : std::nullopt;
        code.build_id = mapping->build_id ? mapping->build_id : file_id;
        // A file replaced since it was mapped: its CFI is not the code's.
        if (mapping->build_id && file_id && *mapping->build_id != *file_id) code.module = nullptr;
    }
    return code;
}

void StackCollector::forget_exited(std::uint64_t now_ns) {
    std::erase_if(exited_, [&](const std::pair<std::uint64_t, std::int32_t>& exited) {
        if (now_ns - exited.first < kExitedGraceNs) return false;
        mappings_.forget(exited.second);
        return true;
    });
}

void StackCollector::drain_mappings() {
    std::uint64_t now = monotonic_ns();
    exited_scratch_.clear();
    mmap_events_->drain(mappings_, exited_scratch_);
    for (std::int32_t pid : exited_scratch_) exited_.emplace_back(now, pid);
    forget_exited(now);
}

std::map<std::string, std::string> StackCollector::mapped_files() const {
    return {mappings_.files().begin(), mappings_.files().end()};
}

void StackCollector::handle_copy(const void* data, std::size_t size) {
    if (size < offsetof(vp_stack_copy, stack)) {
        ++undecodable_copies_;
        return;
    }
    vp_stack_copy header{};
    std::memcpy(&header, data, offsetof(vp_stack_copy, stack));
    if (header.stack_bytes > size - offsetof(vp_stack_copy, stack)) {
        ++undecodable_copies_;
        return;
    }
    // Every mapping made before this sample is in the mmap rings by now.
    drain_mappings();

    auto pid = static_cast<std::int32_t>(header.pid);
    std::span<const unsigned char> stack(static_cast<const unsigned char*>(data) + offsetof(vp_stack_copy, stack),
                                         header.stack_bytes);
    UnwoundStack unwound;
    if (!mappings_.find(pid, header.ip, header.time_ns) && mappings_.in_replaced_image(pid, header.ip, header.time_ns)) {
        // Sampled inside execve, between the new image's arrival and its
        // first instruction: the registers are the old program's.
        unwound.truncated = "in exec";
    } else {
        unwound = unwind_user_stack({header.ip, header.sp, header.bp}, stack,
                                    [&](std::uint64_t address) { return lookup(pid, address, header.time_ns); });
    }
    ++stats_.samples;
    stats_.cfi_steps += unwound.cfi_steps;
    stats_.fp_steps += unwound.fp_steps;
    stats_.copy_bytes += header.stack_bytes;

    UnwoundKey key{pid, header.uid, header.kind, header.phase, header.kernel_stack, std::move(unwound.frames),
                   std::move(unwound.truncated)};
    auto found = unwound_.find(key);
    if (found == unwound_.end()) {
        if (unwound_.size() >= count_entries_) {
            ++unwound_dropped_;
            return;
        }
        found = unwound_.emplace(std::move(key), UnwoundValue{}).first;
    }
    found->second.count += 1;
    found->second.total_ns += header.total_ns;
}

StackCollector::~StackCollector() {
    bpf_support::destroy_links_concurrently(links_);  // detach before the programs and maps go
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
        // The kernel gives vDSO frames as bare addresses (the vDSO has no
        // file to read a build-id from): the vDSO's, like the unwinder's.
        for (UserFrame& frame : stack.user_frames) {
            if (frame.has_build_id || !vdso_build_id_) continue;
            auto vdso = mappings_.vdso_range(stack.pid, frame.offset_or_ip);
            if (!vdso || vdso->second - vdso->first != vdso_size_) continue;
            frame.has_build_id = true;
            frame.build_id = *vdso_build_id_;
            frame.offset_or_ip -= vdso->first;
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
    for (const auto& [key, value] : unwound_) {
        RawStack stack;
        stack.pid = key.pid;
        stack.uid = key.uid;
        stack.kind = static_cast<SampleKind>(key.kind);
        stack.count = value.count;
        stack.total_ns = value.total_ns;
        stack.phase = key.phase;
        stack.user_frames = key.frames;
        stack.truncated = key.truncated;
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
    // A copy the ring could not take fell back to the frame-pointer walk:
    // a note too. An off-CPU copy evicted before the thread ran again left
    // the sample without its user stack.
    static const char* const names[VP_STACK_COUNTER_MAX] = {
        "stack_counts_full",          "note_stack_user_unavailable", "note_stack_kernel_unavailable",
        "stack_offcpu_map_full",      "note_stack_copy_dropped",     "note_stack_copy_slot_lost",
        "note_stack_switch_in_unseen"};
    std::map<std::string, std::uint64_t> lost;
    std::vector<std::uint64_t> counts = bpf_support::read_percpu_counters(bpf_map__fd(skeleton_->maps.stack_counters), VP_STACK_COUNTER_MAX);
    for (std::uint32_t index = 0; index < VP_STACK_COUNTER_MAX; ++index) lost[names[index]] = counts[index];
    lost["note_stack_mmap_records_lost"] = mmap_events_->lost();
    if (copying_) {
        lost["stack_unwound_map_full"] = unwound_dropped_;
        lost["stack_copy_undecodable"] = undecodable_copies_;
    }
    return lost;
}

}  // namespace validprof::stacks
