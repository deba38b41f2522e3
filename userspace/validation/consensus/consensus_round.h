// One consensus round: n validator threads and the client (the calling
// thread) exchanging authenticated messages over a Network until the client
// holds f+1 matching replies, which PBFT needs because at most f of them can
// lie. Then the round stops every validator and reports what each did.
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
    std::int64_t received_us = 0;
};

struct ConsensusOutcome {
    Decision decision = Decision::None;  // None: no f+1 matching replies before the deadline
    bool timed_out = false;
    std::uint32_t view = 0;              // of the deciding replies
    int matching_replies = 0;
    double decision_ms = 0;              // round start to decision
    double round_ms = 0;                 // round start to all threads joined
    std::vector<ClientReply> replies;
    std::vector<ReplicaReport> replicas;
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    std::uint64_t client_rejected = 0;   // forged, replayed or misrouted replies
};

// Runs one round on `evidence`. The tap, if any, sees every message (tests
// use it to replay and forge). Fails only on an invalid configuration.
common::Result<ConsensusOutcome> run_consensus(const ConsensusConfig& config, const std::string& evidence,
                                               const Evaluator& evaluate, Network::Tap tap = {});

}  // namespace validprof::validation
