// Mann-Whitney U against a count of pairs done by brute force, and p-values
// at the extremes whose answer is known without the formula.
#include <gtest/gtest.h>

#include "compare/rank_test.h"
#include "synthetic_samples.h"

namespace validprof::compare {
namespace {

double brute_force_u(const std::vector<double>& base, const std::vector<double>& candidate) {
    double u = 0;
    for (double c : candidate)
        for (double b : base) u += c > b ? 1.0 : (c == b ? 0.5 : 0.0);
    return u;
}

TEST(MannWhitney, UEqualsThePairCount) {
    const std::vector<double> base = {3, 1, 4, 1, 5, 9, 2, 6};
    const std::vector<double> candidate = {2, 7, 1, 8, 2, 8, 1, 8, 2};
    EXPECT_DOUBLE_EQ(mann_whitney(base, candidate).u, brute_force_u(base, candidate));
    const auto a = testing::exponential_samples(57, 0, 5, 3);
    const auto b = testing::exponential_samples(43, 0, 6, 4);
    EXPECT_DOUBLE_EQ(mann_whitney(a, b).u, brute_force_u(a, b));
}

TEST(MannWhitney, SeparatedSamplesAreSignificant) {
    std::vector<double> low, high;
    for (int i = 0; i < 30; ++i) {
        low.push_back(i);
        high.push_back(100 + i);
    }
    RankTest test = mann_whitney(low, high);
    EXPECT_LT(test.p_value, 1e-6);
    EXPECT_GT(test.z, 0);
    EXPECT_DOUBLE_EQ(test.probability_greater, 1.0);
}

TEST(MannWhitney, EqualSamplesGiveOne) {
    const std::vector<double> same = {1, 2, 3, 4, 5};
    EXPECT_NEAR(mann_whitney(same, same).p_value, 1.0, 1e-12);
    EXPECT_EQ(mann_whitney({7, 7, 7}, {7, 7}).p_value, 1.0);
    EXPECT_EQ(mann_whitney({}, {1, 2}).p_value, 1.0);
}

TEST(MannWhitney, KnownNormalApproximation) {
    // n1 = n2 = 10, candidate ranks 11..20 except one swap: U = 99,
    // mean 50, sd sqrt(10*10*21/12) = 13.2288; z = (49 - 0.5) / 13.2288.
    std::vector<double> base = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11};
    std::vector<double> candidate = {10, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    RankTest test = mann_whitney(base, candidate);
    EXPECT_DOUBLE_EQ(test.u, 99);
    EXPECT_NEAR(test.z, 48.5 / std::sqrt(175.0), 1e-9);
    EXPECT_NEAR(test.p_value, std::erfc(48.5 / std::sqrt(175.0) / std::sqrt(2.0)), 1e-12);
}

}  // namespace
}  // namespace validprof::compare
