// The truth score formula, the thresholds, the confidence gate, and how the
// components come from the evidence.
#include <gtest/gtest.h>

#include "validation/scoring/evidence.h"
#include "validation/scoring/truth_score.h"

namespace validprof::validation {
namespace {

TruthComponents all(double value) { return TruthComponents{value, value, value, value, value}; }

FileEvidence file_with(std::vector<CheckOutcome> checks, bool unchanged = true) {
    FileEvidence file;
    file.path = "src/a.c";
    file.kind = FileKind::C;
    file.sha256 = "aa";
    file.sha256_after = unchanged ? "aa" : "bb";
    file.checks = std::move(checks);
    return file;
}

CheckOutcome check(const char* name, bool passed) { return CheckOutcome{name, passed, passed ? 0 : 1, ""}; }

TEST(TruthScore, WeightsAreTheModelledOnes) {
    EXPECT_DOUBLE_EQ(kAgentReliabilityWeight + kCrossValidationWeight + kExternalVerificationWeight +
                         kFactualConsistencyWeight + kLogicalCoherenceWeight,
                     1.0);
    // One component at a time at 1, the rest at 0: the score is its weight.
    const TruthComponents zero = all(0.0);
    auto only = [&](auto member) {
        TruthComponents components = zero;
        components.*member = 1.0;
        return compute_truth_score(components).score;
    };
    EXPECT_DOUBLE_EQ(only(&TruthComponents::agent_reliability), 0.30);
    EXPECT_DOUBLE_EQ(only(&TruthComponents::cross_validation), 0.25);
    EXPECT_DOUBLE_EQ(only(&TruthComponents::external_verification), 0.20);
    EXPECT_DOUBLE_EQ(only(&TruthComponents::factual_consistency), 0.15);
    EXPECT_DOUBLE_EQ(only(&TruthComponents::logical_coherence), 0.10);
}

TEST(TruthScore, WorkedExample) {
    // 0.3*0.9 + 0.25*0.8 + 0.2*1.0 + 0.15*0.6 + 0.1*0.5 = 0.27+0.2+0.2+0.09+0.05
    const TruthScore score = compute_truth_score(TruthComponents{0.9, 0.8, 1.0, 0.6, 0.5});
    EXPECT_NEAR(score.score, 0.81, 1e-12);
    EXPECT_DOUBLE_EQ(score.confidence, 1.0);
}

TEST(TruthScore, UnknownCountsHalfInScoreAndConfidence) {
    const TruthScore unknown = compute_truth_score(TruthComponents{});
    EXPECT_DOUBLE_EQ(unknown.score, 0.5);
    EXPECT_DOUBLE_EQ(unknown.confidence, 0.5);
    // Reliability and external verification unknown, the rest perfect.
    const TruthScore partial = compute_truth_score(TruthComponents{std::nullopt, 1.0, std::nullopt, 1.0, 1.0});
    EXPECT_NEAR(partial.score, 0.75, 1e-12);
    EXPECT_NEAR(partial.confidence, 0.75, 1e-12);
}

TEST(TruthScore, ModeThresholds) {
    EXPECT_DOUBLE_EQ(mode_threshold(Mode::Strict), 0.95);
    EXPECT_DOUBLE_EQ(mode_threshold(Mode::Moderate), 0.85);
    EXPECT_DOUBLE_EQ(mode_threshold(Mode::Development), 0.75);
    EXPECT_EQ(*parse_mode("strict"), Mode::Strict);
    EXPECT_EQ(*parse_mode("development"), Mode::Development);
    EXPECT_FALSE(parse_mode("lenient").ok());
}

TEST(TruthScore, VoteNeedsThresholdAndConfidence) {
    // Score 0.85 exactly (binary sum lands a hair off): moderate passes,
    // strict does not.
    const TruthScore at_moderate = compute_truth_score(TruthComponents{0.5, 1.0, 1.0, 1.0, 1.0});
    EXPECT_NEAR(at_moderate.score, 0.85, 1e-12);
    EXPECT_TRUE(vote_on(at_moderate, Mode::Moderate).approve);
    EXPECT_FALSE(vote_on(at_moderate, Mode::Strict).approve);
    EXPECT_TRUE(vote_on(at_moderate, Mode::Development).approve);

    const TruthScore below = compute_truth_score(TruthComponents{0.49, 1.0, 1.0, 1.0, 1.0});
    EXPECT_FALSE(vote_on(below, Mode::Moderate).approve);

    // Too much unknown: confidence 1 - 0.5 * 0.55 = 0.725 < 0.75.
    const TruthScore unsure = compute_truth_score(TruthComponents{std::nullopt, std::nullopt, 1.0, 1.0, 1.0});
    EXPECT_NEAR(unsure.confidence, 0.725, 1e-12);
    EXPECT_FALSE(vote_on(unsure, Mode::Development).approve);

    const TruthScore perfect = compute_truth_score(all(1.0));
    EXPECT_TRUE(vote_on(perfect, Mode::Strict).approve);
}

TEST(TruthScore, ComponentsFromEvidence) {
    Evidence evidence;
    evidence.mode = Mode::Moderate;
    evidence.agent = AgentHistory{"coder", 4, 3};
    FileEvidence c_file = file_with({check(kSyntaxCheck, true), check(kWhitespaceCheck, false), check(kLineLengthCheck, true)});
    CommandOutcome command;
    command.exit_status = 0;
    command.warning_lines = 2;
    c_file.command = command;
    FileEvidence json_file = file_with({check(kSyntaxCheck, false), check(kWhitespaceCheck, true)}, false);
    evidence.files = {c_file, json_file};

    const TruthComponents components = components_from_evidence(evidence);
    EXPECT_DOUBLE_EQ(*components.agent_reliability, (3 + 1.0) / (4 + 2.0));
    EXPECT_DOUBLE_EQ(*components.cross_validation, 2.0 / 3.0);   // whitespace x2, line-length: 2 of 3
    EXPECT_DOUBLE_EQ(*components.logical_coherence, 1.0 / 2.0);  // syntax: 1 of 2
    EXPECT_DOUBLE_EQ(*components.factual_consistency, 1.0 / 2.0);  // json file changed meanwhile
    EXPECT_DOUBLE_EQ(*components.external_verification, 0.8);    // exit 0, two warning lines
    EXPECT_EQ(track_record_credit(evidence), 0.0);
}

TEST(TruthScore, UnknownComponentsFromSparseEvidence) {
    Evidence evidence;
    evidence.files = {file_with({})};  // a binary file: no checks apply
    const TruthComponents components = components_from_evidence(evidence);
    EXPECT_FALSE(components.agent_reliability);
    EXPECT_FALSE(components.cross_validation);
    EXPECT_FALSE(components.external_verification);
    EXPECT_FALSE(components.logical_coherence);
    EXPECT_DOUBLE_EQ(*components.factual_consistency, 1.0);

    evidence.agent = AgentHistory{"coder", 0, 0};  // an agent with no history yet
    EXPECT_FALSE(components_from_evidence(evidence).agent_reliability);

    // Nothing could be checked: unknown for the track record, worth half,
    // not a clean completion.
    EXPECT_EQ(track_record_credit(evidence), 0.5);
    // With one checked file failing, the whole completion is not clean.
    evidence.files.push_back(file_with({check(kSyntaxCheck, false)}));
    EXPECT_EQ(track_record_credit(evidence), 0.0);
}

TEST(TruthScore, CleanFirstEditPassesOnlyInDevelopment) {
    Evidence evidence;
    evidence.mode = Mode::Development;
    evidence.files = {file_with({check(kSyntaxCheck, true), check(kWhitespaceCheck, true), check(kLineLengthCheck, true)})};
    TruthScore score;
    EXPECT_TRUE(evaluate_evidence(evidence, &score).approve);
    EXPECT_NEAR(score.score, 0.75, 1e-12);
    evidence.mode = Mode::Moderate;
    EXPECT_FALSE(evaluate_evidence(evidence).approve);
    EXPECT_EQ(track_record_credit(evidence), 1.0);
}

TEST(Evidence, JsonRoundTripIsExact) {
    Evidence evidence;
    evidence.mode = Mode::Strict;
    evidence.agent = AgentHistory{"reviewer", 7, 5};
    FileEvidence file = file_with({check(kSyntaxCheck, true), CheckOutcome{kWhitespaceCheck, false, 3, "line 2: trailing whitespace"}});
    CommandOutcome command;
    command.exit_status = 1;
    command.output_tail = "error: x\n";
    command.warning_lines = 1;
    file.command = command;
    evidence.files = {file};

    const std::string json = evidence_to_json(evidence);
    auto parsed = evidence_from_json(json);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(evidence_to_json(*parsed), json);
    EXPECT_EQ(parsed->files[0].checks[1].detail, "line 2: trailing whitespace");
    EXPECT_FALSE(evidence_from_json("{\"mode\":\"strict\"}").ok());
    EXPECT_FALSE(evidence_from_json("not json").ok());
}

}  // namespace
}  // namespace validprof::validation
