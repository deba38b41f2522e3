// Small helpers every benchmark program uses: the monotonic clock in
// nanoseconds, comma lists from the command line, and the load average
// printed next to each figure (the machines are noisy; the reader should
// see how noisy).
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace validprof::bench {

inline std::uint64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(now.tv_nsec);
}

// "a,b,,c" → {"a", "b", "c"}.
inline std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    std::string part;
    while (std::getline(stream, part, separator))
        if (!part.empty()) parts.push_back(part);
    return parts;
}

// /proc/loadavg's first three fields, "1.02 0.88 0.60".
inline std::string load_average() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

// CPU time of all threads of `pid` so far (the sum of their schedstat first
// fields), ns: nanosecond resolution, unlike /proc/PID/stat's ticks; 0
// once it is gone.
inline std::uint64_t process_cpu_ns(pid_t pid) {
    std::uint64_t total = 0;
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
        std::ifstream schedstat(task.path() / "schedstat");
        std::uint64_t on_cpu = 0;
        if (schedstat >> on_cpu) total += on_cpu;
    }
    return total;
}

}  // namespace validprof::bench
