#include "tracer/proc_maps.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace validprof::tracer {

std::optional<std::string> match_maps_line(const std::string& line, std::uint32_t device, std::uint64_t inode) {
    // start-end perms offset MAJOR:MINOR inode path
    std::istringstream fields(line);
    std::string range, permissions, offset, device_text;
    std::uint64_t line_inode = 0;
    if (!(fields >> range >> permissions >> offset >> device_text >> line_inode)) return std::nullopt;
    unsigned major = 0, minor = 0;
    if (std::sscanf(device_text.c_str(), "%x:%x", &major, &minor) != 2) return std::nullopt;
    if (line_inode != inode || ((major << 20) | minor) != device) return std::nullopt;
    std::string path;
    std::getline(fields, path);
    auto start = path.find_first_not_of(' ');
    if (start == std::string::npos) return std::nullopt;
    path = path.substr(start);
    // A file deleted after it was mapped still names its old path.
    const std::string deleted = " (deleted)";
    if (path.size() > deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0)
        path.resize(path.size() - deleted.size());
    return path;
}

std::optional<std::string> mapped_file_path(std::int32_t pid, std::uint32_t device, std::uint64_t inode) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    while (std::getline(maps, line))
        if (auto path = match_maps_line(line, device, inode)) return path;
    return std::nullopt;
}

}  // namespace validprof::tracer
