// A session is one `validprof attach` or `validprof record`: what was asked,
// on which machine, and how much the kernel side could not deliver.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace validprof::model {

struct SessionInfo {
    std::string command;          // "attach" or "record"
    std::string target;           // record: the command line; attach: "system-wide"
    std::string host;             // uname nodename
    std::string kernel_release;   // uname release
    std::string rules;            // the rule set in effect, one "NAME=REGEX" per line
    std::int64_t start_unix_ns = 0;
    // CLOCK_REALTIME minus CLOCK_MONOTONIC at session start, so stored
    // monotonic timestamps can be shown as wall-clock times.
    std::int64_t monotonic_to_unix_offset_ns = 0;
    // Off-CPU waits at least this long were recorded with their reason
    // (model/wait.h): 50 µs by default, 0 with --timeline (every wait).
    std::uint64_t wait_record_min_ns = 50'000;
};

// Counters stored with the lost events whose name starts with "note_" are
// not losses: they count events the kernel side handled another way (time
// on a CPU id past the per-CPU table, slices filled in from the scheduler's
// own counters). Reports show them apart.
inline bool counts_as_lost(const std::string& reason) { return reason.rfind("note_", 0) != 0; }

inline std::uint64_t total_lost(const std::map<std::string, std::uint64_t>& counters) {
    std::uint64_t lost = 0;
    for (const auto& [reason, count] : counters)
        if (counts_as_lost(reason)) lost += count;
    return lost;
}

struct SessionEnd {
    std::int64_t end_unix_ns = 0;
    // Every event the kernel side could not deliver or account, by reason
    // (e.g. "ringbuf_full_exec", "tracked_map_full"). Zero counts are kept.
    std::map<std::string, std::uint64_t> lost_events;
    std::uint64_t events_received = 0;
};

struct SessionSummary {
    std::int64_t id = 0;
    SessionInfo info;
    bool complete = false;   // false: still being recorded, or the recorder died
    bool in_progress = false;  // not complete and its recorder is still running
    SessionEnd end;          // meaningful when complete
    std::uint64_t invocation_count = 0;
};

}  // namespace validprof::model
