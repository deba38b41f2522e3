#include "text/duration_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <string>

namespace validprof::text {
namespace {

TEST(FormatDuration, Nanoseconds) {
    EXPECT_EQ(format_duration(std::uint64_t{0}), "0 ns");
    EXPECT_EQ(format_duration(std::uint64_t{7}), "7 ns");
    EXPECT_EQ(format_duration(std::uint64_t{999}), "999 ns");
}

TEST(FormatDuration, ThreeSignificantDigits) {
    EXPECT_EQ(format_duration(std::uint64_t{1'000}), "1.00 µs");
    EXPECT_EQ(format_duration(std::uint64_t{1'234}), "1.23 µs");
    EXPECT_EQ(format_duration(std::uint64_t{12'345}), "12.3 µs");
    EXPECT_EQ(format_duration(std::uint64_t{123'456}), "123 µs");
    EXPECT_EQ(format_duration(std::uint64_t{85'200'000}), "85.2 ms");
    EXPECT_EQ(format_duration(std::uint64_t{1'500'000'000}), "1.50 s");
    EXPECT_EQ(format_duration(std::uint64_t{61'000'000'000}), "61.0 s");
}

TEST(FormatDuration, RoundingCarriesIntoTheNextDigitOrUnit) {
    EXPECT_EQ(format_duration(std::uint64_t{9'996}), "10.0 µs");
    EXPECT_EQ(format_duration(std::uint64_t{99'960}), "100 µs");
    EXPECT_EQ(format_duration(std::uint64_t{999'499}), "999 µs");
    EXPECT_EQ(format_duration(std::uint64_t{999'500}), "1.00 ms");
    EXPECT_EQ(format_duration(std::uint64_t{999'600'000}), "1.00 s");
}

TEST(FormatDuration, LongDurationsStayInSeconds) {
    EXPECT_EQ(format_duration(std::uint64_t{1'234'000'000'000}), "1234 s");
}

TEST(FormatDuration, MeansRoundToTheNearestNanosecond) {
    EXPECT_EQ(format_duration(1499.6), "1.50 µs");
    EXPECT_EQ(format_duration(0.4), "0 ns");
    EXPECT_EQ(format_duration(-3.0), "0 ns");
}

TEST(FormatSignedDuration, NegativeOffsets) {
    EXPECT_EQ(format_signed_duration(-1'200'000), "-1.20 ms");
    EXPECT_EQ(format_signed_duration(0), "0 ns");
    EXPECT_EQ(format_signed_duration(12'345), "12.3 µs");
    EXPECT_FALSE(format_signed_duration(std::numeric_limits<std::int64_t>::min()).empty());
}

TEST(FormatPercent, Shares) {
    EXPECT_EQ(format_percent(25.0), "25.0%");
    EXPECT_EQ(format_percent(0.5), "0.50%");
    EXPECT_EQ(format_percent(0.004), "0.00%");
    EXPECT_EQ(format_percent(0.0), "0.00%");
    EXPECT_EQ(format_percent(9.999), "10.0%");
    EXPECT_EQ(format_percent(99.96), "100%");
    EXPECT_EQ(format_percent(100.0), "100%");
}

TEST(FormatCount, Means) {
    EXPECT_EQ(format_count(2.0), "2");
    EXPECT_EQ(format_count(1.5), "1.5");
    EXPECT_EQ(format_count(12.34), "12.3");
    EXPECT_EQ(format_count(0.0), "0");
    EXPECT_EQ(format_count(12345.0), "12345");
}

// Sets TZ for one test and restores it, so the expected strings come from
// a fixed zone rather than the machine's.
class ScopedTimeZone {
public:
    explicit ScopedTimeZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) old_ = old;
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    ~ScopedTimeZone() {
        if (old_) {
            ::setenv("TZ", old_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }

private:
    std::optional<std::string> old_;
};

TEST(FormatLocalTime, UsesTheLocalZone) {
    {
        ScopedTimeZone utc("UTC");
        // `date -u -d @1700000000` prints Tue Nov 14 22:13:20 UTC 2023.
        EXPECT_EQ(format_local_time(1'700'000'000LL * 1'000'000'000LL + 999'999'999),
                  "2023-11-14 22:13:20.999 +0000");
        EXPECT_EQ(format_local_time(0), "1970-01-01 00:00:00.000 +0000");
        EXPECT_EQ(format_local_time(-1), "1969-12-31 23:59:59.999 +0000");
    }
    {
        // POSIX TZ with a fixed offset and no DST: two hours east of UTC.
        ScopedTimeZone east("XYZ-2");
        EXPECT_EQ(format_local_time(1'700'000'000LL * 1'000'000'000LL + 42'000'000),
                  "2023-11-15 00:13:20.042 +0200");
    }
}

}  // namespace
}  // namespace validprof::text
