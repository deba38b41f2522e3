// How durations, shares and clock times read in the text report. Hook
// timings span nanoseconds (a run-queue wait) to minutes (a test suite in a
// pre-push hook); three significant digits with an adaptive unit keep a
// column readable without hiding the order of magnitude. JSON never goes
// through here: it carries integer nanoseconds.
#pragma once

#include <cstdint>
#include <string>

namespace validprof::text {

// "0 ns", "999 ns", "1.23 µs", "12.3 ms", "123 s". Three significant digits,
// rounded half away from zero; a value that rounds up to 1000 of a unit moves
// to the next unit ("1.00 ms", not "1000 µs"). Below 1 µs the integer number
// of nanoseconds is exact; at and above 1000 s the seconds are printed
// without decimals ("1234 s").
std::string format_duration(std::uint64_t ns);

// format_duration of a mean, rounded to the nearest nanosecond; negative or
// NaN inputs (which a mean of unsigned samples cannot produce) print as 0.
std::string format_duration(double ns);

// Signed variant for offsets that can precede a reference point: "-1.20 ms".
std::string format_signed_duration(std::int64_t ns);

// A count or mean such as switches per invocation: "12", "3.5", "0.25".
std::string format_count(double value);

// "512 B", "1.50 KiB", "12.3 MiB", "1.00 GiB": binary units, three
// significant digits.
std::string format_bytes(std::uint64_t bytes);

// A percentage with three significant digits and at most two decimals:
// "41.2%", "0.98%", "0.00%", "100%".
std::string format_percent(double percent);

// Wall-clock time of a Unix timestamp in the local time zone, to the
// millisecond (hooks of one commit start within the same second), e.g.
// "2025-09-25 14:03:11.042 +0200"; local because the reader compares it
// with when they ran the hook.
std::string format_local_time(std::int64_t unix_ns);

}  // namespace validprof::text
