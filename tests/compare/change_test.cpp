// compare_samples and estimate against samples whose truth is known:
// planted shifts must be found with intervals that hold them, equal
// distributions must not be flagged more often than the 5% a 95% interval
// allows, and the intervals must cover the true change at about their
// nominal rate over many seeds.
#include <gtest/gtest.h>

#include <cmath>

#include "compare/change.h"
#include "synthetic_samples.h"

namespace validprof::compare {
namespace {

using testing::exponential_samples;
using testing::kMs;
using testing::scaled;
using testing::shifted;

TEST(CompareSamples, PlantedFifteenPercentShiftInP50IsDetectedAndCovered) {
    // Base: a 30 ms floor and an exponential tail of median 20 ms (true p50
    // 50 ms). Candidate: an independent draw of the same shape, every value
    // 15% longer, so every quantile, p50 included, is exactly 15% larger.
    // With 500 runs a side the p50's standard error is ~1.3 ms, so the
    // 7.5 ms change is ~4 standard errors of the difference: detectable.
    const auto base = exponential_samples(500, 30 * kMs, 20 * kMs, 1);
    const auto candidate = scaled(exponential_samples(500, 30 * kMs, 20 * kMs, 2), 1.15);
    Change change = compare_samples("wall", base, candidate, Statistic::percentile(50));
    ASSERT_TRUE(change.computable);
    EXPECT_TRUE(change.detected) << change.difference_interval.low << " .. " << change.difference_interval.high;
    ASSERT_TRUE(change.relative_interval);
    EXPECT_TRUE(change.relative_interval->contains(0.15))
        << change.relative_interval->low << " .. " << change.relative_interval->high;
    EXPECT_GT(change.difference_interval.low, 0);
    EXPECT_LT(change.p_value, 0.05);
}

TEST(CompareSamples, PlantedAbsoluteShiftIsInsideTheInterval) {
    // A shift moves every quantile and the mean by exactly its amount.
    const auto base = exponential_samples(300, 5 * kMs, 10 * kMs, 11);
    const auto candidate = shifted(exponential_samples(300, 5 * kMs, 10 * kMs, 12), 8 * kMs);
    for (Statistic statistic : {Statistic::percentile(50), Statistic::mean()}) {
        Change change = compare_samples("wall", base, candidate, statistic);
        EXPECT_TRUE(change.detected) << statistic.name();
        EXPECT_TRUE(change.difference_interval.contains(8 * kMs)) << statistic.name() << ": "
            << change.difference_interval.low << " .. " << change.difference_interval.high;
    }
}

TEST(CompareSamples, IdenticalSamplesShowNoDetectableChange) {
    const auto samples = exponential_samples(200, 10 * kMs, 30 * kMs, 5);
    for (Statistic statistic : {Statistic::percentile(50), Statistic::percentile(99), Statistic::mean()}) {
        Change change = compare_samples("wall", samples, samples, statistic);
        EXPECT_FALSE(change.detected) << statistic.name();
        EXPECT_EQ(change.difference, 0);
        EXPECT_GT(change.detectable, 0) << statistic.name();
        EXPECT_NEAR(change.p_value, 1.0, 1e-9);
    }
}

// The bar. A 95% interval excludes zero 5% of the time by design,
// so 100 trials can show 6 by chance (p ~ 0.38 at exactly 5%); the
// percentile bootstrap of a median is slightly conservative (4.1% over 1000
// trials measured while writing this), and the trials' seeds are fixed, so
// the count is reproducible. The rate over many trials is the next test.
TEST(CompareSamples, TwoDrawsOfOneDistributionAreNotFlaggedIn95Of100Trials) {
    BootstrapOptions options;
    options.resamples = 1000;
    int flagged = 0;
    for (std::uint64_t trial = 0; trial < 100; ++trial) {
        const auto base = exponential_samples(200, 10 * kMs, 30 * kMs, 1000 + 2 * trial);
        const auto candidate = exponential_samples(200, 10 * kMs, 30 * kMs, 1001 + 2 * trial);
        flagged += compare_samples("wall", base, candidate, Statistic::percentile(50), options).detected;
    }
    EXPECT_LE(flagged, 5);
}

TEST(CompareSamples, FalseAlarmRateOverManyTrialsIsAtMostNominal) {
    // 600 trials of n = 100: at a true 5% the count has sd ~5.3; at most
    // 5% + 2 sd (41) and at least a few (an interval that never excludes
    // zero is uselessly wide).
    BootstrapOptions options;
    options.resamples = 400;
    for (Statistic statistic : {Statistic::percentile(50), Statistic::percentile(95), Statistic::mean()}) {
        int flagged = 0;
        for (std::uint64_t trial = 0; trial < 600; ++trial) {
            const auto base = exponential_samples(100, 10 * kMs, 30 * kMs, 40000 + 2 * trial);
            const auto candidate = exponential_samples(100, 10 * kMs, 30 * kMs, 40001 + 2 * trial);
            flagged += compare_samples("wall", base, candidate, statistic, options).detected;
        }
        EXPECT_LE(flagged, 41) << statistic.name();
        EXPECT_GE(flagged, 5) << statistic.name();
    }
}

TEST(CompareSamples, IntervalsCoverTheTrueChangeAtAboutTheNominalRate) {
    // True p50 difference: +6 ms (base median 10 + 20 ms, candidate the
    // same shape shifted by 6 ms). Over 200 seeds a 95% interval should hold
    // it about 190 times; sd of the count is ~3, so at least 180 and at most
    // 199 (a method that always covers is too wide to be useful).
    BootstrapOptions options;
    options.resamples = 500;
    int covered = 0;
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
        const auto base = exponential_samples(150, 10 * kMs, 20 * kMs, 5000 + 2 * seed);
        const auto candidate = shifted(exponential_samples(150, 10 * kMs, 20 * kMs, 5001 + 2 * seed), 6 * kMs);
        covered += compare_samples("wall", base, candidate, Statistic::percentile(50), options)
                       .difference_interval.contains(6 * kMs);
    }
    EXPECT_GE(covered, 180);
    EXPECT_LE(covered, 199);
}

TEST(CompareSamples, MeanIntervalsCoverTheTrueChangeToo) {
    // Means of exponentials: the true difference of the means is the shift.
    BootstrapOptions options;
    options.resamples = 500;
    int covered = 0;
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
        const auto base = exponential_samples(100, 0, 10 * kMs, 9000 + 2 * seed);
        const auto candidate = shifted(exponential_samples(100, 0, 10 * kMs, 9001 + 2 * seed), 2 * kMs);
        covered += compare_samples("cpu", base, candidate, Statistic::mean(), options)
                       .difference_interval.contains(2 * kMs);
    }
    EXPECT_GE(covered, 180);
    EXPECT_LE(covered, 199);
}

TEST(CompareSamples, AChangeBeyondTheDetectableOneIsDetected) {
    // What `detectable` promises: the same data shifted by more than it
    // would have excluded zero.
    const auto base = exponential_samples(200, 10 * kMs, 30 * kMs, 21);
    const auto candidate = exponential_samples(200, 10 * kMs, 30 * kMs, 22);
    Change unchanged = compare_samples("wall", base, candidate, Statistic::percentile(50));
    ASSERT_FALSE(unchanged.detected);
    Change larger = compare_samples("wall", base, shifted(candidate, unchanged.detectable * 1.05),
                                    Statistic::percentile(50));
    EXPECT_TRUE(larger.detected);
    Change smaller = compare_samples("wall", base, shifted(candidate, -unchanged.detectable * 1.05),
                                     Statistic::percentile(50));
    EXPECT_TRUE(smaller.detected);
}

TEST(CompareSamples, TheSameInputGivesTheSameInterval) {
    const auto base = exponential_samples(100, 0, 10 * kMs, 31);
    const auto candidate = exponential_samples(100, 0, 12 * kMs, 32);
    Change first = compare_samples("wall", base, candidate, Statistic::percentile(95));
    Change second = compare_samples("wall", base, candidate, Statistic::percentile(95));
    EXPECT_EQ(first.difference_interval.low, second.difference_interval.low);
    EXPECT_EQ(first.difference_interval.high, second.difference_interval.high);
}

TEST(CompareSamples, TooFewSamplesGiveNoInterval) {
    Change change = compare_samples("wall", {1.0}, {2.0, 3.0}, Statistic::percentile(50));
    EXPECT_FALSE(change.computable);
    EXPECT_FALSE(change.detected);
    EXPECT_EQ(change.difference, 1.0);
}

TEST(CompareSamples, ZeroBaseHasNoRelativeChange) {
    Change change = compare_samples("sql", {0, 0, 0}, {1, 2, 3}, Statistic::mean());
    EXPECT_FALSE(change.relative);
    EXPECT_FALSE(change.relative_interval);
    EXPECT_TRUE(change.detected);
}

TEST(Estimate, IntervalOfAPercentileHoldsTheTrueOne) {
    // Exponential with median 20 ms over a 5 ms floor: true p95 = 5 ms +
    // 20 ms * log2(20).
    const double true_p95 = 5 * kMs + 20 * kMs * std::log2(20.0);
    BootstrapOptions options;
    options.resamples = 500;
    int covered = 0;
    for (std::uint64_t seed = 0; seed < 100; ++seed) {
        Estimate e = estimate("wall", exponential_samples(300, 5 * kMs, 20 * kMs, 700 + seed),
                              Statistic::percentile(95), options);
        covered += e.interval.contains(true_p95);
    }
    EXPECT_GE(covered, 88);
}

}  // namespace
}  // namespace validprof::compare
