// Samples drawn from distributions whose quantiles are known in closed
// form, so a test can state the true change it planted. Drawn with
// std::mt19937_64 (its output sequence is fixed by the standard) and our
// own transformations, not std::*_distribution (implementation-defined).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace validprof::compare::testing {

constexpr double kMs = 1e6;

// Seeds go through SplitMix64 first: mt19937_64 seeded with neighbouring
// integers starts out with related states, which would make trials seeded
// 1, 2, 3 ... less independent than a test of error rates assumes.
inline std::uint64_t scrambled(std::uint64_t seed) {
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

inline double uniform01(std::mt19937_64& engine) { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }

// Exponential with the given median, shifted by `offset`: a hook's usual
// shape (a floor, then a long right tail). Median: offset + median.
inline std::vector<double> exponential_samples(std::size_t n, double offset, double median, std::uint64_t seed) {
    std::mt19937_64 engine(scrambled(seed));
    const double mean = median / std::log(2.0);
    std::vector<double> samples(n);
    for (double& value : samples) value = offset - mean * std::log(1.0 - uniform01(engine));
    return samples;
}

inline std::vector<double> scaled(std::vector<double> samples, double factor) {
    for (double& value : samples) value *= factor;
    return samples;
}

inline std::vector<double> shifted(std::vector<double> samples, double by) {
    for (double& value : samples) value += by;
    return samples;
}

}  // namespace validprof::compare::testing
