// Which file on disk has a given GNU build-id.
//
// The kernel records user frames as (build-id, file offset) so a process
// may be long gone when its stacks are symbolized; the files remain. The
// index learns files from the session (every exec'd path) and, for ids
// still unknown, scans the usual library and binary directories once.
#pragma once

#include <array>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace validprof::stacks {

using BuildId = std::array<unsigned char, 20>;

std::string to_hex(const BuildId& id);

// The file's build-id as the kernel reads it for a stack frame
// (lib/buildid.c): the first NT_GNU_BUILD_ID note named "GNU" in a PT_NOTE
// segment, 1 to 20 bytes, zero-padded to 20 (a 16-byte md5 or uuid id is
// recorded so). A longer note is no build-id to the kernel, nor here.
// Empty for files that are not ELF or have none.
std::optional<BuildId> read_build_id(const std::string& path);

class BuildIdIndex {
public:
    // Reads the file's build-id note; files without one are ignored.
    void add_file(const std::string& path);
    // A file the kernel reported mapped with this build-id (mmap records):
    // checked against the file's own note when first looked up, since the
    // file may have been replaced since.
    void add_mapped_file(const std::string& hex_id, const std::string& path);
    // Path of the file with this build-id, scanning the system directories
    // the first time an unknown id is asked for.
    std::optional<std::string> find(const BuildId& id);

private:
    void scan_system_directories();

    std::unordered_map<std::string, std::string> path_by_id_;  // hex id → path
    std::unordered_map<std::string, std::string> mapped_by_id_;  // hex id → path, not read yet
    std::set<std::string> seen_paths_;
    bool scanned_ = false;
};

}  // namespace validprof::stacks
