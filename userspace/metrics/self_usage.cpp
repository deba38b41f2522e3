#include "metrics/self_usage.h"

#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace validprof::metrics {

std::optional<SelfUsage> read_self_usage() {
    std::ifstream stat_file("/proc/self/stat");
    std::string line;
    if (!std::getline(stat_file, line)) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: fields
    // are counted from the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0, start_ticks = 0, rss_pages = 0;
    // After ')': field 3 is state; utime 14, stime 15, starttime 22, rss 24.
    for (int number = 3; number <= 24 && fields >> field; ++number) {
        if (number == 14) utime = std::stoull(field);
        if (number == 15) stime = std::stoull(field);
        if (number == 22) start_ticks = std::stoull(field);
        if (number == 24) rss_pages = std::stoull(field);
    }
    const long ticks_per_second = sysconf(_SC_CLK_TCK);
    const long page_size = sysconf(_SC_PAGESIZE);
    if (ticks_per_second <= 0 || page_size <= 0) return std::nullopt;

    // starttime is in ticks since boot; boot time is now minus uptime.
    timespec realtime{}, boottime{};
    clock_gettime(CLOCK_REALTIME, &realtime);
    clock_gettime(CLOCK_BOOTTIME, &boottime);
    const double boot_unix = (realtime.tv_sec + realtime.tv_nsec / 1e9) - (boottime.tv_sec + boottime.tv_nsec / 1e9);

    SelfUsage usage;
    usage.cpu_seconds = static_cast<double>(utime + stime) / ticks_per_second;
    usage.resident_bytes = static_cast<double>(rss_pages) * page_size;
    usage.start_time_seconds = boot_unix + static_cast<double>(start_ticks) / ticks_per_second;
    return usage;
}

}  // namespace validprof::metrics
