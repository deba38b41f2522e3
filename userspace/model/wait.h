// Waits of hook threads and what they waited on, as the kernel side saw
// them (bpf/hook_trace.h, struct vp_wait_event): every off-CPU stretch of a
// tracked thread long enough to be worth explaining (50 µs by default),
// with the system call in progress, the file, pipe or socket it waited on,
// who woke it, and who held the CPU while it waited to run again. Shorter
// waits are in the thread's totals only. Stored per session
// (userspace/storage), read by userspace/explain. Times are CLOCK_MONOTONIC
// nanoseconds.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace validprof::model {

// The state a thread left the CPU in.
enum class WaitState : std::uint8_t {
    Runnable = 1,  // preempted: waited for a CPU the whole time
    Sleeping = 2,  // interruptible sleep (S)
    Blocked = 3,   // uninterruptible (D): disk and other I/O, page faults
    Stopped = 4,   // stopped by a signal (T), e.g. validprof's gate
};

enum class WaitObject : std::uint8_t {
    None = 0,
    File = 1,
    Directory = 2,
    Pipe = 3,
    Socket = 4,
    CharDevice = 5,
    BlockDevice = 6,
    Other = 7,  // anonymous inodes: eventfd, timerfd, epoll
};

struct WaitInterval {
    std::int32_t pid = 0;
    std::int32_t tid = 0;
    std::uint64_t off_ns = 0;    // left the CPU
    std::uint64_t woken_ns = 0;  // woken; 0 when preempted (runnable from off_ns)
    std::uint64_t on_ns = 0;     // ran again
    // The thread's totals when it left the CPU (the kernel's figures), so
    // the stretch before this wait splits into on-CPU, run-queue wait and
    // shorter waits.
    std::uint64_t on_cpu_before_ns = 0;
    std::uint64_t run_queue_before_ns = 0;
    WaitState state = WaitState::Sleeping;
    std::int64_t syscall = -1;  // -1: not in a system call
    std::array<std::uint64_t, 3> args{};
    // Who woke it (0: nobody seen), and whether from interrupt context (a
    // timer, an I/O completion: then the "waker" is whoever was interrupted).
    std::int32_t waker_pid = 0;
    std::int32_t waker_tid = 0;
    bool waker_in_interrupt = false;
    std::string waker_comm;
    bool woken_by_observer = false;  // validprof itself (the exec gate's SIGCONT)
    // Who ran on the CPU just before the thread got it back.
    std::int32_t holder_pid = 0;
    std::int32_t holder_tid = 0;
    bool holder_tracked = false;
    std::string holder_comm;
    // What the system call's file descriptor referred to.
    WaitObject object = WaitObject::None;
    std::uint64_t object_inode = 0;
    std::uint32_t object_device = 0;
    std::string object_path;  // the file's last path components ("project/.swarm/memory.db"), may be partial
    std::uint16_t socket_family = 0;  // 1 AF_UNIX, 2 AF_INET, 10 AF_INET6
    std::uint32_t socket_type = 0;    // 1 SOCK_STREAM, 2 SOCK_DGRAM
    std::string socket_peer;          // "127.0.0.1:8080", "[::1]:53"; empty when unknown
    std::uint16_t socket_peer_port = 0;

    std::uint64_t duration_ns() const { return on_ns > off_ns ? on_ns - off_ns : 0; }
    // Off CPU before the wakeup (all of it when no wakeup was seen).
    std::uint64_t waiting_ns() const {
        if (state == WaitState::Runnable) return 0;
        std::uint64_t woken = woken_ns && woken_ns <= on_ns ? woken_ns : on_ns;
        return woken > off_ns ? woken - off_ns : 0;
    }
    // Runnable after the wakeup until it ran (all of it when preempted).
    std::uint64_t run_queue_ns() const { return duration_ns() - waiting_ns(); }
    bool operator==(const WaitInterval&) const = default;
};

// A stop that the observer itself ended (its gate's SIGCONT): the
// observer's cost, not the hook's. Only a stop, and only a wakeup from the
// observer's own context: a timer firing while the observer happens to be
// on that CPU names it as the "waker" of a sleeping hook too (seen on a
// busy machine: a 100 ms sleep shown as observer cost).
inline bool ended_by_observer(const WaitInterval& wait, std::int32_t observer_pid) {
    return wait.waker_pid == observer_pid && !wait.waker_in_interrupt && wait.state == WaitState::Stopped;
}

// A traced system call of a hook thread, entry to exit (bpf/hook_trace.h,
// struct vp_span_event): syncs, locks, fork/clone/vfork and exec, whose
// whole time (the CPU inside them included) is the cause they name. Sent
// when it lasted at least the wait threshold, and for every failed exec.
struct SyscallSpan {
    std::int32_t pid = 0;
    std::int32_t tid = 0;
    std::int64_t syscall = -1;
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
    std::int64_t result = 0;  // the return value: < 0 a failure (-errno)
    std::uint64_t arg0 = 0;
    std::uint64_t arg1 = 0;

    bool operator==(const SyscallSpan&) const = default;
};

}  // namespace validprof::model
