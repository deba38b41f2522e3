#include "report/percentiles.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

namespace validprof::report {
namespace {

TEST(PercentileNearestRank, EmptyIsZero) {
    EXPECT_EQ(percentile_nearest_rank({}, 50), 0u);
    EXPECT_EQ(percentile_nearest_rank({}, 100), 0u);
}

TEST(PercentileNearestRank, SingleSampleIsEveryPercentile) {
    const std::vector<std::uint64_t> v{7};
    for (double p : {0.1, 50.0, 90.0, 95.0, 99.0, 100.0}) {
        EXPECT_EQ(percentile_nearest_rank(v, p), 7u) << "p" << p;
    }
}

TEST(PercentileNearestRank, TwoSamples) {
    // rank = ceil(p/100 * 2): p <= 50 -> rank 1, p > 50 -> rank 2.
    const std::vector<std::uint64_t> v{10, 20};
    EXPECT_EQ(percentile_nearest_rank(v, 1), 10u);
    EXPECT_EQ(percentile_nearest_rank(v, 50), 10u);
    EXPECT_EQ(percentile_nearest_rank(v, 50.1), 20u);
    EXPECT_EQ(percentile_nearest_rank(v, 90), 20u);
    EXPECT_EQ(percentile_nearest_rank(v, 99), 20u);
    EXPECT_EQ(percentile_nearest_rank(v, 100), 20u);
}

TEST(PercentileNearestRank, TenSamples) {
    const std::vector<std::uint64_t> v{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000};
    EXPECT_EQ(percentile_nearest_rank(v, 10), 100u);   // rank 1
    EXPECT_EQ(percentile_nearest_rank(v, 11), 200u);   // ceil(1.1) = 2
    EXPECT_EQ(percentile_nearest_rank(v, 50), 500u);   // rank 5
    EXPECT_EQ(percentile_nearest_rank(v, 90), 900u);   // rank 9
    EXPECT_EQ(percentile_nearest_rank(v, 95), 1000u);  // ceil(9.5) = 10
    EXPECT_EQ(percentile_nearest_rank(v, 99), 1000u);  // ceil(9.9) = 10
    EXPECT_EQ(percentile_nearest_rank(v, 100), 1000u);
}

TEST(PercentileNearestRank, HundredSamples) {
    // Value at rank r is r*r, so a wrong rank cannot hide behind equal values.
    std::vector<std::uint64_t> v;
    for (std::uint64_t r = 1; r <= 100; ++r) v.push_back(r * r);
    EXPECT_EQ(percentile_nearest_rank(v, 50), 2500u);
    EXPECT_EQ(percentile_nearest_rank(v, 90), 8100u);
    EXPECT_EQ(percentile_nearest_rank(v, 95), 9025u);
    EXPECT_EQ(percentile_nearest_rank(v, 99), 9801u);
    EXPECT_EQ(percentile_nearest_rank(v, 100), 10000u);
    EXPECT_EQ(percentile_nearest_rank(v, 99.5), 10000u);  // ceil(99.5) = 100
}

TEST(PercentileNearestRank, DuplicatesAreCountedByRank) {
    const std::vector<std::uint64_t> v{5, 5, 5, 9};
    EXPECT_EQ(percentile_nearest_rank(v, 75), 5u);  // rank 3
    EXPECT_EQ(percentile_nearest_rank(v, 76), 9u);  // rank 4
}

TEST(NearestRank, FractionalPercentilesDoNotSkipARankOnRoundingNoise) {
    // 16.1 * 1000 / 100 is 161.00000000000003 in doubles; the rank is 161.
    EXPECT_EQ(nearest_rank(1000, 16.1), 161u);
    EXPECT_EQ(nearest_rank(1000, 64.4), 644u);
    EXPECT_EQ(nearest_rank(1000, 99.9), 999u);
    EXPECT_EQ(nearest_rank(1000, 0.1), 1u);
    EXPECT_EQ(nearest_rank(3, 100.0 / 3.0), 1u);
    EXPECT_EQ(nearest_rank(3, 200.0 / 3.0), 2u);
    EXPECT_EQ(nearest_rank(100, 95), 95u);
    EXPECT_EQ(nearest_rank(0, 50), 0u);
}

// Against the definition itself: the smallest sample x such that at least
// p% of the samples are <= x, found by brute force.
TEST(PercentileNearestRank, MatchesBruteForceDefinition) {
    std::mt19937_64 rng(42);
    for (int round = 0; round < 200; ++round) {
        const std::size_t n = 1 + rng() % 300;
        std::vector<std::uint64_t> v(n);
        for (auto& x : v) x = rng() % 1000;  // duplicates on purpose
        std::sort(v.begin(), v.end());
        for (double p : {1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
            // "at least p% at or below x" as integers: count * 1000 >= p_tenths * n.
            const std::uint64_t p_tenths = static_cast<std::uint64_t>(std::llround(p * 10));
            std::uint64_t expected = v.back();
            for (std::uint64_t x : v) {
                const auto at_or_below =
                    static_cast<std::uint64_t>(std::upper_bound(v.begin(), v.end(), x) - v.begin());
                if (at_or_below * 1000 >= p_tenths * n) {
                    expected = x;
                    break;
                }
            }
            EXPECT_EQ(percentile_nearest_rank(v, p), expected) << "n=" << n << " p" << p;
        }
    }
}

TEST(PercentileNearestRank, UnsortedInputIsRejected) {
    EXPECT_THROW(percentile_nearest_rank({3, 1, 2}, 50), std::invalid_argument);
    EXPECT_THROW(percentile_nearest_rank({1, 2, 3, 0}, 100), std::invalid_argument);
}

TEST(PercentileNearestRank, PercentOutsideRangeIsRejected) {
    const std::vector<std::uint64_t> v{1, 2, 3};
    EXPECT_THROW(percentile_nearest_rank(v, 0), std::invalid_argument);
    EXPECT_THROW(percentile_nearest_rank(v, -5), std::invalid_argument);
    EXPECT_THROW(percentile_nearest_rank(v, 100.5), std::invalid_argument);
    EXPECT_THROW(percentile_nearest_rank(v, std::numeric_limits<double>::quiet_NaN()),
                 std::invalid_argument);
}

}  // namespace
}  // namespace validprof::report
