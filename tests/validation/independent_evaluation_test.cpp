// A validator's own judgement: it trusts nothing in the hook's evidence but
// the file names, the claimed hashes and the agent's name. Expected values
// come from the truth-score formula applied by hand to what the file really
// holds.
#include <gtest/gtest.h>

#include "validation/checks/content_hash.h"
#include "validation/hooks/independent_evaluation.h"
#include "validation/memory/memory_store.h"
#include "validation_test_support.h"

namespace validprof::validation {
namespace {

using testing::TempDir;

const char* kCleanC = "int main(void) {\n    return 0;\n}\n";

Evidence claim_for(const std::string& path, const std::string& claimed_hash) {
    Evidence claim;
    claim.mode = Mode::Development;
    FileEvidence file;
    file.path = path;
    file.kind = FileKind::C;
    file.sha256 = claimed_hash;
    file.sha256_after = claimed_hash;
    // The hook claims every check passed; the validator must not care.
    file.checks = {CheckOutcome{kSyntaxCheck, true, 0, ""}, CheckOutcome{kWhitespaceCheck, true, 0, ""}};
    claim.files.push_back(file);
    return claim;
}

ValidatorContext context_in(const TempDir& dir) {
    return ValidatorContext{dir.file("memory.db"), Mode::Development, {}};
}

TEST(IndependentEvaluation, AHonestClaimIsConfirmed) {
    TempDir dir;
    const std::string path = dir.write("a.c", kCleanC);
    const Evaluation evaluation =
        evaluate_independently(context_in(dir), evidence_to_json(claim_for(path, to_hex(sha256(std::string(kCleanC))))));
    // 0.30*0.5 (no history) + 0.25 + 0.20*0.5 (no command) + 0.15 + 0.10 = 0.75
    EXPECT_TRUE(evaluation.approve);
    EXPECT_NEAR(evaluation.score, 0.75, 1e-9);
}

TEST(IndependentEvaluation, ChecksAreRerunNotTakenFromTheClaim) {
    TempDir dir;
    const std::string broken = "int main(void) {\n    return (0;\n}\n";
    const std::string path = dir.write("a.c", broken);
    const Evaluation evaluation =
        evaluate_independently(context_in(dir), evidence_to_json(claim_for(path, to_hex(sha256(broken)))));
    // Logical coherence 0 (brackets): 0.15 + 0.25 + 0.10 + 0.15 + 0 = 0.65
    EXPECT_FALSE(evaluation.approve);
    EXPECT_NEAR(evaluation.score, 0.65, 1e-9);
}

TEST(IndependentEvaluation, AHashThatIsNotWhatIsOnDiskBreaksConsistency) {
    TempDir dir;
    const std::string path = dir.write("a.c", kCleanC);
    const Evaluation evaluation = evaluate_independently(
        context_in(dir), evidence_to_json(claim_for(path, to_hex(sha256(std::string("something else"))))));
    // Factual consistency 0: 0.15 + 0.25 + 0.10 + 0 + 0.10 = 0.60
    EXPECT_FALSE(evaluation.approve);
    EXPECT_NEAR(evaluation.score, 0.60, 1e-9);
}

TEST(IndependentEvaluation, TheHistoryIsReadFromTheDatabaseNotFromTheClaim) {
    TempDir dir;
    const std::string path = dir.write("a.c", kCleanC);
    {
        auto store = MemoryStore::open(dir.file("memory.db"));
        ASSERT_TRUE(store.ok());
        for (double credit : {0.0, 0.0, 0.5}) ASSERT_TRUE(store->record_agent_outcome("coder", credit, 1).ok());
    }
    EXPECT_EQ(read_agent_history(dir.file("memory.db"), "coder").validations, 3);
    EXPECT_DOUBLE_EQ(read_agent_history(dir.file("memory.db"), "coder").clean, 0.5);
    Evidence claim = claim_for(path, to_hex(sha256(std::string(kCleanC))));
    claim.agent = AgentHistory{"coder", 100, 100};  // the hook claims a perfect record
    const Evaluation evaluation = evaluate_independently(context_in(dir), evidence_to_json(claim));
    // Reliability (0.5 + 1) / (3 + 2) = 0.3: 0.09 + 0.25 + 0.10 + 0.15 + 0.10 = 0.69
    EXPECT_FALSE(evaluation.approve);
    EXPECT_NEAR(evaluation.score, 0.69, 1e-9);
}

TEST(IndependentEvaluation, AnUnreadableRequestNeverApproves) {
    TempDir dir;
    EXPECT_FALSE(evaluate_independently(context_in(dir), "not json").approve);
}

}  // namespace
}  // namespace validprof::validation
