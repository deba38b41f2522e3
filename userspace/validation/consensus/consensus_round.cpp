#include "validation/consensus/consensus_round.h"

#include <map>
#include <memory>
#include <set>
#include <thread>

#include "validation/checks/content_hash.h"
#include "validation/consensus/certificate.h"
#include "validation/consensus/signatures.h"
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

// The client's side: collects replies until it holds Q commits for one
// (view, decision), signed by distinct validators and verified, gathered
// from the certificates the replies carry (or 2f+1 matching replies, as
// configured). Commits are pooled across replies, so a faulty validator's
// bad signature inside an honest reply costs that reply nothing: the same
// honest commits arrive in the other replies too.
class ReplyCollector {
public:
    ReplyCollector(const ConsensusConfig& config, RoundContext round, PublicKeys keys)
        : config_(config), round_(round), keys_(std::move(keys)) {}

    // Returns true once the decision is certified.
    bool add(const Message& message, std::int64_t received_us, ConsensusOutcome& outcome) {
        if (replies_.count(message.sender) != 0) return certified_;
        ClientReply reply;
        reply.validator = message.sender;
        reply.decision = message.decision;
        reply.view = message.view;
        reply.vote = message.vote;
        reply.score = message.score_ppm / 1e6;
        reply.confidence = message.confidence_ppm / 1e6;
        reply.received_us = received_us;
        if (config_.acceptance == ClientAcceptance::CommitCertificate) {
            reply.certificate_valid = pool_commits(message) >= round_.quorum();
            if (!reply.certificate_valid) ++outcome.client_rejected;
        }
        replies_[message.sender] = reply;
        if (certified_ || message.decision == Decision::None) return certified_;
        const int matching = ++tally_[message.decision];
        if (config_.acceptance == ClientAcceptance::MatchingReplies) {
            if (matching >= 2 * config_.faulty_tolerance + 1) certify(message.view, message.decision, outcome);
            return certified_;
        }
        for (const auto& [key, signers] : proven_) {
            if (static_cast<int>(signers.size()) >= round_.quorum()) {
                certify(key.first, key.second, outcome);
                break;
            }
        }
        return certified_;
    }

    int replies() const { return static_cast<int>(replies_.size()); }
    int matching(Decision decision) const {
        auto found = tally_.find(decision);
        return found == tally_.end() ? 0 : found->second;
    }
    void report(ConsensusOutcome& outcome) const {
        for (const auto& [validator, reply] : replies_) outcome.replies.push_back(reply);
    }

private:
    // Adds the reply's commits for its own decision to the pool; returns how
    // many distinct validators' commits in it verified.
    int pool_commits(const Message& message) {
        auto certificate = decode_signed_list(message.payload);
        if (!certificate) return 0;
        std::set<int> valid;
        for (const SignedStatement& commit : *certificate) {
            const Statement& s = commit.statement;
            if (!round_.belongs(s, MessageType::Commit) || s.decision != message.decision || s.view != message.view ||
                valid.count(s.signer) != 0) {
                continue;
            }
            if (!signature_valid(commit, keys_)) continue;  // a success is cached by keys_: each commit costs one check
            valid.insert(s.signer);
            proven_[{s.view, s.decision}].insert(s.signer);
        }
        return static_cast<int>(valid.size());
    }
    void certify(std::uint32_t view, Decision decision, ConsensusOutcome& outcome) {
        certified_ = true;
        outcome.decision = decision;
        outcome.certified = true;
        outcome.accepted_by = config_.acceptance;
        outcome.view = view;
    }

    const ConsensusConfig& config_;
    RoundContext round_;
    PublicKeys keys_;
    std::map<int, ClientReply> replies_;
    std::map<Decision, int> tally_;
    std::map<std::pair<std::uint32_t, Decision>, std::set<int>> proven_;  // verified commit signers
    bool certified_ = false;
};

struct Validators {
    std::vector<std::unique_ptr<Replica>> replicas;
    std::vector<PublicKey> public_keys;
};

// The round's set-up: a fresh signing key per validator, every public key
// handed to every party (standing in for PBFT's public-key infrastructure),
// and the replicas with their pairwise MAC keys.
common::Result<Validators> create_validators(const ConsensusConfig& config, const std::vector<FaultKind>& faults,
                                             const Evaluator& evaluate, const SessionSecret& secret, std::uint64_t session,
                                             std::uint64_t sequence, Clock::time_point start, Network& network) {
    const int n = config.validators;
    Validators validators;
    std::vector<SigningKey> signing_keys;
    for (int id = 0; id < n; ++id) {
        auto key = SigningKey::generate();
        if (!key) return key.error();
        validators.public_keys.push_back(key->public_key());
        signing_keys.push_back(std::move(*key));
    }
    for (int id = 0; id < n; ++id) {
        ReplicaConfig replica_config;
        replica_config.id = id;
        replica_config.validators = n;
        replica_config.faulty_tolerance = config.faulty_tolerance;
        replica_config.session = session;
        replica_config.sequence = sequence;
        replica_config.view_timeout = config.view_timeout;
        replica_config.slow_delay = config.slow_delay.count() > 0 ? config.slow_delay : 4 * config.view_timeout;
        replica_config.fault = faults[static_cast<std::size_t>(id)];
        replica_config.evaluate = evaluate;
        replica_config.certify_replies = config.acceptance == ClientAcceptance::CommitCertificate;
        replica_config.round_start = start;
        auto keys = PublicKeys::from(validators.public_keys);
        if (!keys) return keys.error();
        validators.replicas.push_back(std::make_unique<Replica>(
            std::move(replica_config), KeyRing::for_party(secret, id, n + 1),
            std::move(signing_keys[static_cast<std::size_t>(id)]), std::move(*keys), network));
    }
    return validators;
}

}  // namespace

void warm_up_consensus_crypto() {
    const SessionSecret secret = random_session_secret();
    const KeyRing ring = KeyRing::for_party(secret, 0, 2);
    if (auto key = SigningKey::generate(); key) {
        const std::array<std::uint8_t, 1> data{0};
        const Signature signature = key->sign(data);
        if (auto keys = PublicKeys::from({key->public_key()}); keys) keys->verify(0, data, signature);
    }
}

const char* client_acceptance_name(ClientAcceptance acceptance) {
    return acceptance == ClientAcceptance::CommitCertificate ? "commit-certificate" : "matching-replies";
}

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

common::Result<ConsensusOutcome> run_consensus(const ConsensusConfig& config, const std::string& request_bytes,
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
    auto validators = create_validators(config, faults, evaluate, secret, session, kSequence, start, network);
    if (!validators) {
        VALIDCORE_CONSENSUS_END(0, 0, 1);
        return validators.error();
    }
    std::vector<std::unique_ptr<Replica>>& replicas = validators->replicas;
    const KeyRing client_keys = KeyRing::for_party(secret, client, n + 1);
    auto client_public_keys = PublicKeys::from(validators->public_keys);
    if (!client_public_keys) {
        VALIDCORE_CONSENSUS_END(0, 0, 1);
        return client_public_keys.error();
    }

    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(n));
    for (auto& replica : replicas) threads.emplace_back([&replica] { replica->run(); });

    // The request, to every validator.
    Message request;
    request.type = MessageType::Request;
    request.sender = static_cast<std::uint16_t>(client);
    request.session = session;
    request.sequence = kSequence;
    request.digest = sha256(request_bytes);
    request.payload = request_bytes;
    std::uint64_t nonce = 1;
    for (int id = 0; id < n; ++id) {
        request.recipient = static_cast<std::uint16_t>(id);
        request.nonce = nonce++;
        network.send(client, id, encode_message(request, client_keys));
    }

    ConsensusOutcome outcome;
    outcome.quorum = byzantine_quorum(n, config.faulty_tolerance);
    RoundContext round;
    round.validators = n;
    round.faulty_tolerance = config.faulty_tolerance;
    round.session = session;
    round.sequence = kSequence;
    round.digest = request.digest;
    ReplyCollector collector(config, round, std::move(*client_public_keys));
    std::set<std::pair<int, std::uint64_t>> seen;
    const auto deadline = start + config.deadline;
    std::optional<Clock::time_point> decided_at;
    std::vector<std::uint8_t> bytes;
    for (;;) {
        auto wait_until = deadline;
        if (decided_at && *decided_at + config.reply_grace < wait_until) wait_until = *decided_at + config.reply_grace;
        if (collector.replies() == n) break;
        const Network::Wait got = network.receive(client, wait_until, bytes);
        if (got != Network::Wait::Message) break;
        Decoded decoded = decode_message(bytes, client_keys);
        const Message& message = decoded.message;
        if (!decoded.ok || message.type != MessageType::Reply || message.recipient != client ||
            message.session != session || message.sequence != kSequence || message.digest != request.digest ||
            !seen.insert({message.sender, message.nonce}).second) {
            ++outcome.client_rejected;
            continue;
        }
        const auto received_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
        if (collector.add(message, received_us, outcome) && !decided_at) {
            decided_at = Clock::now();
            outcome.decision_ms = ms_since(start);
        }
    }
    if (!decided_at) outcome.timed_out = true;
    if (decided_at) outcome.matching_replies = collector.matching(outcome.decision);

    network.stop();
    for (std::thread& thread : threads) thread.join();
    outcome.round_ms = ms_since(start);
    collector.report(outcome);
    for (auto& replica : replicas) outcome.replicas.push_back(replica->report());
    outcome.messages = network.messages_sent();
    outcome.bytes = network.bytes_sent();
    VALIDCORE_CONSENSUS_END(static_cast<int>(outcome.decision), static_cast<int>(outcome.view), outcome.timed_out ? 1 : 0);
    return outcome;
}

}  // namespace validprof::validation
