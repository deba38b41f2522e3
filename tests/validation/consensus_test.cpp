// Consensus rounds with real validator threads: configuration rules, each
// fault kind, and a randomized sweep over seeds (fault kinds and positions,
// message delays) checking safety and liveness.
//
// Safety: no two honest validators commit different decisions, and the
// client's decision is the honest validators' own evaluation. Liveness: with
// at most f faulty validators (the first primary included) the client
// decides before the bound T * (2^(f+2) - 1), T the first view's timeout:
// enough for f faulty primaries in a row (T + 2T + ... + 2^(f-1)T) and the
// honest view after them, with one spare view for scheduling noise.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "validation/consensus/consensus_round.h"

namespace validprof::validation {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

Evaluator fixed_evaluator(bool approve) {
    return [approve](std::string_view) { return Evaluation{approve, approve ? 0.9 : 0.4, 0.9}; };
}

// The default first-view timeout of these tests: long enough that a loaded
// machine (two busy processes per core) rarely forces a spurious view
// change, short enough that 200 randomized rounds stay within seconds.
constexpr milliseconds kTestViewTimeout{25};

ConsensusConfig config_for(int n, int f, milliseconds view_timeout = kTestViewTimeout) {
    ConsensusConfig config;
    config.validators = n;
    config.faulty_tolerance = f;
    config.view_timeout = view_timeout;
    config.deadline = view_timeout * ((1 << (f + 2)) - 1);
    return config;
}

Decision honest_decision(bool approve) { return approve ? Decision::Approve : Decision::Reject; }

// Safety and validity over one outcome.
void expect_safe(const ConsensusOutcome& outcome, bool approve, const std::string& context) {
    std::set<Decision> committed;
    for (const ReplicaReport& replica : outcome.replicas) {
        if (replica.fault != FaultKind::None || replica.committed == Decision::None) continue;
        committed.insert(replica.committed);
        EXPECT_EQ(replica.committed, honest_decision(approve)) << context << " validator " << replica.id;
    }
    EXPECT_LE(committed.size(), 1u) << context << ": honest validators committed different decisions";
    if (outcome.decision != Decision::None) {
        EXPECT_EQ(outcome.decision, honest_decision(approve)) << context;
    }
}

TEST(ConsensusConfig, RejectsFewerThan3fPlus1) {
    for (auto [n, f] : {std::pair{3, 1}, std::pair{6, 2}, std::pair{9, 3}, std::pair{1, 1}}) {
        ConsensusConfig config = config_for(n, f);
        auto valid = validate_consensus_config(config);
        ASSERT_FALSE(valid.ok()) << n << "," << f;
        EXPECT_NE(valid.error().message.find("n >= 3f+1"), std::string::npos);
        EXPECT_EQ(valid.error().message.find('\n'), std::string::npos) << "one line";
        EXPECT_FALSE(run_consensus(config, "{}", fixed_evaluator(true)).ok());
    }
    for (auto [n, f] : {std::pair{4, 1}, std::pair{7, 2}, std::pair{10, 3}, std::pair{1, 0}, std::pair{5, 1}}) {
        EXPECT_TRUE(validate_consensus_config(config_for(n, f)).ok()) << n << "," << f;
    }
    ConsensusConfig bad_fault = config_for(4, 1);
    bad_fault.faults = {FaultSpec{4, FaultKind::Silent}};
    EXPECT_FALSE(validate_consensus_config(bad_fault).ok());
}

TEST(ConsensusConfig, ParsesFaultSpecs) {
    auto spec = parse_fault("validator=2:always-reject");
    ASSERT_TRUE(spec.ok());
    EXPECT_EQ(spec->validator, 2);
    EXPECT_EQ(spec->kind, FaultKind::AlwaysReject);
    EXPECT_EQ(parse_fault("0:slow")->kind, FaultKind::Slow);
    EXPECT_FALSE(parse_fault("validator=x:silent").ok());
    EXPECT_FALSE(parse_fault("validator=1:sleepy").ok());
    EXPECT_FALSE(parse_fault("validator=1").ok());
}

TEST(Consensus, AllHonestDecideInTheFirstView) {
    for (int n : {4, 7, 10}) {
        const int f = (n - 1) / 3;
        for (bool approve : {true, false}) {
            // A long first view: this test counts messages, so a view change
            // caused by a busy machine must not happen. A long reply grace:
            // the client waits for every validator's reply (on a loaded
            // machine the last one may lag the decision by milliseconds).
            ConsensusConfig config = config_for(n, f, milliseconds(500));
            config.reply_grace = std::chrono::seconds(2);
            auto outcome = run_consensus(config, "{}", fixed_evaluator(approve));
            ASSERT_TRUE(outcome.ok());
            EXPECT_FALSE(outcome->timed_out);
            EXPECT_EQ(outcome->decision, honest_decision(approve)) << n;
            EXPECT_EQ(outcome->view, 0u);
            EXPECT_EQ(static_cast<int>(outcome->replies.size()), n);
            for (const ReplicaReport& replica : outcome->replicas) {
                EXPECT_EQ(replica.committed, honest_decision(approve));
                EXPECT_EQ(replica.view_changes, 0);
                EXPECT_EQ(replica.verdicts.count(Verdict::Forged), 0u);
            }
            // Messages: n requests, n-1 pre-prepares, (n-1)^2 prepares,
            // n(n-1) commits, n replies.
            const std::uint64_t expected = n + (n - 1) + (n - 1) * (n - 1) + n * (n - 1) + n;
            EXPECT_EQ(outcome->messages, expected) << n;
        }
    }
}

TEST(Consensus, EachFaultOfThePrimaryIsSurvived) {
    for (FaultKind kind : {FaultKind::Silent, FaultKind::Slow, FaultKind::Equivocate, FaultKind::AlwaysReject}) {
        ConsensusConfig config = config_for(4, 1);
        config.faults = {FaultSpec{0, kind}};
        auto outcome = run_consensus(config, "{}", fixed_evaluator(true));
        ASSERT_TRUE(outcome.ok());
        const std::string context = fault_kind_name(kind);
        EXPECT_FALSE(outcome->timed_out) << context;
        EXPECT_EQ(outcome->decision, Decision::Approve) << context;
        expect_safe(*outcome, true, context);
        if (kind != FaultKind::Equivocate) {
            // The primary proposed nothing usable: a view change replaced it.
            EXPECT_GE(outcome->view, 1u) << context;
            for (const ReplicaReport& replica : outcome->replicas) {
                if (replica.fault == FaultKind::None) {
                    EXPECT_GE(replica.view_changes, 1) << context;
                }
            }
        }
    }
}

TEST(Consensus, EachFaultOfABackupIsSurvivedWithoutViewChange) {
    for (FaultKind kind : {FaultKind::Silent, FaultKind::Slow, FaultKind::Equivocate, FaultKind::AlwaysReject}) {
        ConsensusConfig config = config_for(4, 1, milliseconds(500));  // no view change expected, none forced by load
        config.faults = {FaultSpec{2, kind}};
        auto outcome = run_consensus(config, "{}", fixed_evaluator(true));
        ASSERT_TRUE(outcome.ok());
        EXPECT_EQ(outcome->decision, Decision::Approve) << fault_kind_name(kind);
        EXPECT_EQ(outcome->view, 0u) << fault_kind_name(kind);
        expect_safe(*outcome, true, fault_kind_name(kind));
    }
}

TEST(Consensus, TooManyFaultsMayStallButNeverDisagree) {
    // 2 silent of 4 with f = 1: no quorum, so no decision, and nothing wrong
    // committed.
    ConsensusConfig config = config_for(4, 1, milliseconds(2));
    config.deadline = milliseconds(60);
    config.faults = {FaultSpec{1, FaultKind::Silent}, FaultSpec{2, FaultKind::Silent}};
    auto outcome = run_consensus(config, "{}", fixed_evaluator(true));
    ASSERT_TRUE(outcome.ok());
    EXPECT_TRUE(outcome->timed_out);
    EXPECT_EQ(outcome->decision, Decision::None);
    expect_safe(*outcome, true, "two silent");
}

TEST(Consensus, ReplayedAndForgedCopiesAreDroppedInALiveRound) {
    // Every message also arrives twice more: once replayed byte for byte and
    // once with a flipped MAC bit.
    Network::Tap tap = [](int, int to, const std::vector<std::uint8_t>& bytes, Network& network) {
        network.inject(to, bytes, microseconds(50));
        auto forged = bytes;
        forged.back() ^= 0x80;
        network.inject(to, std::move(forged));
    };
    ConsensusConfig config = config_for(4, 1, milliseconds(500));
    config.reply_grace = std::chrono::seconds(2);  // every validator's reply, however loaded the machine
    auto outcome = run_consensus(config, "{}", fixed_evaluator(true), tap);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->decision, Decision::Approve);
    EXPECT_EQ(outcome->view, 0u);
    std::uint64_t replayed = 0, forged = 0;
    for (const ReplicaReport& replica : outcome->replicas) {
        EXPECT_EQ(replica.committed, Decision::Approve);
        auto count = [&](Verdict verdict) {
            auto found = replica.verdicts.find(verdict);
            return found == replica.verdicts.end() ? 0u : found->second;
        };
        replayed += count(Verdict::Replayed);
        forged += count(Verdict::Forged);
    }
    EXPECT_GT(replayed, 0u);
    EXPECT_GT(forged, 0u);
    EXPECT_GT(outcome->client_rejected, 0u);  // the client drops replayed and forged replies too
}

TEST(Consensus, RandomizedSchedulesAreSafeAndLive) {
    constexpr int kSeeds = 200;
    int view_changes_seen = 0;
    for (int seed = 0; seed < kSeeds; ++seed) {
        std::mt19937_64 random(static_cast<std::uint64_t>(seed));
        const int n = seed % 4 == 3 ? 7 : 4;
        const int f = (n - 1) / 3;
        ConsensusConfig config = config_for(n, f);
        config.seed = static_cast<std::uint64_t>(seed);
        config.link_delay = LinkDelay{microseconds(0), microseconds(std::uniform_int_distribution<int>(0, 400)(random))};
        const int faulty = std::uniform_int_distribution<int>(0, f)(random);
        std::vector<int> ids(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = i;
        std::shuffle(ids.begin(), ids.end(), random);
        // Half the seeds with a fault make the first primary faulty.
        if (faulty > 0 && random() % 2 == 0) std::iter_swap(ids.begin(), std::find(ids.begin(), ids.end(), 0));
        const FaultKind kinds[] = {FaultKind::Silent, FaultKind::Slow, FaultKind::Equivocate, FaultKind::AlwaysReject};
        for (int i = 0; i < faulty; ++i) {
            config.faults.push_back(FaultSpec{ids[static_cast<std::size_t>(i)], kinds[random() % 4]});
        }
        const bool approve = random() % 3 != 0;

        auto outcome = run_consensus(config, "{}", fixed_evaluator(approve));
        ASSERT_TRUE(outcome.ok());
        std::string context = "seed " + std::to_string(seed) + " n=" + std::to_string(n);
        for (const FaultSpec& fault : config.faults) {
            context += " " + std::to_string(fault.validator) + ":" + fault_kind_name(fault.kind);
        }
        EXPECT_FALSE(outcome->timed_out) << context << ": no decision within "
                                         << std::chrono::duration<double, std::milli>(config.deadline).count() << " ms";
        expect_safe(*outcome, approve, context);
        view_changes_seen += outcome->view > 0 ? 1 : 0;
    }
    // The sweep did exercise view changes (faulty first primaries).
    EXPECT_GT(view_changes_seen, kSeeds / 10);
}

}  // namespace
}  // namespace validprof::validation
