#include "tracer/hook_tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <cstdlib>
#include <cstring>
#include <vector>

// The skeleton names the ABI structs, so the ABI header comes first.
#include "tracer/hook_trace_abi.h"
#include "hook_trace.skel.h"
#include "bpf_support/kernel_features.h"
#include "bpf_support/libbpf_error.h"
#include "bpf_support/libbpf_logging.h"
#include "bpf_support/percpu_counters.h"
#include "tracer/event_decoder.h"

namespace validprof::tracer {
namespace {

using bpf_support::libbpf_error;

// Each scheduler and lifecycle hook exists as a tp_btf and a raw_tp
// program; exactly one of each pair is loaded.
void choose_tracepoint_flavour(hook_trace* skeleton, bool btf) {
    bpf_program* btf_programs[] = {
        skeleton->progs.sched_switch_btf,        skeleton->progs.sched_wakeup_btf,
        skeleton->progs.sched_wakeup_new_btf,    skeleton->progs.sched_process_fork_btf,
        skeleton->progs.sched_process_exec_btf,  skeleton->progs.sched_process_exit_btf,
        skeleton->progs.sched_process_free_btf,  skeleton->progs.sched_waking_btf,
        skeleton->progs.sys_enter_btf,           skeleton->progs.sys_exit_btf,
    };
    bpf_program* raw_programs[] = {
        skeleton->progs.sched_switch_raw,        skeleton->progs.sched_wakeup_raw,
        skeleton->progs.sched_wakeup_new_raw,    skeleton->progs.sched_process_fork_raw,
        skeleton->progs.sched_process_exec_raw,  skeleton->progs.sched_process_exit_raw,
        skeleton->progs.sched_process_free_raw,  skeleton->progs.sched_waking_raw,
        skeleton->progs.sys_enter_raw,           skeleton->progs.sys_exit_raw,
    };
    for (bpf_program* program : btf_programs) bpf_program__set_autoload(program, btf);
    for (bpf_program* program : raw_programs) bpf_program__set_autoload(program, !btf);
}

const char* counter_name(std::uint32_t index) {
    switch (index) {
        case VP_LOST_RINGBUF_FORK: return "ringbuf_full_fork";
        case VP_LOST_RINGBUF_EXEC: return "ringbuf_full_exec";
        case VP_LOST_RINGBUF_EXIT: return "ringbuf_full_exit";
        case VP_LOST_TRACK_FULL: return "tracked_map_full";
        case VP_COUNTER_CPU_FOLDED: return "note_cpu_id_folded";
        case VP_COUNTER_SWITCH_IN_UNSEEN: return "note_switch_in_unseen";
        case VP_COUNTER_FINAL_SWITCH_UNSEEN: return "note_final_switch_unseen";
        case VP_COUNTER_ARRIVAL_UNCOUNTED: return "note_arrival_uncounted_by_kernel";
        case VP_LOST_RINGBUF_WAIT: return "ringbuf_full_wait";
        case VP_LOST_RINGBUF_SPAN: return "ringbuf_full_span";
        default: return "unknown";
    }
}

}  // namespace

void HookTracer::SkeletonDeleter::operator()(hook_trace* skeleton) const { hook_trace__destroy(skeleton); }
void HookTracer::RingBufferDeleter::operator()(ring_buffer* buffer) const { ring_buffer__free(buffer); }

static_assert(kDefaultWaitRecordMinNs == VP_WAIT_RECORD_MIN_NS);

common::Result<std::unique_ptr<HookTracer>> HookTracer::create(const TracerOptions& options, EventHandler handler,
                                                               WaitHandler wait_handler, SpanHandler span_handler) {
    if (auto privileges = bpf_support::check_tracing_privileges(); !privileges) return privileges.error();
    if (auto support = bpf_support::check_kernel_support(); !support) return support.error();
    bpf_support::route_libbpf_logging();

    std::unique_ptr<HookTracer> tracer(new HookTracer());
    tracer->handler_ = std::move(handler);
    tracer->wait_handler_ = std::move(wait_handler);
    tracer->span_handler_ = std::move(span_handler);

    // open
    tracer->skeleton_.reset(hook_trace__open());
    if (!tracer->skeleton_) return libbpf_error("cannot open the hook_trace BPF object", errno);
    hook_trace* skeleton = tracer->skeleton_.get();

    // configure
    bool use_btf = bpf_support::use_btf_tracepoints(options.force_raw_tracepoints);
    tracer->flavour_ = use_btf ? "tp_btf" : "raw_tp";
    choose_tracepoint_flavour(skeleton, use_btf);
    if (!options.syscall_spans)
        for (bpf_program* program : {skeleton->progs.sys_enter_btf, skeleton->progs.sys_exit_btf,
                                     skeleton->progs.sys_enter_raw, skeleton->progs.sys_exit_raw})
            bpf_program__set_autoload(program, false);
    skeleton->rodata->track_new_execs = options.track_new_execs ? 1 : 0;
    skeleton->rodata->gate_unchecked_executables = options.gate_unchecked_executables ? 1 : 0;
    skeleton->rodata->kernel_keeps_run_delay = bpf_support::kernel_keeps_run_delay() ? 1 : 0;
    skeleton->rodata->wait_record_min_ns = options.wait_record_min_ns;
    if (int error = bpf_map__set_max_entries(skeleton->maps.tracked_threads, options.max_tracked_threads))
        return libbpf_error("cannot size the tracked-threads map", error);
    if (int error = bpf_map__set_max_entries(skeleton->maps.events, options.ring_buffer_bytes))
        return libbpf_error("cannot size the ring buffer", error);

    // load
    if (int error = hook_trace__load(skeleton))
        return libbpf_error("the kernel refused validprof's BPF programs (run with -v for the verifier log)",
                            error);

    // attach
    if (int error = hook_trace__attach(skeleton))
        return libbpf_error("cannot attach to the scheduler tracepoints", error);

    tracer->ring_buffer_.reset(ring_buffer__new(bpf_map__fd(skeleton->maps.events),
                                                &HookTracer::on_ring_buffer_record, tracer.get(), nullptr));
    if (!tracer->ring_buffer_) return libbpf_error("cannot map the BPF ring buffer", errno);

    spdlog::debug("attached hook_trace ({} tracepoints, track_new_execs={})", tracer->flavour_,
                  options.track_new_execs);
    return tracer;
}

HookTracer::~HookTracer() {
    // The ring buffer's epoll set refers to the map: free it first.
    ring_buffer_.reset();
    skeleton_.reset();
}

int HookTracer::on_ring_buffer_record(void* context, void* data, std::size_t size) {
    auto* tracer = static_cast<HookTracer*>(context);
    const std::uint32_t kind = record_kind(data, size);
    if (kind == VP_EVENT_SPAN) {
        auto span = decode_span(data, size);
        if (!span) {
            ++tracer->undecodable_records_;
            return 0;
        }
        ++tracer->events_received_;
        if (tracer->span_handler_) tracer->span_handler_(std::move(*span));
        return 0;
    }
    if (kind == VP_EVENT_WAIT) {
        auto wait = decode_wait(data, size);
        if (!wait) {
            ++tracer->undecodable_records_;
            spdlog::debug("undecodable ring buffer record: {}", wait.error().message);
            return 0;
        }
        ++tracer->events_received_;
        if (tracer->wait_handler_) tracer->wait_handler_(std::move(*wait));
        return 0;
    }
    auto event = decode_event(data, size);
    if (!event) {
        ++tracer->undecodable_records_;
        spdlog::debug("undecodable ring buffer record: {}", event.error().message);
        return 0;
    }
    ++tracer->events_received_;
    tracer->handler_(*event);
    return 0;
}

common::Result<int> HookTracer::poll(int timeout_ms) {
    // Most records are submitted without a wakeup (BPF_RB_NO_WAKEUP), so
    // the wait ends at the timeout or at a record that must be seen now (a
    // stopped process); then everything queued is consumed.
    int woken = ring_buffer__poll(ring_buffer_.get(), timeout_ms);
    if (woken < 0 && woken != -EINTR) return libbpf_error("reading the BPF ring buffer failed", woken);
    int consumed = ring_buffer__consume(ring_buffer_.get());
    if (consumed < 0 && consumed != -EINTR) return libbpf_error("reading the BPF ring buffer failed", consumed);
    return std::max(woken, 0) + std::max(consumed, 0);
}

common::Result<void> HookTracer::track_children_of_calling_thread(bool enabled) {
    __u32 tid = static_cast<__u32>(::gettid());
    int map_fd = bpf_map__fd(skeleton_->maps.spawners);
    if (enabled) {
        __u8 yes = 1;
        if (bpf_map_update_elem(map_fd, &tid, &yes, BPF_ANY) != 0)
            return libbpf_error("cannot mark this thread's children for tracking", errno);
    } else {
        bpf_map_delete_elem(map_fd, &tid);
    }
    return common::success();
}

void HookTracer::untrack_thread(std::int32_t tid, std::uint64_t judged_exec_ns, std::uint64_t seen_by_ns) {
    const int map = bpf_map__fd(skeleton_->maps.tracked_threads);
    __u32 key = static_cast<__u32>(tid);
    auto state = std::make_unique<vp_thread_state>();  // ~2.3 KB
    // Look first: most requests that must not apply are seen here, and an
    // entry never taken out cannot miss an event. ENOENT is normal: the
    // thread may have exited meanwhile.
    if (bpf_map_lookup_elem(map, &key, state.get()) != 0) return;
    if (state->tracked_ns > seen_by_ns) {
        // A newer thread with the same tid: the request was not about it.
        ++untrack_other_thread_;
        return;
    }
    if (state->exec_ns > judged_exec_ns) {
        // It exec'd since: that exec's event decides.
        ++untrack_races_;
        return;
    }
    if (bpf_map_lookup_and_delete_elem(map, &key, state.get()) != 0) {
        // Kernels before 5.14 cannot take a hash entry out atomically; the
        // look above stands in (an exec between the two is lost to tracking).
        if (errno != ENOENT) bpf_map_delete_elem(map, &key);
        return;
    }
    if (state->exec_ns > judged_exec_ns || state->tracked_ns > seen_by_ns) {
        // It exec'd (or the tid was reused) between the look and the take:
        // back in. BPF programs that ran meanwhile saw it untracked, which
        // the next switch-out repairs from the kernel's counters
        // (catch_up_with_kernel).
        if (bpf_map_update_elem(map, &key, state.get(), BPF_NOEXIST) == 0) ++untrack_races_;
    }
}

common::Result<void> HookTracer::add_ring_buffer(int map_fd, RecordHandler handler) {
    auto& stored = extra_handlers_.emplace_back(std::make_unique<RecordHandler>(std::move(handler)));
    auto forward = [](void* context, void* data, std::size_t size) -> int {
        (*static_cast<RecordHandler*>(context))(data, size);
        return 0;
    };
    if (int error = ring_buffer__add(ring_buffer_.get(), map_fd, forward, stored.get()))
        return libbpf_error("cannot poll a second BPF ring buffer", error);
    return common::success();
}

int HookTracer::tracked_threads_fd() const { return bpf_map__fd(skeleton_->maps.tracked_threads); }
GateMaps HookTracer::gate_maps() const {
    return {.checked_files = bpf_map__fd(skeleton_->maps.checked_files),
            .held_processes = bpf_map__fd(skeleton_->maps.held_processes),
            .gate_state = bpf_map__fd(skeleton_->maps.gate_state)};
}

std::map<std::string, std::uint64_t> HookTracer::lost_events() const {
    std::map<std::string, std::uint64_t> lost;
    std::vector<std::uint64_t> counts =
        bpf_support::read_percpu_counters(bpf_map__fd(skeleton_->maps.counters), VP_COUNTER_MAX);
    for (std::uint32_t index = 0; index < VP_COUNTER_MAX; ++index) lost[counter_name(index)] = counts[index];
    lost["undecodable_record"] = undecodable_records_;
    lost["note_untrack_overtaken_by_exec"] = untrack_races_;
    lost["note_untrack_tid_reused"] = untrack_other_thread_;
    return lost;
}

std::vector<LiveThreadTimes> HookTracer::live_threads() const {
    std::vector<LiveThreadTimes> threads;
    int map_fd = bpf_map__fd(skeleton_->maps.tracked_threads);
    __u32 key = 0;
    __u32 next_key = 0;
    __u32* previous = nullptr;
    auto state = std::make_unique<vp_thread_state>();
    while (bpf_map_get_next_key(map_fd, previous, &next_key) == 0) {
        if (bpf_map_lookup_elem(map_fd, &next_key, state.get()) == 0)
            threads.push_back({static_cast<std::int32_t>(state->pid), static_cast<std::int32_t>(next_key),
                               to_sched_times(state->totals)});
        key = next_key;
        previous = &key;
    }
    return threads;
}

}  // namespace validprof::tracer
