// Rollout admission, as in the modelled system: an invocation is in the
// rollout of a feature flag when a 32-bit hash of "userId-flagName" modulo
// 100 is below the rollout percentage. The same user always lands in the
// same bucket, so raising 5% -> 15% -> 50% -> 100% only ever adds users.
//
// The hash is FNV-1a, 32 bits (offset basis 2166136261, prime 16777619) over
// the UTF-8 bytes: tiny, no table, stable across platforms and languages, and
// good enough at spreading short ASCII keys over 100 buckets. It is not a
// security boundary; nothing here needs one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace validprof::validation {

inline constexpr std::string_view kTruthValidationFlag = "truth-based-validation";

constexpr std::uint32_t fnv1a_32(std::string_view bytes) {
    std::uint32_t hash = 2166136261u;
    for (char c : bytes) {
        hash ^= static_cast<std::uint8_t>(c);
        hash *= 16777619u;
    }
    return hash;
}

struct RolloutDecision {
    std::string key;        // "userId-flagName", what was hashed
    std::uint32_t hash = 0;
    int bucket = 0;         // hash % 100
    int percent = 0;        // 0..100
    bool admitted = false;  // bucket < percent
};

RolloutDecision decide_rollout(std::string_view user, std::string_view flag, int percent);

}  // namespace validprof::validation
