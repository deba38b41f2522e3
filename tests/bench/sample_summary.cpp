#include "sample_summary.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace validprof::bench {

SampleSummary summarize(std::vector<std::uint64_t> samples) {
    SampleSummary summary;
    if (samples.empty()) return summary;
    std::sort(samples.begin(), samples.end());
    std::size_t n = samples.size();
    summary.count = n;
    summary.median_ns = n % 2 ? static_cast<double>(samples[n / 2])
                              : (static_cast<double>(samples[n / 2 - 1]) + static_cast<double>(samples[n / 2])) / 2;
    summary.mean_ns = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(n);
    std::size_t rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(n)));
    summary.p90_ns = static_cast<double>(samples[std::max<std::size_t>(rank, 1) - 1]);
    summary.min_ns = static_cast<double>(samples.front());
    summary.max_ns = static_cast<double>(samples.back());
    return summary;
}

double added_percent(double with, double without) { return without > 0 ? (with / without - 1) * 100 : 0; }

}  // namespace validprof::bench
