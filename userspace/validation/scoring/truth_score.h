// The truth score of a completion, with the weights and thresholds of the
// modelled system:
//
//   score = 0.30 agent reliability + 0.25 cross validation
//         + 0.20 external verification + 0.15 factual consistency
//         + 0.10 logical coherence
//
// each component in [0, 1], an unknown component counting 0.5. Thresholds:
// strict 0.95, moderate 0.85, development 0.75.
//
// Confidence says how much of the score rests on measurements: 1 minus half
// the weight of the unknown components (an unknown is a coin toss, worth half
// a measurement). A vote approves when score >= threshold and confidence >=
// 0.75, the modelled system's passing confidence: with no track record and no
// check command (0.30 + 0.20 unknown) confidence is exactly 0.75, so a clean
// first edit can pass in development mode; one more unknown and it cannot.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace validprof::validation {

enum class Mode { Strict, Moderate, Development };

const char* mode_name(Mode mode);
common::Result<Mode> parse_mode(std::string_view name);
double mode_threshold(Mode mode);

inline constexpr double kAgentReliabilityWeight = 0.30;
inline constexpr double kCrossValidationWeight = 0.25;
inline constexpr double kExternalVerificationWeight = 0.20;
inline constexpr double kFactualConsistencyWeight = 0.15;
inline constexpr double kLogicalCoherenceWeight = 0.10;
inline constexpr double kUnknownComponent = 0.5;
inline constexpr double kPassingConfidence = 0.75;

// nullopt: unknown (no input for it).
struct TruthComponents {
    std::optional<double> agent_reliability;
    std::optional<double> cross_validation;
    std::optional<double> external_verification;
    std::optional<double> factual_consistency;
    std::optional<double> logical_coherence;
};

struct TruthScore {
    TruthComponents components;
    double score = 0;       // [0, 1]
    double confidence = 0;  // [0.5, 1]
};

TruthScore compute_truth_score(const TruthComponents& components);

struct Vote {
    bool approve = false;
    double score = 0;
    double confidence = 0;
    double threshold = 0;
};

// Comparisons allow 1e-9 of rounding: 0.15 + 0.25 + ... must reach 0.75 even
// when the binary sum lands a hair below it.
Vote vote_on(const TruthScore& score, Mode mode);

struct Evidence;
// How each component comes from the evidence (docs/validation-core.md):
//   agent reliability     (clean + 1) / (validations + 2) from the agent's
//                          history; unknown without an agent or history
//   cross validation      share of passed style checks (whitespace,
//                          line-length) over all files; unknown if none apply
//   external verification mean command score; unknown without a command
//   factual consistency   share of files whose hash did not change while
//                          they were checked; unknown without files
//   logical coherence     share of passed syntax checks (JSON parse, YAML
//                          structure, C/C++ brackets); unknown if none apply
TruthComponents components_from_evidence(const Evidence& evidence);

// The whole evaluation a validator performs: components, score, vote.
Vote evaluate_evidence(const Evidence& evidence, TruthScore* score_out = nullptr);

// What the evidence adds to the agent's clean count:
//   0    a check failed or a file changed meanwhile
//   0.5  nothing failed, but some file had no applicable check (a binary
//        file): unknown, like an unknown score component; counting it as
//        clean would let unverifiable edits build a track record
//   1    every file had at least one applicable check and all passed
double track_record_credit(const Evidence& evidence);

}  // namespace validprof::validation
