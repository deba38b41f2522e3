// The rollout hash against published FNV-1a test vectors and against bucket
// values computed outside this code (Python, same definition).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "validation/scoring/rollout.h"

namespace validprof::validation {
namespace {

TEST(Fnv1a32, MatchesReferenceVectors) {
    // From the FNV reference test suite (Fowler/Noll/Vo).
    EXPECT_EQ(fnv1a_32(""), 0x811c9dc5u);
    EXPECT_EQ(fnv1a_32("a"), 0xe40c292cu);
    EXPECT_EQ(fnv1a_32("foobar"), 0xbf9cf968u);
    static_assert(fnv1a_32("a") == 0xe40c292cu, "usable at compile time");
}

TEST(Rollout, HashesUserDashFlag) {
    // Python: h = 2166136261; for b in s.encode(): h = ((h ^ b) * 16777619) & 0xffffffff
    const RolloutDecision alice = decide_rollout("alice", kTruthValidationFlag, 50);
    EXPECT_EQ(alice.key, "alice-truth-based-validation");
    EXPECT_EQ(alice.hash, 0xc95f8c3bu);
    EXPECT_EQ(alice.bucket, 35);
    EXPECT_TRUE(alice.admitted);

    const RolloutDecision bob = decide_rollout("bob", kTruthValidationFlag, 50);
    EXPECT_EQ(bob.hash, 0xbb88dcb6u);
    EXPECT_EQ(bob.bucket, 90);
    EXPECT_FALSE(bob.admitted);

    EXPECT_EQ(decide_rollout("root", kTruthValidationFlag, 0).bucket, 49);
}

TEST(Rollout, AdmittedExactlyBelowThePercentage) {
    EXPECT_FALSE(decide_rollout("alice", kTruthValidationFlag, 35).admitted);  // bucket 35 is not < 35
    EXPECT_TRUE(decide_rollout("alice", kTruthValidationFlag, 36).admitted);
    EXPECT_FALSE(decide_rollout("alice", kTruthValidationFlag, 0).admitted);
    EXPECT_TRUE(decide_rollout("bob", kTruthValidationFlag, 100).admitted);
}

TEST(Rollout, StagesOnlyAddUsersAndSpreadEvenly) {
    // 5% -> 15% -> 50% -> 100%: each stage keeps everyone admitted before.
    std::set<std::string> previous;
    for (int percent : {5, 15, 50, 100}) {
        std::set<std::string> admitted;
        for (int i = 0; i < 2000; ++i) {
            const std::string user = "user" + std::to_string(i);
            if (decide_rollout(user, kTruthValidationFlag, percent).admitted) admitted.insert(user);
        }
        for (const std::string& user : previous) EXPECT_TRUE(admitted.count(user)) << user << " dropped at " << percent;
        // Within 3 percentage points of the target over 2000 users.
        EXPECT_NEAR(admitted.size() / 20.0, percent, 3.0) << percent;
        previous = std::move(admitted);
    }
}

}  // namespace
}  // namespace validprof::validation
