// Process lifecycle events as userspace sees them, decoded from the BPF ring
// buffer (userspace/tracer/event_decoder.h) or synthesised by unit tests.
// Timestamps are CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns); pids are
// thread-group ids (what ps calls PID), tids are thread ids.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "model/sched_times.h"

namespace validprof::model {

// A new task: a process (child_pid != parent_pid) or a thread of the parent.
struct ForkEvent {
    std::uint64_t timestamp_ns = 0;
    std::int32_t parent_pid = 0;
    std::int32_t parent_tid = 0;
    std::int32_t child_pid = 0;
    std::int32_t child_tid = 0;
};

// A successful execve. After exec the process has one thread, tid == pid.
struct ExecEvent {
    std::uint64_t timestamp_ns = 0;
    std::int32_t pid = 0;
    std::int32_t ppid = 0;        // parent's pid at exec time
    std::string filename;         // path as passed to execve (may be relative)
    std::string argv;             // argv joined with single spaces, possibly truncated
    bool argv_truncated = false;  // the kernel side copied only the first bytes
    std::string comm;             // task comm after exec (15 chars max)
    std::uint64_t inode = 0;      // the exec'd file: inode and device
    std::uint32_t device = 0;
    // The kernel side stopped the process (SIGSTOP) until userspace has
    // inspected this file; whoever handles the event must send SIGCONT.
    bool gated = false;
};

// A thread has exited. Sent at its final context switch, so `times` (that
// thread's totals while tracked) include the exit path and the timestamp is
// when it stopped running.
struct ExitEvent {
    std::uint64_t timestamp_ns = 0;
    std::int32_t pid = 0;
    std::int32_t tid = 0;
    std::int32_t ppid = 0;
    // Kernel exit code as in wait(2): (status << 8) for exit(status), or the
    // terminating signal number in the low 7 bits.
    std::int32_t exit_code = 0;
    // The thread that ended the process (the last one past do_exit()'s
    // count of live threads). Another thread's final switch may still come
    // a moment later.
    bool group_dead = false;
    // With group_dead: the process's peak resident set (the kernel's
    // signal->maxrss, as wait4's ru_maxrss reports it), bytes; 0 otherwise.
    std::uint64_t max_rss_bytes = 0;
    std::uint64_t exiting_ns = 0;  // sched_process_exit: where its exit path began (0: not seen)
    SchedTimes times;
};

using ProcessEvent = std::variant<ForkEvent, ExecEvent, ExitEvent>;

}  // namespace validprof::model
