#include "compare/rank_test.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace validprof::compare {

RankTest mann_whitney(const std::vector<double>& base, const std::vector<double>& candidate) {
    RankTest result;
    const double n1 = static_cast<double>(base.size());
    const double n2 = static_cast<double>(candidate.size());
    if (base.empty() || candidate.empty()) return result;

    // (value, from candidate) sorted; tied runs get their average rank.
    std::vector<std::pair<double, bool>> pooled;
    pooled.reserve(base.size() + candidate.size());
    for (double value : base) pooled.emplace_back(value, false);
    for (double value : candidate) pooled.emplace_back(value, true);
    std::sort(pooled.begin(), pooled.end());

    double candidate_rank_sum = 0;
    double tie_term = 0;  // sum of t^3 - t over tied runs
    for (std::size_t i = 0; i < pooled.size();) {
        std::size_t j = i;
        while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
        const double run = static_cast<double>(j - i);
        const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
        for (std::size_t k = i; k < j; ++k)
            if (pooled[k].second) candidate_rank_sum += average_rank;
        tie_term += run * run * run - run;
        i = j;
    }

    result.u = candidate_rank_sum - n2 * (n2 + 1) / 2.0;
    result.probability_greater = result.u / (n1 * n2);
    const double n = n1 + n2;
    const double variance = n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1)));
    if (variance <= 0) return result;  // every value equal: no evidence either way
    const double centered = result.u - n1 * n2 / 2.0;
    const double corrected = std::max(0.0, std::abs(centered) - 0.5);
    result.z = std::copysign(corrected / std::sqrt(variance), centered);
    result.p_value = std::erfc(std::abs(result.z) / std::sqrt(2.0));
    return result;
}

}  // namespace validprof::compare
