// Summary statistics of a set of timings (wall times in ns).
#pragma once

#include <cstdint>
#include <vector>

namespace validprof::bench {

struct SampleSummary {
    std::size_t count = 0;
    double median_ns = 0;
    double mean_ns = 0;
    double p90_ns = 0;  // nearest-rank 90th percentile
    double min_ns = 0;
    double max_ns = 0;
};

SampleSummary summarize(std::vector<std::uint64_t> samples);

// (with / without - 1) in percent.
double added_percent(double with, double without);

}  // namespace validprof::bench
