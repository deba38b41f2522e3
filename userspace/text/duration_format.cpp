#include "text/duration_format.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace validprof::text {

namespace {

struct Unit {
    const char* name;
    double ns_per_unit;
};

// Decimals that leave three significant digits for a value in [1, 1000).
int decimals_for(double value) {
    if (value < 10.0) return 2;
    if (value < 100.0) return 1;
    return 0;
}

double round_to(double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

std::string printf_fixed(double value, int decimals, const char* suffix) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f%s", decimals, value, suffix);
    return buf;
}

}  // namespace

std::string format_duration(std::uint64_t ns) {
    if (ns < 1000) return std::to_string(ns) + " ns";
    static constexpr std::array<Unit, 3> kUnits{{{" µs", 1e3}, {" ms", 1e6}, {" s", 1e9}}};
    for (std::size_t i = 0; i < kUnits.size(); ++i) {
        const double value = static_cast<double>(ns) / kUnits[i].ns_per_unit;
        const int decimals = decimals_for(value);
        const double rounded = round_to(value, decimals);
        const bool last = i + 1 == kUnits.size();
        if (rounded < 1000.0 || last) {
            // Re-derive the decimals: 9.996 rounds to 10.00, which should
            // print as "10.0" to stay at three significant digits.
            const int shown = decimals_for(rounded);
            return printf_fixed(round_to(value, shown), shown, kUnits[i].name);
        }
    }
    return {};  // unreachable: the last unit always returns
}

std::string format_duration(double ns) {
    if (!(ns > 0.0)) return format_duration(std::uint64_t{0});
    return format_duration(static_cast<std::uint64_t>(std::llround(ns)));
}

std::string format_signed_duration(std::int64_t ns) {
    if (ns >= 0) return format_duration(static_cast<std::uint64_t>(ns));
    // Negate in unsigned arithmetic so INT64_MIN does not overflow.
    return "-" + format_duration(std::uint64_t{0} - static_cast<std::uint64_t>(ns));
}

std::string format_count(double value) {
    if (!(value > 0.0)) return "0";
    if (value >= 1000.0) return printf_fixed(value, 0, "");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", value);
    return buf;
}

std::string format_percent(double percent) {
    if (!(percent > 0.0)) return "0.00%";
    // Below 1% keep two decimals: a per-core share of 0.04% is still worth
    // telling apart from zero.
    const double rounded = round_to(percent, decimals_for(std::max(percent, 1.0)));
    if (rounded >= 100.0) return printf_fixed(percent, 0, "%");
    const int shown = decimals_for(std::max(rounded, 1.0));
    return printf_fixed(round_to(percent, shown), shown, "%");
}

std::string format_local_time(std::int64_t unix_ns) {
    // Floor division, so a (theoretical) pre-1970 time keeps a positive
    // millisecond part.
    std::int64_t seconds = unix_ns / 1'000'000'000;
    std::int64_t rest_ns = unix_ns % 1'000'000'000;
    if (rest_ns < 0) {
        rest_ns += 1'000'000'000;
        --seconds;
    }
    const auto time = static_cast<std::time_t>(seconds);
    std::tm local{};
    if (localtime_r(&time, &local) == nullptr) return "unknown";
    char date[32];
    char zone[16];
    if (std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &local) == 0 ||
        std::strftime(zone, sizeof zone, "%z", &local) == 0) {
        return "unknown";
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s.%03d %s", date, static_cast<int>(rest_ns / 1'000'000), zone);
    return buf;
}

std::string format_bytes(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
        value /= 1024.0;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f %s", value < 10 ? 2 : value < 100 ? 1 : 0, value, kUnits[unit]);
    return buf;
}

}  // namespace validprof::text
