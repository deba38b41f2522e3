// The statistics a comparison can be made on: nearest-rank percentiles (the
// same definition `validprof report` prints, so a diff's p99 is the
// report's p99) and the mean.
#pragma once

#include <string>
#include <vector>

namespace validprof::compare {

struct Statistic {
    enum class Kind { Percentile, Mean };
    Kind kind = Kind::Mean;
    double percent = 50;  // Percentile only, in (0, 100]

    static Statistic percentile(double percent) { return {Kind::Percentile, percent}; }
    static Statistic mean() { return {Kind::Mean, 0}; }
    std::string name() const;  // "p50", "p99", "mean"
};

// The statistic of the samples; 0 for none. Reorders `samples` (a
// percentile is found with nth_element instead of a full sort: the
// bootstrap calls this thousands of times).
double compute(const Statistic& statistic, std::vector<double>& samples);

}  // namespace validprof::compare
