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
