// HookTracer owns the kernel side: the hook_trace BPF skeleton, its links
// and the ring buffer. open → configure → load → attach happens in
// create(); destruction detaches everything (links, programs, maps), so
// an interrupted validprof leaves nothing of ours loaded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/process_events.h"
#include "model/wait.h"
#include "model/sched_times.h"
#include "tracer/process_gate.h"

struct hook_trace;
struct ring_buffer;

namespace validprof::tracer {

// Waits shorter than this stay in the totals without a reason (50 µs; the
// same default as VP_WAIT_RECORD_MIN_NS in bpf/hook_trace.h).
inline constexpr std::uint64_t kDefaultWaitRecordMinNs = 50'000;

struct TracerOptions {
    // Attach mode: provisionally track every task that execs (see
    // bpf/hook_trace.bpf.c); record mode tracks only the seeded command.
    bool track_new_execs = false;
    std::uint32_t max_tracked_threads = 65536;
    std::uint32_t ring_buffer_bytes = 8u << 20;  // power of two, multiple of the page size
    // Waits at least this long send their reason (bpf/hook_trace.h).
    std::uint64_t wait_record_min_ns = kDefaultWaitRecordMinNs;
    // Use raw tracepoints even where BTF tracepoints work (testing the
    // fallback; VALIDPROF_FORCE_RAW_TP=1 sets it from the environment).
    bool force_raw_tracepoints = false;
    // Stop tracked processes at the exec of files not inspected yet (see
    // bpf/hook_trace.bpf.c); the ExecEvent says `gated`.
    bool gate_unchecked_executables = false;
    // Trace syncs, locks, forks and execs of tracked threads entry to exit
    // (SyscallSpan). Needs the sys_enter/sys_exit tracepoints, which make
    // every system call on the machine take the kernel's traced path.
    bool syscall_spans = false;
};

// A thread still tracked when the session ends, with its totals so far.
struct LiveThreadTimes {
    std::int32_t pid = 0;
    std::int32_t tid = 0;
    model::SchedTimes times;
};

class HookTracer {
public:
    using EventHandler = std::function<void(const model::ProcessEvent&)>;
    // Waits and traced system calls of tracked threads (model/wait.h);
    // without a handler they are dropped.
    using WaitHandler = std::function<void(model::WaitInterval&&)>;
    using SpanHandler = std::function<void(model::SyscallSpan&&)>;

    static common::Result<std::unique_ptr<HookTracer>> create(const TracerOptions& options, EventHandler handler,
                                                              WaitHandler wait_handler = {},
                                                              SpanHandler span_handler = {});
    ~HookTracer();
    HookTracer(const HookTracer&) = delete;
    HookTracer& operator=(const HookTracer&) = delete;

    // Delivers pending events to the handler; waits up to timeout_ms for
    // the first one. Returns how many were delivered.
    common::Result<int> poll(int timeout_ms);

    // While set, children forked by the calling thread are tracked from
    // their birth (the thread itself is not): record forks its command
    // between the two calls.
    common::Result<void> track_children_of_calling_thread(bool enabled);
    // Stops tracking `tid` unless it exec'd after `judged_exec_ns` (the
    // exec userspace decided about; 0: any exec since tracking began keeps
    // it). The map entry is taken out atomically and put back if a newer
    // exec shows in it, so an exec racing the request is never untracked.
    void untrack_thread(std::int32_t tid, std::uint64_t judged_exec_ns, std::uint64_t seen_by_ns);

    // Counters of events the kernel side could not deliver, by reason, plus
    // records userspace could not decode. Zero counts are included.
    std::map<std::string, std::uint64_t> lost_events() const;
    std::vector<LiveThreadTimes> live_threads() const;

    // Another BPF ring buffer polled with this one; records go to handler.
    using RecordHandler = std::function<void(const void* data, std::size_t size)>;
    common::Result<void> add_ring_buffer(int map_fd, RecordHandler handler);

    // The tracked-threads map, for other BPF objects that filter on it.
    int tracked_threads_fd() const;
    // The gate's maps (bpf/process_gate.bpf.h), for ProcessGate and the
    // other BPF objects that hold processes.
    GateMaps gate_maps() const;

    std::uint64_t events_received() const { return events_received_; }
    // "tp_btf" or "raw_tp": which tracepoint flavour is attached.
    const std::string& tracepoint_flavour() const { return flavour_; }

private:
    HookTracer() = default;
    static int on_ring_buffer_record(void* context, void* data, std::size_t size);

    struct SkeletonDeleter {
        void operator()(hook_trace* skeleton) const;
    };
    struct RingBufferDeleter {
        void operator()(ring_buffer* buffer) const;
    };

    std::unique_ptr<hook_trace, SkeletonDeleter> skeleton_;
    std::unique_ptr<ring_buffer, RingBufferDeleter> ring_buffer_;
    EventHandler handler_;
    WaitHandler wait_handler_;
    SpanHandler span_handler_;

    std::vector<std::unique_ptr<RecordHandler>> extra_handlers_;  // stable addresses for libbpf
    std::string flavour_;
    std::uint64_t events_received_ = 0;
    std::uint64_t untrack_races_ = 0;         // untrack requests overtaken by a newer exec
    std::uint64_t untrack_other_thread_ = 0;  // untrack requests whose tid a newer thread took
    std::uint64_t undecodable_records_ = 0;
};

}  // namespace validprof::tracer
