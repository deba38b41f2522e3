#include "explain/critical_path.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "explain/syscalls.h"

namespace validprof::explain {
namespace {

constexpr std::uint16_t kFamilyUnix = 1;
constexpr std::uint16_t kFamilyInet = 2;
constexpr std::uint16_t kFamilyInet6 = 10;
constexpr std::uint32_t kSocketStream = 1;
constexpr std::uint16_t kDnsPort = 53;

// One thread of the invocation as the walk sees it.
// A stretch of a thread's time that names its cause whatever the thread
// did in it: its process's start before the exec, its exit path, a traced
// system call (an fsync, a lock, a fork, an exec).
struct Overlay {
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
    CauseKind kind = CauseKind::ProcessSpawn;
    std::string syscall;  // the traced call, "" for the process's start and exit
    int priority = 0;     // the higher wins where overlays meet
    // Relabels only the thread's own running in it (CPU, short waits), not
    // its waits: for wait4, whose waits the path follows.
    bool running_only = false;
    std::int32_t subject_pid = 0;  // the process it is about, when another (the child forked or reaped)
};

struct ThreadView {
    const model::ProcessRecord* process = nullptr;
    model::ThreadRecord thread;
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;  // its final switch, or the invocation's end while alive
    std::vector<const model::WaitInterval*> waits;  // by off_ns, inside [start_ns, end_ns]
    // Each wait's run-queue part, after its wakeup: see queue_after_wakeup().
    std::vector<std::uint64_t> waits_queue_ns;
    std::vector<Overlay> overlays;                  // by start_ns
    bool main_thread = false;
    bool short_lived = false;  // its process lived under kShortProcessNs: start-up, but for its CPU waits
};

// A process (not the invocation's root) that lives less than this is
// counted as process_spawn, but for its waits for a CPU: starting and
// tearing it down is most of its life (a `grep` in a pipeline, `true`, a
// burst of helpers).
constexpr std::uint64_t kShortProcessNs = 2'000'000;
constexpr std::uint64_t kCloneThread = 0x00010000;  // CLONE_THREAD: a thread, not a process

// What a traced call's time is, or nothing for a call that names no cause.
std::optional<CauseKind> span_kind(const model::SyscallSpan& span) {
    const std::string name = syscall_name(span.syscall);
    switch (syscall_group(span.syscall)) {
        case SyscallGroup::Sync: return CauseKind::Fsync;
        case SyscallGroup::Lock:
            if (name == "flock" || fcntl_waits_for_lock(span.arg1)) return CauseKind::FileLock;
            return std::nullopt;
        case SyscallGroup::Spawn:
            if (name == "execve" || name == "execveat") return span.result < 0 ? CauseKind::ExecFailed : CauseKind::ProcessSpawn;
            if (name == "clone" && (span.arg0 & kCloneThread)) return std::nullopt;
            return CauseKind::ProcessSpawn;
        case SyscallGroup::ChildWait:
            // Reaping the child (freeing what was left of it) is its teardown.
            return span.result > 0 ? std::optional<CauseKind>(CauseKind::ProcessSpawn) : std::nullopt;
        default:
            return std::nullopt;
    }
}

std::string object_of(const model::WaitInterval& wait) {
    switch (wait.object) {
        case model::WaitObject::File:
        case model::WaitObject::Directory:
        case model::WaitObject::BlockDevice:
        case model::WaitObject::CharDevice:
            return wait.object_path.empty() ? "inode " + std::to_string(wait.object_inode) : wait.object_path;
        case model::WaitObject::Pipe:
            return "pipe:[" + std::to_string(wait.object_inode) + "]";
        case model::WaitObject::Socket: {
            if (wait.socket_family == kFamilyUnix) return "unix socket:[" + std::to_string(wait.object_inode) + "]";
            std::string protocol = wait.socket_type == kSocketStream ? "TCP " : "UDP ";
            if (wait.socket_peer_port == kDnsPort && !wait.socket_peer.empty())
                return "DNS lookup (" + protocol + wait.socket_peer + ")";
            return protocol + (wait.socket_peer.empty() ? "socket" : wait.socket_peer);
        }
        case model::WaitObject::Other:
            return "anonymous inode " + std::to_string(wait.object_inode);
        case model::WaitObject::None:
            break;
    }
    return "";
}

bool inet_socket(const model::WaitInterval& wait) {
    return wait.object == model::WaitObject::Socket &&
           (wait.socket_family == kFamilyInet || wait.socket_family == kFamilyInet6);
}

CauseKind kind_of(const model::WaitInterval& wait) {
    if (wait.woken_by_observer) return CauseKind::Observer;
    if (wait.state == model::WaitState::Runnable) return CauseKind::RunQueue;
    if (wait.state == model::WaitState::Stopped) return CauseKind::Stopped;
    const SyscallGroup group = syscall_group(wait.syscall);
    switch (group) {
        case SyscallGroup::Sync: return CauseKind::Fsync;
        case SyscallGroup::Lock:
            if (syscall_name(wait.syscall) == "flock" || fcntl_waits_for_lock(wait.args[1])) return CauseKind::FileLock;
            return CauseKind::OtherWait;
        case SyscallGroup::Futex: return CauseKind::Futex;
        case SyscallGroup::ChildWait: return CauseKind::ChildWait;
        case SyscallGroup::Sleep: return CauseKind::Sleep;
        case SyscallGroup::Poll: return CauseKind::Poll;
        case SyscallGroup::Spawn: return CauseKind::ProcessSpawn;
        case SyscallGroup::Connect: return inet_socket(wait) ? CauseKind::Network : CauseKind::Pipe;
        case SyscallGroup::Read:
        case SyscallGroup::Write:
            if (inet_socket(wait)) return CauseKind::Network;
            if (wait.object == model::WaitObject::Socket || wait.object == model::WaitObject::Pipe) return CauseKind::Pipe;
            if (wait.object == model::WaitObject::File || wait.object == model::WaitObject::Directory ||
                wait.object == model::WaitObject::BlockDevice || wait.state == model::WaitState::Blocked)
                return CauseKind::DiskIo;
            return CauseKind::OtherWait;
        case SyscallGroup::None:
        case SyscallGroup::Signal:
        case SyscallGroup::Other:
            break;
    }
    // Uninterruptible outside those: page faults, metadata reads (stat,
    // open), reads of executables and libraries.
    return wait.state == model::WaitState::Blocked ? CauseKind::DiskIo : CauseKind::OtherWait;
}

// A waker that explains the wait: a thread of the invocation, running in
// process context, that is not validprof and not the thread itself.
bool followable(const model::WaitInterval& wait) {
    return wait.waker_tid != 0 && !wait.waker_in_interrupt && !wait.woken_by_observer && wait.waker_tid != wait.tid &&
           wait.state != model::WaitState::Runnable;
}

class Walk {
public:
    Walk(const model::Invocation& invocation, const std::vector<const model::WaitInterval*>& waits,
         const std::vector<const model::SyscallSpan*>& spans)
        : invocation_(invocation) {
        for (const model::ProcessRecord& process : invocation.processes) {
            std::vector<model::ThreadRecord> threads = process.thread_records;
            if (threads.empty()) {  // stored before threads were: the process as one thread
                model::ThreadRecord only;
                only.tid = process.pid;
                only.start_ns = process.start_ns;
                only.end_ns = process.end_ns;
                only.exited = process.exited;
                only.times = process.times;
                threads.push_back(only);
            }
            for (const model::ThreadRecord& thread : threads) {
                ThreadView view;
                view.process = &process;
                view.thread = thread;
                view.start_ns = thread.start_ns ? thread.start_ns : process.start_ns;
                view.end_ns = thread.exited && thread.end_ns ? thread.end_ns : invocation.last_end_ns;
                view.main_thread = thread.tid == process.pid;
                view.short_lived = process.pid != invocation.root_pid && process.exited &&
                                   process.end_ns > process.start_ns &&
                                   process.end_ns - process.start_ns < kShortProcessNs;
                if (view.main_thread && process.exec_ns > process.start_ns)
                    view.overlays.push_back({process.start_ns, process.exec_ns, CauseKind::ProcessSpawn, "", 1});
                if (thread.exiting_ns && thread.exiting_ns < view.end_ns)
                    view.overlays.push_back({thread.exiting_ns, view.end_ns, CauseKind::ProcessExit, "", 3});
                threads_.emplace(thread.tid, std::move(view));
            }
        }
        for (const model::WaitInterval* wait : waits) {
            auto found = threads_.find(wait->tid);
            if (found == threads_.end() || found->second.process->pid != wait->pid) continue;
            ThreadView& view = found->second;
            if (wait->on_ns <= view.start_ns || wait->off_ns >= view.end_ns || wait->on_ns < wait->off_ns) continue;
            view.waits.push_back(wait);
        }
        for (const model::SyscallSpan* span : spans) {
            auto found = threads_.find(span->tid);
            if (found == threads_.end() || found->second.process->pid != span->pid || span->end_ns <= span->start_ns) continue;
            auto kind = span_kind(*span);
            if (!kind) continue;
            Overlay overlay{span->start_ns, span->end_ns, *kind, syscall_name(span->syscall), 2};
            if (syscall_group(span->syscall) == SyscallGroup::ChildWait) {
                overlay.running_only = true;
                overlay.subject_pid = static_cast<std::int32_t>(span->result);  // the reaped child
            } else if (*kind == CauseKind::ProcessSpawn && overlay.syscall != "execve" && overlay.syscall != "execveat") {
                overlay.subject_pid = created_during(span->tid, span->start_ns, span->end_ns);
            }
            found->second.overlays.push_back(overlay);
        }
        for (auto& [tid, view] : threads_) {
            std::sort(view.overlays.begin(), view.overlays.end(),
                      [](const Overlay& a, const Overlay& b) { return a.start_ns < b.start_ns; });
            std::sort(view.waits.begin(), view.waits.end(),
                      [](const auto* a, const auto* b) { return a->off_ns < b->off_ns; });
            // Overlapping records cannot happen for one thread; drop any
            // that would (a lost switch), keeping the earlier.
            std::vector<const model::WaitInterval*> kept;
            for (const model::WaitInterval* wait : view.waits)
                if (kept.empty() || wait->off_ns >= kept.back()->on_ns) kept.push_back(wait);
            view.waits = std::move(kept);
            for (std::size_t i = 0; i < view.waits.size(); ++i)
                view.waits_queue_ns.push_back(queue_after_wakeup(view, i));
        }
    }

    // A wait's run-queue part: from its wakeup (sched_waking, our clock) to
    // its switch-in, but never more than the kernel counts between this
    // switch-out and the next. The kernel starts counting when the task is
    // queued, which on an idle CPU comes after the waking IPI; the time in
    // between is the wait's own (the wakeup still in flight), and the path's
    // run-queue wait stays the kernel's figure, the one report shows.
    static std::uint64_t queue_after_wakeup(const ThreadView& view, std::size_t index) {
        const model::WaitInterval& wait = *view.waits[index];
        const std::uint64_t by_our_clock = wait.run_queue_ns();
        const std::uint64_t next = totals_before(view, index + 1).run_queue_ns;
        if (next < wait.run_queue_before_ns) return by_our_clock;  // records out of step: keep ours
        return std::min(by_our_clock, next - wait.run_queue_before_ns);
    }

    // The process whose main thread `creator` created between `from` and
    // `to` (a fork or clone in progress then), 0 if none is known.
    std::int32_t created_during(std::int32_t creator, std::uint64_t from, std::uint64_t to) const {
        for (const auto& [tid, view] : threads_)
            if (view.main_thread && view.thread.creator_tid == creator && view.start_ns >= from && view.start_ns <= to)
                return view.process->pid;
        return 0;
    }

    std::vector<PathSegment> run() {
        const std::uint64_t start = invocation_.start_ns;
        std::uint64_t t = invocation_.last_end_ns;
        ThreadView* current = last_thread();
        std::uint64_t last_jump_at = 0;
        // Every step either moves t back or changes thread at the same t,
        // and a jump at the same t is taken at most once: bounded.
        std::size_t steps = 0;
        const std::size_t limit = 16 * (total_waits() + threads_.size()) + 64;
        while (current && t > start && steps++ < limit) {
            ThreadView& view = *current;
            if (t <= view.start_ns) {
                ThreadView* creator = find(view.thread.creator_tid);
                if (!creator || creator == current || t <= creator->start_ns) break;
                current = creator;
                continue;
            }
            // The last wait that began before t.
            auto after = std::upper_bound(view.waits.begin(), view.waits.end(), t,
                                          [](std::uint64_t time, const auto* wait) { return time <= wait->off_ns; });
            const model::WaitInterval* wait = after == view.waits.begin() ? nullptr : *std::prev(after);
            const std::size_t index = static_cast<std::size_t>(after - view.waits.begin());  // stretch after `wait`
            if (wait && wait->on_ns >= t) {
                const std::uint64_t woken = wait->on_ns - view.waits_queue_ns[index - 1];
                if (t > woken) {  // runnable after the wakeup until t
                    emit(view, std::max(woken, start), t, runnable(*wait));
                    t = woken;
                    continue;
                }
                if (followable(*wait) && last_jump_at != t) {
                    ThreadView* waker = find(wait->waker_tid);
                    if (waker && waker != current && waker->start_ns < t) {
                        current = waker;
                        last_jump_at = t;
                        continue;
                    }
                }
                PathSegment piece = classify_wait(*wait);
                emit(view, std::max(wait->off_ns, start), t, piece);
                t = wait->off_ns;
                continue;
            }
            const std::uint64_t stretch_start = wait ? wait->on_ns : view.start_ns;
            emit_stretch(view, index, std::max(stretch_start, start), t);
            t = stretch_start;
        }
        if (t > start) {
            // Nothing observed explains the beginning (the root's exec
            // before its first event, or a walk cut short): its own piece.
            PathSegment piece;
            piece.kind = CauseKind::ProcessSpawn;
            piece.pid = invocation_.root_pid;
            piece.tid = invocation_.root_pid;
            piece.start_ns = start;
            piece.end_ns = t;
            segments_.push_back(piece);
        }
        std::reverse(segments_.begin(), segments_.end());
        return std::move(segments_);
    }

private:
    ThreadView* find(std::int32_t tid) {
        if (tid == 0) return nullptr;
        auto found = threads_.find(tid);
        return found == threads_.end() ? nullptr : &found->second;
    }

    std::size_t total_waits() const {
        std::size_t total = 0;
        for (const auto& [tid, view] : threads_) total += view.waits.size();
        return total;
    }

    // Where the walk begins: the thread that ended last; on a tie the
    // root's main thread, then the lowest tid (a deterministic walk).
    ThreadView* last_thread() {
        auto rank = [this](const ThreadView& view) {
            const bool root_main = view.process->pid == invocation_.root_pid && view.main_thread;
            return std::make_tuple(view.end_ns, root_main, -static_cast<std::int64_t>(view.thread.tid));
        };
        ThreadView* best = nullptr;
        for (auto& [tid, view] : threads_)
            if (!best || rank(view) > rank(*best)) best = &view;
        return best;
    }

    static PathSegment runnable(const model::WaitInterval& wait) {
        PathSegment piece;
        piece.kind = CauseKind::RunQueue;
        piece.other_pid = wait.holder_pid;
        piece.other_tid = wait.holder_tid;
        piece.other_comm = wait.holder_comm;
        piece.other_tracked = wait.holder_tracked;
        return piece;
    }

    // The thread's totals at a point of its timeline: at a wait's off_ns as
    // recorded; at its end its final totals.
    struct Totals {
        std::uint64_t on_cpu_ns = 0;
        std::uint64_t run_queue_ns = 0;
    };

    static Totals totals_before(const ThreadView& view, std::size_t index) {
        if (index < view.waits.size()) return {view.waits[index]->on_cpu_before_ns, view.waits[index]->run_queue_before_ns};
        return {view.thread.times.on_cpu_ns, view.thread.times.run_queue_wait_ns};
    }

    // The stretch of running between wait index-1 (or the thread's start)
    // and wait index (or its end), from `from` to `to`: its on-CPU,
    // run-queue wait and short waits in the proportions of its counters.
    void emit_stretch(const ThreadView& view, std::size_t index, std::uint64_t from, std::uint64_t to) {
        if (to <= from) return;
        const model::WaitInterval* before = index > 0 ? view.waits[index - 1] : nullptr;
        const std::uint64_t stretch_start = before ? before->on_ns : view.start_ns;
        const std::uint64_t stretch_end = index < view.waits.size() ? view.waits[index]->off_ns : view.end_ns;
        const std::uint64_t length = stretch_end > stretch_start ? stretch_end - stretch_start : 0;
        Totals at_start =
            before ? Totals{before->on_cpu_before_ns, before->run_queue_before_ns + view.waits_queue_ns[index - 1]}
                   : Totals{};
        Totals at_end = totals_before(view, index);
        double cpu = at_end.on_cpu_ns > at_start.on_cpu_ns ? static_cast<double>(at_end.on_cpu_ns - at_start.on_cpu_ns) : 0;
        double queue =
            at_end.run_queue_ns > at_start.run_queue_ns ? static_cast<double>(at_end.run_queue_ns - at_start.run_queue_ns) : 0;
        if (length == 0 || cpu + queue <= 0) {
            cpu = static_cast<double>(length);  // nothing counted: the thread was running
            queue = 0;
        }
        double total = std::max(cpu + queue, static_cast<double>(length));
        const double part = static_cast<double>(to - from);
        // Pieces in a fixed order inside [from, to]: CPU, then run queue,
        // then the short waits; their durations are exact, their order
        // within the stretch is not known.
        const std::uint64_t cpu_ns = static_cast<std::uint64_t>(part * cpu / total + 0.5);
        const std::uint64_t queue_ns = std::min<std::uint64_t>(static_cast<std::uint64_t>(part * queue / total + 0.5),
                                                               (to - from) - std::min(cpu_ns, to - from));
        const std::uint64_t cpu_end = std::min(to, from + cpu_ns);
        const std::uint64_t queue_end = std::min(to, cpu_end + queue_ns);
        // Walking backwards: the latest piece first.
        PathSegment piece;
        piece.kind = CauseKind::ShortWaits;
        emit(view, queue_end, to, piece);
        piece.kind = CauseKind::RunQueue;
        emit(view, cpu_end, queue_end, piece);
        piece.kind = CauseKind::Cpu;
        emit(view, from, cpu_end, piece);
    }

    // Adds a piece of `view`'s time, cut where overlays begin and end: in
    // them the piece is what the overlay names (the process's start, its
    // exit, a traced call), whatever the thread did there; its own reason
    // stays as evidence. Validprof's own cost is never relabelled.
    void emit(const ThreadView& view, std::uint64_t from, std::uint64_t to, PathSegment piece) {
        if (to <= from) return;
        piece.pid = view.process->pid;
        piece.tid = view.thread.tid;
        piece.original_kind = piece.kind;
        if (piece.kind == CauseKind::Observer) {
            push(piece, from, to);
            return;
        }
        // Cut points inside (from, to), then the pieces latest first.
        std::vector<std::uint64_t> cuts = {from, to};
        for (const Overlay& overlay : view.overlays) {
            if (overlay.start_ns >= to) break;
            if (overlay.end_ns <= from) continue;
            if (overlay.start_ns > from) cuts.push_back(overlay.start_ns);
            if (overlay.end_ns < to) cuts.push_back(overlay.end_ns);
        }
        std::sort(cuts.begin(), cuts.end());
        cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
        for (std::size_t i = cuts.size() - 1; i > 0; --i) {
            const std::uint64_t start = cuts[i - 1];
            const std::uint64_t end = cuts[i];
            PathSegment part = piece;
            // Waiting for a CPU keeps its name wherever it happens (in a
            // fork, after an fsync's I/O, in a short-lived helper): contention
            // is a cause of its own, and on a busy machine the largest.
            if (piece.kind == CauseKind::RunQueue) {
                push(part, start, end);
                continue;
            }
            const bool running = piece.kind == CauseKind::Cpu || piece.kind == CauseKind::ShortWaits;
            const Overlay* winner = nullptr;
            for (const Overlay& overlay : view.overlays) {
                if (overlay.start_ns >= end) break;
                if (overlay.end_ns <= start || (overlay.running_only && !running)) continue;
                if (!winner || overlay.priority > winner->priority) winner = &overlay;
            }
            if (view.short_lived) {
                // A short process's life is its start and teardown.
                part.kind = CauseKind::ProcessSpawn;
            } else if (winner) {
                if (!winner->syscall.empty()) part.syscall = winner->syscall;
                part.kind = winner->kind;
                part.subject_pid = winner->subject_pid;
            }
            push(part, start, end);
        }
    }

    void push(PathSegment piece, std::uint64_t from, std::uint64_t to) {
        piece.start_ns = from;
        piece.end_ns = to;
        segments_.push_back(std::move(piece));
    }

    const model::Invocation& invocation_;
    std::unordered_map<std::int32_t, ThreadView> threads_;
    std::vector<PathSegment> segments_;  // latest first while walking
};

}  // namespace

PathSegment classify_wait(const model::WaitInterval& wait) {
    PathSegment piece;
    piece.kind = kind_of(wait);
    piece.syscall = syscall_name(wait.syscall);
    piece.object = object_of(wait);
    if (piece.kind == CauseKind::RunQueue) {
        piece.other_pid = wait.holder_pid;
        piece.other_tid = wait.holder_tid;
        piece.other_comm = wait.holder_comm;
        piece.other_tracked = wait.holder_tracked;
    } else if (wait.waker_tid != 0 && !wait.waker_in_interrupt) {
        piece.other_pid = wait.waker_pid;
        piece.other_tid = wait.waker_tid;
        piece.other_comm = wait.waker_comm;
    }
    if (piece.kind == CauseKind::Futex && piece.object.empty()) {
        char address[32];
        std::snprintf(address, sizeof(address), "futex 0x%llx", static_cast<unsigned long long>(wait.args[0]));
        piece.object = address;
    }
    return piece;
}

std::vector<PathSegment> critical_path(const model::Invocation& invocation,
                                       const std::vector<const model::WaitInterval*>& waits,
                                       const std::vector<const model::SyscallSpan*>& spans) {
    if (invocation.processes.empty() || invocation.last_end_ns <= invocation.start_ns) return {};
    return Walk(invocation, waits, spans).run();
}

}  // namespace validprof::explain
