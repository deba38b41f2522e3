#include "validation/scoring/truth_score.h"

#include "validation/checks/command_check.h"
#include "validation/scoring/evidence.h"

namespace validprof::validation {

namespace {

constexpr double kEpsilon = 1e-9;

struct Share {
    int passed = 0;
    int total = 0;
    std::optional<double> value() const {
        if (total == 0) return std::nullopt;
        return static_cast<double>(passed) / total;
    }
};

}  // namespace

const char* mode_name(Mode mode) {
    switch (mode) {
        case Mode::Strict: return "strict";
        case Mode::Moderate: return "moderate";
        case Mode::Development: return "development";
    }
    return "moderate";
}

common::Result<Mode> parse_mode(std::string_view name) {
    if (name == "strict") return Mode::Strict;
    if (name == "moderate") return Mode::Moderate;
    if (name == "development") return Mode::Development;
    return common::make_error("unknown mode '" + std::string(name) + "' (expected strict, moderate or development)");
}

double mode_threshold(Mode mode) {
    switch (mode) {
        case Mode::Strict: return 0.95;
        case Mode::Moderate: return 0.85;
        case Mode::Development: return 0.75;
    }
    return 0.85;
}

TruthScore compute_truth_score(const TruthComponents& components) {
    TruthScore result;
    result.components = components;
    double unknown_weight = 0;
    auto add = [&](const std::optional<double>& value, double weight) {
        if (value) {
            result.score += weight * *value;
        } else {
            result.score += weight * kUnknownComponent;
            unknown_weight += weight;
        }
    };
    add(components.agent_reliability, kAgentReliabilityWeight);
    add(components.cross_validation, kCrossValidationWeight);
    add(components.external_verification, kExternalVerificationWeight);
    add(components.factual_consistency, kFactualConsistencyWeight);
    add(components.logical_coherence, kLogicalCoherenceWeight);
    result.confidence = 1.0 - 0.5 * unknown_weight;
    return result;
}

Vote vote_on(const TruthScore& score, Mode mode) {
    Vote vote;
    vote.score = score.score;
    vote.confidence = score.confidence;
    vote.threshold = mode_threshold(mode);
    vote.approve = score.score + kEpsilon >= vote.threshold && score.confidence + kEpsilon >= kPassingConfidence;
    return vote;
}

TruthComponents components_from_evidence(const Evidence& evidence) {
    TruthComponents components;
    if (evidence.agent && evidence.agent->validations > 0) {
        components.agent_reliability =
            (evidence.agent->clean + 1.0) / (evidence.agent->validations + 2.0);
    }
    Share style, syntax, unchanged;
    double command_total = 0;
    int commands = 0;
    for (const FileEvidence& file : evidence.files) {
        for (const CheckOutcome& check : file.checks) {
            Share& share = check.name == kSyntaxCheck ? syntax : style;
            ++share.total;
            share.passed += check.passed ? 1 : 0;
        }
        if (file.command) {
            // Scored again from exit status and output, not taken from the
            // score field: the validator's own evaluation.
            command_total += command_score(*file.command);
            ++commands;
        }
        ++unchanged.total;
        unchanged.passed += !file.sha256.empty() && file.sha256 == file.sha256_after ? 1 : 0;
    }
    components.cross_validation = style.value();
    components.logical_coherence = syntax.value();
    components.factual_consistency = unchanged.value();
    if (commands > 0) components.external_verification = command_total / commands;
    return components;
}

Vote evaluate_evidence(const Evidence& evidence, TruthScore* score_out) {
    TruthScore score = compute_truth_score(components_from_evidence(evidence));
    if (score_out != nullptr) *score_out = score;
    return vote_on(score, evidence.mode);
}

double track_record_credit(const Evidence& evidence) {
    if (evidence.files.empty()) return kUnknownComponent;
    bool unknown = false;
    for (const FileEvidence& file : evidence.files) {
        if (file.passed_checks() != file.applicable_checks() || file.sha256 != file.sha256_after) return 0.0;
        unknown = unknown || file.applicable_checks() == 0;
    }
    return unknown ? kUnknownComponent : 1.0;
}

}  // namespace validprof::validation
