// Which process is writing a session, precisely enough to tell, later and
// from another process, whether it is still running: a pid alone may have
// been reused, so its start time (in clock ticks since boot, field 22 of
// /proc/PID/stat) and the boot it belongs to are kept with it.
#pragma once

#include <cstdint>
#include <string>

namespace validprof::storage {

struct RecorderIdentity {
    std::int32_t pid = 0;
    std::uint64_t start_ticks = 0;
    std::string boot_id;  // /proc/sys/kernel/random/boot_id
    bool operator==(const RecorderIdentity&) const = default;
};

// This process.
RecorderIdentity current_recorder();

// The same process is running now (false for an empty identity, a pid
// since reused, another boot).
bool still_running(const RecorderIdentity& recorder);

// The start-time field of a /proc/PID/stat line; the command name may hold
// spaces and parentheses, so fields are counted after its last ')'.
std::uint64_t start_ticks_from_stat(const std::string& stat_line);

}  // namespace validprof::storage
