// The critical path of one invocation: its wall time (root exec to last
// exit) cut into consecutive pieces, each saying which thread the hook was
// waiting on at that moment and why.
//
// The walk goes backwards from the last exit. While the thread on the path
// ran, the piece is its CPU (or its wait for a CPU, or waits too short to
// have been recorded, split in the exact proportions its counters give).
// When it waited and another thread of the invocation woke it (a child
// exiting into a wait4, a pipe's writer, a futex's waker), the path moves
// to that thread at the wakeup and goes on backwards there: the waiting
// time is explained by what the waker was doing. When nobody of the
// invocation woke it (a timer, a disk, a server, a lock held by another
// process) the piece is the wait itself, with its reason. Before a thread
// existed the path continues in the thread that created it. Threads that
// nobody waited for (idle workers) are never on the path. Some stretches
// name their cause whatever the thread did in them: a process's start
// before its exec and its exit path, a traced system call (fsync, a lock,
// fork, exec), and the whole life of a process shorter than 2 ms.
//
// The pieces partition [start_ns, last_end_ns] exactly; userspace/explain's
// tests check it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "explain/cause_kind.h"
#include "model/invocation.h"
#include "model/wait.h"

namespace validprof::explain {

struct PathSegment {
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
    std::int32_t pid = 0;
    std::int32_t tid = 0;
    CauseKind kind = CauseKind::Cpu;
    CauseKind original_kind = CauseKind::Cpu;  // what the thread did, before an overlay named the cause
    // The process the piece is about when it is not the one on the path: a
    // parent forking or reaping a child spends that time on the child.
    std::int32_t subject_pid = 0;
    // Evidence of this piece, when it is a wait or a CPU wait:
    std::string syscall;          // the system call waited in ("" if none)
    std::string object;           // file path, "pipe:[ino]", "TCP 127.0.0.1:8080", ...
    std::int32_t other_pid = 0;   // who woke it, or who held the CPU
    std::int32_t other_tid = 0;
    std::string other_comm;
    bool other_tracked = false;   // that other task was itself a tracked hook thread

    std::uint64_t duration_ns() const { return end_ns > start_ns ? end_ns - start_ns : 0; }
};

// `waits` and `spans` are those of the invocation's threads (any order;
// others are ignored). In start order; empty for an invocation without
// processes.
std::vector<PathSegment> critical_path(const model::Invocation& invocation,
                                       const std::vector<const model::WaitInterval*>& waits,
                                       const std::vector<const model::SyscallSpan*>& spans = {});

// Why a wait that nobody of the invocation explains happened, from its
// system call, what it waited on and its state.
PathSegment classify_wait(const model::WaitInterval& wait);

}  // namespace validprof::explain
