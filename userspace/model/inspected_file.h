// A file the gate inspected for probes (USDT phases in an executable,
// SQLite functions in an executable or library), by its identity at the
// time. Kept in the profile database so that a later session that finds
// the file unchanged neither holds a process for it nor reads it again:
// it attaches to what the file is known to carry when it starts.
#pragma once

#include <cstdint>
#include <string>

namespace validprof::model {

struct FileInspection {
    bool usdt_checked = false;    // looked for USDT phases (the session had --usdt)
    bool sqlite_checked = false;  // looked for SQLite functions (--sql)
    std::uint64_t usdt_phases = 0;
    std::uint64_t sqlite_functions = 0;
    bool has_probes() const { return usdt_phases > 0 || sqlite_functions > 0; }
    bool operator==(const FileInspection&) const = default;
};

struct InspectedFile {
    // The kernel's encoding of the device (its s_dev: major << 20 | minor),
    // as the gate's map keys files; the inode.
    std::uint32_t device = 0;
    std::uint64_t inode = 0;
    // Unchanged means the same size and status-change time: any write,
    // truncation, rename over or chmod moves the ctime.
    std::uint64_t size = 0;
    std::int64_t ctime_ns = 0;
    std::string path;
    FileInspection found;
    bool operator==(const InspectedFile&) const = default;
};

}  // namespace validprof::model
