// Exact percentiles over stored samples. validprof keeps every invocation, so
// a report can rank the real values instead of interpolating histogram
// buckets: the p99 it prints is a wall time some invocation actually had.
#pragma once

#include <cstdint>
#include <vector>

namespace validprof::report {

// Nearest-rank percentile: the smallest sample such that at least `percent`
// per cent of the samples are less than or equal to it, i.e. the value at
// 1-based rank ceil(percent / 100 * n) in ascending order. No interpolation,
// so the result is always one of the samples; p100 is the maximum.
//
// Preconditions, checked because a violated one would print a plausible but
// wrong number: `sorted_ascending` is sorted ascending (sorting is the
// caller's job, done once for all percentiles of a set) and
// 0 < percent <= 100. Either violation throws std::invalid_argument.
// An empty input returns 0.
std::uint64_t percentile_nearest_rank(const std::vector<std::uint64_t>& sorted_ascending,
                                      double percent);

// The 1-based rank that percentile_nearest_rank picks for n samples; exposed
// so tests can check the rank arithmetic separately from the lookup.
std::size_t nearest_rank(std::size_t n, double percent);

}  // namespace validprof::report
