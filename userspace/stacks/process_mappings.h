// What each process had mapped, and when: the table the CFI unwinder turns
// addresses into (file, offset) with, after the processes may be gone.
//
// Fed by the kernel's mmap, fork, exec and exit records (mmap_events.h),
// as perf's own thread maps are, and by /proc/PID/maps for processes that
// existed before the session (validprof itself, whose fork runs our code
// until it execs). A mapping is valid from its mmap until the process's
// next exec; munmap is not reported, so the latest mapping of an address
// before the sample wins. Records come from per-CPU rings, so they are
// applied out of time order: everything is decided by the records' times.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "stacks/build_id_index.h"

namespace validprof::stacks {

struct Mapping {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::uint64_t file_offset = 0;
    std::string path;                  // as the kernel named it: a file, "[vdso]", "//anon"
    std::optional<BuildId> build_id;   // from the mmap record, when the kernel could read it
    std::uint64_t time_ns = 0;         // CLOCK_MONOTONIC of the mmap; 0: before the session
};

class ProcessMappings {
public:
    void add(std::int32_t pid, Mapping mapping);
    // The process replaced its image: earlier mappings end at time_ns.
    void exec(std::int32_t pid, std::uint64_t time_ns);
    // A child starts with a copy of its parent's mappings.
    void fork(std::int32_t parent, std::int32_t child, std::uint64_t time_ns);
    // Forget a process (its samples are all unwound).
    void forget(std::int32_t pid) { processes_.erase(pid); }
    bool knows(std::int32_t pid) const { return processes_.count(pid) != 0; }
    std::size_t size() const { return processes_.size(); }

    // The executable mappings of a /proc/PID/maps text, at time 0.
    void add_proc_maps(std::int32_t pid, const std::string& text);

    // Whether `address` was mapped in the image `pid` ran before its last
    // exec before time_ns: a sample taken inside that exec, whose registers
    // still point into the old image.
    bool in_replaced_image(std::int32_t pid, std::uint64_t address, std::uint64_t time_ns) const;

    // Every file mapped with a build-id the kernel read, by build-id (hex):
    // kept after the processes are forgotten, for the symbolizer.
    const std::unordered_map<std::string, std::string>& files() const { return files_; }

    // The mapping that held `address` in `pid` at `time_ns`.
    const Mapping* find(std::int32_t pid, std::uint64_t address, std::uint64_t time_ns) const;

    // Where `address` lies in a vDSO `pid` had mapped (any of its images;
    // kept after the process is forgotten): the kernel's frame-pointer
    // stacks give vDSO frames as bare addresses, known only at the end of
    // the session. Each range is [start, end).
    std::optional<std::pair<std::uint64_t, std::uint64_t>> vdso_range(std::int32_t pid, std::uint64_t address) const;

private:
    void add_vdso(std::int32_t pid, std::uint64_t start, std::uint64_t end);

    struct Process {
        std::vector<Mapping> mappings;  // in the order they were made
        std::vector<std::uint64_t> execs;  // times, ascending
    };
    std::unordered_map<std::int32_t, Process> processes_;
    std::unordered_map<std::int32_t, std::vector<std::pair<std::uint64_t, std::uint64_t>>> vdso_;  // by pid
    std::unordered_map<std::string, std::string> files_;
};

}  // namespace validprof::stacks
