// One consensus round: n validator threads and the client (the calling
// thread) exchanging authenticated messages over a Network until the client
// holds a proof of the decision, then the round stops every validator and
// reports what each did.
//
// What the client accepts (ConsensusConfig::acceptance):
//   commit certificate  one reply carrying Q signed commits for its decision
//                       (the default): Q validators committed it, at least
//                       f+1 of them honest when at most f are faulty
//   matching replies    2f+1 replies with the same decision from distinct
//                       validators (replies carry no certificate then): at
//                       least f+1 honest validators committed it
// Either way the decision is *certified*. PBFT's classic f+1 matching replies
// is not enough here: beyond f faults, f+1 liars could agree on a decision no
// honest validator committed.
//
// Threads with queues rather than processes over Unix sockets: a hook is a
// short-lived process whose wall time is the thing being measured, and
// spawning n processes (fork, exec, socket set-up, teardown) would dominate
// that time and measure the harness instead of the protocol; threads keep
// the exchange real (encoded, authenticated bytes through per-validator
// queues, truly concurrent on several cores) at a cost of microseconds, and
// give each validator its own TID for per-thread and per-core attribution.
// What threads give up is isolation between validators: the fault model is
// the injected behaviour, not an attacker inside the address space (each
// replica object still holds only its own keys).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "validation/consensus/fault.h"
#include "validation/consensus/network.h"
#include "validation/consensus/replica.h"

namespace validprof::validation {

enum class ClientAcceptance { CommitCertificate, MatchingReplies };

const char* client_acceptance_name(ClientAcceptance acceptance);

struct ConsensusConfig {
    int validators = 4;        // n
    int faulty_tolerance = 1;  // f; n >= 3f + 1 is required
    std::chrono::microseconds view_timeout{50'000};       // first view; doubles per view change
    std::chrono::microseconds deadline{60'000'000};       // the whole round (the modelled 60 s)
    std::chrono::microseconds reply_grace{5'000};         // after the decision, wait this long for the other replies
    std::chrono::microseconds slow_delay{0};              // 0: four view timeouts
    LinkDelay link_delay;                                 // default: none
    std::uint64_t seed = 0;                               // for link delays
    std::vector<FaultSpec> faults;
    ClientAcceptance acceptance = ClientAcceptance::CommitCertificate;
};

// Error when n < 3f + 1 (or n < 1, f < 0, n > 64), or a fault names a
// validator that does not exist. One line, for the user.
common::Result<void> validate_consensus_config(const ConsensusConfig& config);

// A reply as the client received it.
struct ClientReply {
    int validator = 0;
    Decision decision = Decision::None;
    std::uint32_t view = 0;
    Decision vote = Decision::None;
    double score = 0;
    double confidence = 0;
    bool certificate_valid = false;  // carried a commit certificate for its decision that verified
    std::int64_t received_us = 0;
};

struct ConsensusOutcome {
    Decision decision = Decision::None;  // None: nothing certified before the deadline
    bool certified = false;              // decision != None implies certified
    ClientAcceptance accepted_by = ClientAcceptance::CommitCertificate;
    bool timed_out = false;
    std::uint32_t view = 0;              // of the deciding reply (or replies)
    int quorum = 0;                      // Q = ceil((n+f+1)/2)
    int matching_replies = 0;            // replies that named the decision
    double decision_ms = 0;              // round start to decision
    double round_ms = 0;                 // round start to all threads joined
    std::vector<ClientReply> replies;
    std::vector<ReplicaReport> replicas;
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    std::uint64_t client_rejected = 0;   // forged, replayed or misrouted replies, and certificates that failed
};

// libcrypto's first use in a process (its configuration, the random
// generator, the HMAC and Ed25519 implementations) costs milliseconds. A hook
// calls this on a thread of its own while it opens the database, so that the
// round does not pay it. Safe to call from any thread, any number of times.
void warm_up_consensus_crypto();

// Runs one round on `request` (the bytes every validator evaluates). The
// tap, if any, sees every message (tests use it to replay and forge). Fails
// only on an invalid configuration (or when no key can be generated).
common::Result<ConsensusOutcome> run_consensus(const ConsensusConfig& config, const std::string& request,
                                               const Evaluator& evaluate, Network::Tap tap = {});

}  // namespace validprof::validation
