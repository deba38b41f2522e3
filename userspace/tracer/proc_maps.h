// The path of a file a process has mapped, found by the kernel's identity
// of the file (device and inode, as BPF reads them from struct inode), in
// /proc/PID/maps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace validprof::tracer {

// device is the kernel's s_dev: MKDEV(major, minor) = major << 20 | minor.
std::optional<std::string> mapped_file_path(std::int32_t pid, std::uint32_t device, std::uint64_t inode);

// Parses one /proc/PID/maps line; the path when its device and inode match.
std::optional<std::string> match_maps_line(const std::string& line, std::uint32_t device, std::uint64_t inode);

}  // namespace validprof::tracer
