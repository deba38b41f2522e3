// What the kernel itself says about validprof's BPF objects, read through
// the bpf(2) object-id interface rather than from anything validprof prints:
// the run count and run time of its scheduler programs (kernel BPF run-time
// statistics) and how many threads its tracked_threads map holds. Objects
// are attributed to one validprof process through /proc/PID/fdinfo, so a
// second validprof running at the same time is told apart, not counted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace validprof::bench {

// Turns on the kernel's BPF run-time statistics (run_cnt, run_time_ns of
// every program) for as long as the returned descriptor stays open. While
// on, each program run costs two extra clock reads.
common::Result<common::UniqueFd> enable_bpf_run_time_stats();

// Ids of the BPF programs ("prog_id") or maps ("map_id") that process pid
// holds a descriptor of (programs, links and maps list them in fdinfo).
std::set<std::uint32_t> bpf_ids_held_by(pid_t pid, const std::string& field);

struct ProgramStats {
    std::uint32_t id = 0;
    std::string name;               // full function name, from the program's BTF
    std::uint64_t run_count = 0;    // times the program ran
    std::uint64_t run_time_ns = 0;  // total time inside it, ns
};

// Loaded programs named like validprof's scheduler programs (sched_switch_*,
// sched_wakeup*, sched_process_*, and the stack sampler's cpu_sample and
// offcpu_switch_*), by id; only those in `ids` unless empty.
std::map<std::uint32_t, ProgramStats> scheduler_programs(const std::set<std::uint32_t>& ids = {});

std::set<std::uint32_t> program_ids(const std::map<std::uint32_t, ProgramStats>& programs);

// Per program: after minus before (a program absent from before counts
// from zero), in name order.
std::vector<ProgramStats> stats_difference(const std::map<std::uint32_t, ProgramStats>& after,
                                           const std::map<std::uint32_t, ProgramStats>& before);

// The map named `name` among `ids`, opened.
std::optional<common::UniqueFd> open_map_named(const std::string& name, const std::set<std::uint32_t>& ids);

// Number of keys of a hash map with 4-byte keys (tracked_threads: tids),
// counted with bpf_map_get_next_key. Exact while no key is deleted during
// the walk; capped at max_entries.
std::uint64_t count_u32_keys(int map_fd);

}  // namespace validprof::bench
