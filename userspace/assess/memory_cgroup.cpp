#include "assess/memory_cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

namespace validprof::assess {
namespace {

std::string read_text(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return file ? text.str() : std::string();
}

bool write_text(const std::string& path, const std::string& text) {
    std::ofstream file(path);
    file << text;
    file.flush();
    return static_cast<bool>(file);
}

bool has_word(const std::string& text, const std::string& word) {
    std::istringstream words(text);
    std::string each;
    while (words >> each)
        if (each == word) return true;
    return false;
}

// "key value" lines (memory.events, memory.oom_control): the value of key.
std::optional<std::uint64_t> keyed_value(const std::string& text, const std::string& key) {
    std::istringstream lines(text);
    std::string name;
    std::uint64_t value = 0;
    while (lines >> name >> value)
        if (name == key) return value;
    return std::nullopt;
}

std::optional<std::uint64_t> number_in(const std::string& path) {
    const std::string text = read_text(path);
    if (text.empty()) return std::nullopt;
    try {
        return std::stoull(text);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

struct Mount {
    std::string point;
    std::string type;
    std::string options;
};

std::vector<Mount> mounts() {
    std::vector<Mount> found;
    std::ifstream file("/proc/self/mounts");
    std::string line;
    while (std::getline(file, line)) {
        std::istringstream fields(line);
        Mount mount;
        std::string device;
        fields >> device >> mount.point >> mount.type >> mount.options;
        if (mount.type == "cgroup2" || mount.type == "cgroup") found.push_back(mount);
    }
    return found;
}

}  // namespace

common::Result<std::unique_ptr<MemoryCgroup>> MemoryCgroup::create(const std::string& name, std::uint64_t limit_bytes) {
    std::string reasons;
    for (const Mount& mount : mounts()) {
        if (mount.type == "cgroup2") {
            // The controller must be available here and enabled for children.
            if (!has_word(read_text(mount.point + "/cgroup.controllers"), "memory")) continue;
            const std::string subtree = mount.point + "/cgroup.subtree_control";
            if (!has_word(read_text(subtree), "memory") && !write_text(subtree, "+memory")) {
                reasons += "cgroup v2 at " + mount.point + " cannot enable the memory controller; ";
                continue;
            }
            const std::string directory = mount.point + "/" + name;
            if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
                reasons += "cannot create " + directory + ": " + std::strerror(errno) + "; ";
                continue;
            }
            // No swap under the limit: the limit is on memory, not on memory plus swap.
            write_text(directory + "/memory.swap.max", "0");
            if (!write_text(directory + "/memory.max", std::to_string(limit_bytes))) {
                ::rmdir(directory.c_str());
                reasons += "cannot set memory.max in " + directory + "; ";
                continue;
            }
            return std::unique_ptr<MemoryCgroup>(new MemoryCgroup(directory, true, limit_bytes));
        }
        if (mount.type == "cgroup") {
            // cgroup v1: options are comma-separated; the memory hierarchy lists "memory".
            std::string options = mount.options;
            for (char& c : options)
                if (c == ',') c = ' ';
            if (!has_word(options, "memory")) continue;
            const std::string directory = mount.point + "/" + name;
            if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
                reasons += "cannot create " + directory + ": " + std::strerror(errno) + "; ";
                continue;
            }
            if (!write_text(directory + "/memory.limit_in_bytes", std::to_string(limit_bytes))) {
                ::rmdir(directory.c_str());
                reasons += "cannot set memory.limit_in_bytes in " + directory + "; ";
                continue;
            }
            return std::unique_ptr<MemoryCgroup>(new MemoryCgroup(directory, false, limit_bytes));
        }
    }
    if (reasons.empty()) reasons = "no cgroup hierarchy with the memory controller is mounted";
    else reasons.erase(reasons.size() - 2);
    return common::make_error(reasons);
}

MemoryCgroup::~MemoryCgroup() {
    // The last processes may take a moment to leave after they exited.
    for (int attempt = 0; attempt < 50; ++attempt) {
        if (::rmdir(directory_.c_str()) == 0 || errno == ENOENT) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    spdlog::warn("cannot remove the memory cgroup {}: {}", directory_, std::strerror(errno));
}

common::Result<MemoryLimitReading> MemoryCgroup::read() const {
    MemoryLimitReading reading;
    reading.hierarchy = v2_ ? "cgroup v2" : "cgroup v1";
    reading.limit_bytes = limit_bytes_;
    const auto peak = number_in(directory_ + (v2_ ? "/memory.peak" : "/memory.max_usage_in_bytes"));
    if (peak) {
        reading.peak_bytes = *peak;
        reading.peak_known = true;
    }
    const auto kills = keyed_value(read_text(directory_ + (v2_ ? "/memory.events" : "/memory.oom_control")), "oom_kill");
    if (kills) {
        reading.oom_kills = *kills;
        reading.oom_kills_known = true;
    }
    if (!reading.peak_known && !reading.oom_kills_known)
        return common::make_error("cannot read the counters of " + directory_);
    return reading;
}

}  // namespace validprof::assess
