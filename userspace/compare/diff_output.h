// How `validprof diff` prints a Comparison: text for a person, JSON for
// tools. Apart from the statistics so the numbers are computed once and both
// forms cannot disagree.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "compare/change.h"
#include "compare/session_comparison.h"

namespace validprof::compare {

enum class Unit { Nanoseconds, Count };

std::string render_diff_text(const Comparison& comparison);
nlohmann::json render_diff_json(const Comparison& comparison);

// One Change in a line's words: "12.3 ms -> 14.1 ms  +1.80 ms (+14.6%) [+1.20 ms, +2.40 ms] p=0.0003 CHANGED"
// or "... no detectable change (would detect ±3.1 ms, ±25%)". Shared with check.
std::string describe_change(const Change& change, Unit unit);
std::string format_value(double value, Unit unit);
std::string format_signed(double value, Unit unit);
std::string format_signed_percent(double fraction);  // 0.146 -> "+14.6%"

nlohmann::json change_json(const Change& change, Unit unit);

}  // namespace validprof::compare
