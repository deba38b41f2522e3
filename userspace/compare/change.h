// How one statistic moved between two samples, with a bootstrap confidence
// interval: the base and the candidate are resampled independently (with
// replacement, each at its own size), the statistic computed on each, and
// the spread of the differences gives the interval (percentile bootstrap).
// Invocations are the resampling unit, since they are what is independent:
// one hook run does not make the next slower or faster through our model.
//
// "Detected" means the interval excludes zero. When it does not, the
// interval also says what the data could have seen: a true shift by d moves
// the interval by about d, so any increase above -low or decrease below
// -high would have excluded zero; `detectable` is the larger of the two,
// the smallest change this comparison would have caught either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compare/statistic.h"

namespace validprof::compare {

struct BootstrapOptions {
    std::size_t resamples = 2000;
    double confidence = 0.95;
    std::uint64_t seed = 0x76616c6964ULL;  // fixed: the same data prints the same intervals
};

struct Interval {
    double low = 0;
    double high = 0;
    bool contains(double value) const { return low <= value && value <= high; }
};

struct Change {
    std::string metric;  // what was compared, e.g. "wall p99"; also seeds the stream
    Statistic statistic;
    std::size_t base_count = 0;
    std::size_t candidate_count = 0;
    double base = 0;       // the statistic of each sample
    double candidate = 0;
    double difference = 0;  // candidate - base
    // False with fewer than two samples on a side: no interval, no verdict.
    bool computable = false;
    Interval difference_interval;
    // candidate / base - 1; absent when the base statistic (or one of the
    // resampled ones) is not positive.
    std::optional<double> relative;
    std::optional<Interval> relative_interval;
    bool detected = false;       // the difference interval excludes zero
    double detectable = 0;       // see above; meaningful when !detected
    std::optional<double> detectable_relative;  // detectable / base
    double p_value = 1;          // Mann-Whitney two-sided, on the raw samples
};

Change compare_samples(std::string metric, const std::vector<double>& base, const std::vector<double>& candidate,
                       const Statistic& statistic, const BootstrapOptions& options = {});

// The statistic of one sample with its bootstrap interval; computable as in
// Change. For thresholds on one session (a hook's p99 against 100 ms).
struct Estimate {
    double value = 0;
    std::size_t count = 0;
    bool computable = false;
    Interval interval;
};

Estimate estimate(std::string_view metric, const std::vector<double>& samples, const Statistic& statistic,
                  const BootstrapOptions& options = {});

}  // namespace validprof::compare
