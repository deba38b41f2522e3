#include "validation/consensus/consensus_round.h"

#include <map>
#include <memory>
#include <set>
#include <thread>

#include "validation/checks/content_hash.h"
#include "validation/probes.h"

namespace validprof::validation {

namespace {

constexpr int kMaxValidators = 64;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::uint64_t random_session_id(const SessionSecret& secret) {
    std::uint64_t id = 0;
    for (int i = 0; i < 8; ++i) id = (id << 8) | secret[static_cast<std::size_t>(31 - i)];
    return id;
}

}  // namespace

common::Result<void> validate_consensus_config(const ConsensusConfig& config) {
    const int n = config.validators;
    const int f = config.faulty_tolerance;
    if (f < 0) return common::make_error("--faulty-tolerance must be 0 or more");
    if (n < 1 || n > kMaxValidators) {
        return common::make_error("--validators must be between 1 and " + std::to_string(kMaxValidators));
    }
    if (n < 3 * f + 1) {
        return common::make_error("Byzantine consensus needs n >= 3f+1 validators: n=" + std::to_string(n) +
                                  " cannot tolerate f=" + std::to_string(f) + " (use --validators " +
                                  std::to_string(3 * f + 1) + " or more)");
    }
    if (auto faults = assign_faults(config.faults, n); !faults) return faults.error();
    if (config.view_timeout.count() <= 0) return common::make_error("the view timeout must be positive");
    return common::success();
}

common::Result<ConsensusOutcome> run_consensus(const ConsensusConfig& config, const std::string& evidence,
                                               const Evaluator& evaluate, Network::Tap tap) {
    if (auto valid = validate_consensus_config(config); !valid) return valid.error();
    const int n = config.validators;
    const int client = n;
    const std::vector<FaultKind> faults = *assign_faults(config.faults, n);

    VALIDCORE_CONSENSUS_START(n, config.faulty_tolerance);
    const auto start = Clock::now();
    const SessionSecret secret = random_session_secret();
    const std::uint64_t session = random_session_id(secret);
    constexpr std::uint64_t kSequence = 1;  // one request per round

    Network network(n + 1, config.link_delay, config.seed);
    if (tap) network.set_tap(std::move(tap));

    std::vector<std::unique_ptr<Replica>> replicas;
    for (int id = 0; id < n; ++id) {
        ReplicaConfig replica_config;
        replica_config.id = id;
        replica_config.validators = n;
        replica_config.faulty_tolerance = config.faulty_tolerance;
        replica_config.session = session;
        replica_config.sequence = kSequence;
        replica_config.view_timeout = config.view_timeout;
        replica_config.slow_delay = config.slow_delay.count() > 0 ? config.slow_delay : 4 * config.view_timeout;
        replica_config.fault = faults[static_cast<std::size_t>(id)];
        replica_config.evaluate = evaluate;
        replica_config.round_start = start;
        replicas.push_back(std::make_unique<Replica>(std::move(replica_config), KeyRing::for_party(secret, id, n + 1), network));
    }
    const KeyRing client_keys = KeyRing::for_party(secret, client, n + 1);

    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(n));
    for (auto& replica : replicas) threads.emplace_back([&replica] { replica->run(); });

    // The request: the evidence, to every validator.
    Message request;
    request.type = MessageType::Request;
    request.sender = static_cast<std::uint16_t>(client);
    request.session = session;
    request.sequence = kSequence;
    request.digest = sha256(evidence);
    request.payload = evidence;
    std::uint64_t nonce = 1;
    for (int id = 0; id < n; ++id) {
        request.recipient = static_cast<std::uint16_t>(id);
        request.nonce = nonce++;
        network.send(client, id, encode_message(request, client_keys));
    }

    ConsensusOutcome outcome;
    std::set<std::pair<int, std::uint64_t>> seen;
    std::map<int, ClientReply> first_reply;
    std::map<Decision, int> tally;
    const auto deadline = start + config.deadline;
    std::optional<Clock::time_point> decided_at;
    std::vector<std::uint8_t> bytes;
    for (;;) {
        auto wait_until = deadline;
        if (decided_at && *decided_at + config.reply_grace < wait_until) wait_until = *decided_at + config.reply_grace;
        if (static_cast<int>(first_reply.size()) == n) break;
        const Network::Wait got = network.receive(client, wait_until, bytes);
        if (got != Network::Wait::Message) break;
        Decoded decoded = decode_message(bytes, client_keys);
        const Message& message = decoded.message;
        if (!decoded.ok || message.type != MessageType::Reply || message.recipient != client ||
            message.session != session || message.sequence != kSequence ||
            !seen.insert({message.sender, message.nonce}).second) {
            ++outcome.client_rejected;
            continue;
        }
        if (first_reply.count(message.sender) != 0) continue;
        ClientReply reply;
        reply.validator = message.sender;
        reply.decision = message.decision;
        reply.view = message.view;
        reply.vote = message.vote;
        reply.score = message.score_ppm / 1e6;
        reply.confidence = message.confidence_ppm / 1e6;
        reply.received_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
        first_reply[message.sender] = reply;
        // Matching means the same decision; replies from different views
        // still agree on what was committed (the view is reported, not
        // compared).
        const int matching = ++tally[message.decision];
        if (!decided_at && matching >= config.faulty_tolerance + 1 && message.decision != Decision::None) {
            decided_at = Clock::now();
            outcome.decision = message.decision;
            outcome.view = message.view;
            outcome.decision_ms = ms_since(start);
        }
    }
    if (!decided_at) outcome.timed_out = true;
    if (decided_at) outcome.matching_replies = tally[outcome.decision];

    network.stop();
    for (std::thread& thread : threads) thread.join();
    outcome.round_ms = ms_since(start);
    for (auto& [validator, reply] : first_reply) outcome.replies.push_back(reply);
    for (auto& replica : replicas) outcome.replicas.push_back(replica->report());
    outcome.messages = network.messages_sent();
    outcome.bytes = network.bytes_sent();
    VALIDCORE_CONSENSUS_END(static_cast<int>(outcome.decision), static_cast<int>(outcome.view), outcome.timed_out ? 1 : 0);
    return outcome;
}

}  // namespace validprof::validation
