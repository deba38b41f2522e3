// Checks of a Chrome trace-event file shared by the timeline unit tests and
// the privileged end-to-end ones: the same rules whatever produced it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace validprof::trace_checks {

// Nanoseconds from a microsecond field written with three decimals.
inline std::uint64_t ns_of(const nlohmann::json& microseconds) {
    return static_cast<std::uint64_t>(std::llround(microseconds.get<double>() * 1000.0));
}

// What viewers need to draw every slice: on each (pid, tid) track, a slice
// that starts inside another ends inside it too. Checked in nanoseconds.
inline void expect_slices_nest_per_track(const nlohmann::json& trace) {
    std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::pair<std::uint64_t, std::uint64_t>>> tracks;
    for (const nlohmann::json& event : trace["traceEvents"])
        if (event["ph"] == "X")
            tracks[{event["pid"], event["tid"]}].push_back({ns_of(event["ts"]), ns_of(event["ts"]) + ns_of(event["dur"])});
    for (auto& [track, slices] : tracks) {
        std::sort(slices.begin(), slices.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first < b.first : a.second > b.second;
        });
        std::vector<std::uint64_t> open;
        for (const auto& [start, end] : slices) {
            while (!open.empty() && open.back() <= start) open.pop_back();
            EXPECT_TRUE(open.empty() || end <= open.back())
                << "pid " << track.first << " tid " << track.second << ": [" << start << ", " << end
                << "] overlaps a slice ending at " << open.back();
            open.push_back(end);
        }
    }
}

}  // namespace validprof::trace_checks
