#include "compare/change.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "compare/random_stream.h"
#include "compare/rank_test.h"

namespace validprof::compare {
namespace {

void resample(const std::vector<double>& from, std::vector<double>& into, RandomStream& random) {
    into.resize(from.size());
    for (double& value : into) value = from[random.below(from.size())];
}

// The percentile interval of a sorted bootstrap distribution.
Interval interval_of(std::vector<double>& distribution, double confidence) {
    std::sort(distribution.begin(), distribution.end());
    const double tail = (1.0 - confidence) / 2.0;
    const auto count = static_cast<double>(distribution.size());
    auto low = static_cast<std::size_t>(std::floor(tail * count));
    auto high = static_cast<std::size_t>(std::ceil((1.0 - tail) * count));
    high = std::clamp<std::size_t>(high, 1, distribution.size()) - 1;
    low = std::min(low, high);
    return {distribution[low], distribution[high]};
}

}  // namespace

Change compare_samples(std::string metric, const std::vector<double>& base, const std::vector<double>& candidate,
                       const Statistic& statistic, const BootstrapOptions& options) {
    Change change;
    change.metric = std::move(metric);
    change.statistic = statistic;
    change.base_count = base.size();
    change.candidate_count = candidate.size();
    std::vector<double> scratch = base;
    change.base = compute(statistic, scratch);
    scratch = candidate;
    change.candidate = compute(statistic, scratch);
    change.difference = change.candidate - change.base;
    if (change.base > 0) change.relative = change.candidate / change.base - 1.0;
    change.p_value = mann_whitney(base, candidate).p_value;
    change.computable = base.size() >= 2 && candidate.size() >= 2 && options.resamples > 0;
    if (!change.computable) return change;

    RandomStream random(seed_for(change.metric + "/" + statistic.name(), options.seed));
    std::vector<double> differences;
    std::vector<double> ratios;
    differences.reserve(options.resamples);
    ratios.reserve(options.resamples);
    bool ratios_defined = change.relative.has_value();
    std::vector<double> base_resample;
    std::vector<double> candidate_resample;
    for (std::size_t i = 0; i < options.resamples; ++i) {
        resample(base, base_resample, random);
        resample(candidate, candidate_resample, random);
        const double b = compute(statistic, base_resample);
        const double c = compute(statistic, candidate_resample);
        differences.push_back(c - b);
        if (b > 0)
            ratios.push_back(c / b - 1.0);
        else
            ratios_defined = false;
    }
    change.difference_interval = interval_of(differences, options.confidence);
    if (ratios_defined) change.relative_interval = interval_of(ratios, options.confidence);
    change.detected = !change.difference_interval.contains(0.0);
    // 0.0 first: an interval of [0, 0] would otherwise give -0.0 ("±-0.0%").
    change.detectable = std::max({0.0, -change.difference_interval.low, change.difference_interval.high});
    if (change.base > 0) change.detectable_relative = change.detectable / change.base;
    return change;
}

Estimate estimate(std::string_view metric, const std::vector<double>& samples, const Statistic& statistic,
                  const BootstrapOptions& options) {
    Estimate result;
    result.count = samples.size();
    std::vector<double> scratch = samples;
    result.value = compute(statistic, scratch);
    result.computable = samples.size() >= 2 && options.resamples > 0;
    if (!result.computable) return result;
    RandomStream random(seed_for(std::string(metric) + "/" + statistic.name(), options.seed));
    std::vector<double> values;
    values.reserve(options.resamples);
    for (std::size_t i = 0; i < options.resamples; ++i) {
        resample(samples, scratch, random);
        values.push_back(compute(statistic, scratch));
    }
    result.interval = interval_of(values, options.confidence);
    return result;
}

}  // namespace validprof::compare
