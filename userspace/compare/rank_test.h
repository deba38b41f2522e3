// Mann-Whitney U (Wilcoxon rank-sum) test: does one sample tend to hold
// larger values than the other? It complements the bootstrap intervals:
// those say how large a change of one statistic is, the rank test whether
// the two distributions differ at all, without assuming a shape (hook wall
// times are skewed and multi-modal, so a t-test's normality does not hold).
#pragma once

#include <vector>

namespace validprof::compare {

struct RankTest {
    double u = 0;        // U of the candidate: pairs (base, candidate) with candidate > base, ties half
    double z = 0;        // standardized, continuity-corrected; > 0: candidate larger
    double p_value = 1;  // two-sided, normal approximation with the tie correction
    // P(candidate > base) + P(equal)/2, the common-language effect size:
    // 0.5 when neither tends to be larger.
    double probability_greater = 0.5;
};

// Either sample empty: p_value 1. The normal approximation is good from
// about 8 samples per side; below that the p-value is indicative only.
RankTest mann_whitney(const std::vector<double>& base, const std::vector<double>& candidate);

}  // namespace validprof::compare
