// What one check says about one file. Plain data: the checks produce it, the
// evidence carries it to the validators, the truth score reads it.
#pragma once

#include <string>

namespace validprof::validation {

// Check names as they appear in the evidence, the database and the probes.
inline constexpr const char* kSyntaxCheck = "syntax";
inline constexpr const char* kWhitespaceCheck = "whitespace";
inline constexpr const char* kLineLengthCheck = "line-length";
inline constexpr const char* kCommandCheck = "command";
inline constexpr const char* kContentHashCheck = "content-hash";

struct CheckOutcome {
    std::string name;
    bool passed = false;
    int issues = 0;      // lines (or places) at fault; 0 when passed
    std::string detail;  // the first issue, "line 12: trailing whitespace"; empty when passed
};

inline CheckOutcome passed_check(std::string name) { return CheckOutcome{std::move(name), true, 0, {}}; }

}  // namespace validprof::validation
