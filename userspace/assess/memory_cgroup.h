// A memory cgroup for one assess scenario: the scenario's processes run
// under a limit, and the kernel's own counters say how much memory they
// used at most together (page cache included, as the limit counts it) and
// how many of them the OOM killer ended. cgroup v2 where its memory
// controller is available (memory.max, memory.peak, memory.events), else
// cgroup v1's memory hierarchy (memory.limit_in_bytes,
// memory.max_usage_in_bytes, memory.oom_control); neither: create() says
// why, and the scenario runs without a limit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace validprof::assess {

struct MemoryLimitReading {
    std::string hierarchy;         // "cgroup v2" or "cgroup v1"
    std::uint64_t limit_bytes = 0;
    std::uint64_t peak_bytes = 0;  // the group's high-water mark; 0 when the kernel keeps none
    bool peak_known = false;       // v2 before Linux 5.19 has no memory.peak
    std::uint64_t oom_kills = 0;
    bool oom_kills_known = false;  // v1 before Linux 4.13 does not count them
};

class MemoryCgroup {
public:
    // `name` must be unique on the machine (the caller adds its pid).
    static common::Result<std::unique_ptr<MemoryCgroup>> create(const std::string& name, std::uint64_t limit_bytes);
    // Removes the group. Its processes have exited by then (validprof
    // record waits for the scenario's descendants); a group that cannot be
    // removed is left behind with a warning rather than blocking.
    ~MemoryCgroup();
    MemoryCgroup(const MemoryCgroup&) = delete;
    MemoryCgroup& operator=(const MemoryCgroup&) = delete;

    // Writing a pid here moves that process (and then its children) in.
    std::string procs_file() const { return directory_ + "/cgroup.procs"; }
    common::Result<MemoryLimitReading> read() const;

private:
    MemoryCgroup(std::string directory, bool v2, std::uint64_t limit_bytes)
        : directory_(std::move(directory)), v2_(v2), limit_bytes_(limit_bytes) {}

    std::string directory_;
    bool v2_;
    std::uint64_t limit_bytes_;
};

}  // namespace validprof::assess
