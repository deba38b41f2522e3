// The invocation model: one run of a hook is the process tree rooted at the
// first process whose exec matched a hook rule, with every descendant. These
// are plain records: built by userspace/invocations, stored by
// userspace/storage, summarised by userspace/report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/sched_times.h"

namespace validprof::model {

// One thread of a process: when it was created and by which thread, when
// its exit path began and when it left the CPU for the last time, and its
// own scheduler times. What tells the main thread from idle workers, and
// what userspace/explain walks back along.
struct ThreadRecord {
    std::int32_t tid = 0;
    std::int32_t creator_tid = 0;  // the thread whose fork or clone made it; 0 if not seen
    std::uint64_t start_ns = 0;    // fork or clone (or first sight), CLOCK_MONOTONIC
    std::uint64_t exiting_ns = 0;  // sched_process_exit: its exit path began; 0 if not seen
    std::uint64_t end_ns = 0;      // its final switch; 0 while alive
    bool exited = false;
    SchedTimes times;

    bool operator==(const ThreadRecord&) const = default;
};

struct ProcessRecord {
    std::int32_t pid = 0;
    std::int32_t ppid = 0;
    std::string exe;   // last exec'd path ("" if the process never exec'd while observed)
    std::string argv;  // argv of that exec, joined with spaces
    std::string comm;
    std::uint64_t start_ns = 0;  // fork (or first sight) time, CLOCK_MONOTONIC
    std::uint64_t end_ns = 0;    // exit of its last thread; 0 while alive
    bool exited = false;
    std::int32_t exit_code = 0;  // wait(2)-style code, valid when exited
    std::uint32_t threads = 1;   // threads seen, the main one included
    SchedTimes times;            // sum over its threads
    std::uint64_t exec_ns = 0;   // its last exec while observed; 0: none seen
    // Peak resident set of the process over its whole life (exec'd images
    // before its last included), bytes, as wait4's ru_maxrss (KiB) reports
    // it; 0 when its exit was not seen.
    std::uint64_t peak_rss_bytes = 0;
    // validprof's own cost to it: how often its gate held the process (at
    // the first exec or mapping of a file not yet inspected) and for how
    // long in all.
    std::uint32_t gate_holds = 0;
    std::uint64_t gate_held_ns = 0;
    // Per thread, in creation order (the main thread first when seen).
    std::vector<ThreadRecord> thread_records;
};

struct Invocation {
    std::int64_t id = 0;       // database id, 0 until stored
    std::string hook;          // rule name (or the command's name in record mode)
    std::int32_t root_pid = 0;
    std::uint64_t start_ns = 0;      // root's exec (or fork) time, CLOCK_MONOTONIC
    std::uint64_t root_end_ns = 0;   // root process exit; 0 if it never exited while observed
    std::uint64_t last_end_ns = 0;   // last exit among root and descendants
    bool complete = false;           // root and all descendants exited while observed
    std::int32_t exit_code = 0;      // root's wait(2)-style exit code
    SchedTimes times;                // sum over all processes
    std::vector<ProcessRecord> processes;  // root first, then in start order

    std::uint64_t wall_ns() const { return last_end_ns > start_ns ? last_end_ns - start_ns : 0; }
};

}  // namespace validprof::model
