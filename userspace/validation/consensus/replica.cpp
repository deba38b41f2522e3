#include "validation/consensus/replica.h"

#include <algorithm>
#include <cmath>

#include "validation/checks/content_hash.h"
#include "validation/probes.h"

namespace validprof::validation {

namespace {

constexpr std::size_t kMaxEarlyMessages = 4096;

std::uint32_t to_ppm(double value) {
    return static_cast<std::uint32_t>(std::lround(std::clamp(value, 0.0, 1.0) * 1e6));
}

int permille(double value) { return static_cast<int>(std::lround(std::clamp(value, 0.0, 1.0) * 1000)); }

}  // namespace

const char* verdict_name(Verdict verdict) {
    switch (verdict) {
        case Verdict::Accepted: return "accepted";
        case Verdict::Buffered: return "buffered";
        case Verdict::Malformed: return "malformed";
        case Verdict::Forged: return "forged";
        case Verdict::Replayed: return "replayed";
        case Verdict::Misrouted: return "misrouted";
        case Verdict::Stale: return "stale";
        case Verdict::Ignored: return "ignored";
        case Verdict::Unproven: return "unproven";
    }
    return "unknown";
}

Replica::Replica(ReplicaConfig config, KeyRing keys, SigningKey signing_key, PublicKeys public_keys, Network& network)
    : config_(std::move(config)),
      keys_(std::move(keys)),
      signing_key_(std::move(signing_key)),
      public_keys_(std::move(public_keys)),
      network_(network),
      timeout_(config_.view_timeout) {
    report_.id = config_.id;
    report_.fault = config_.fault;
    round_.validators = config_.validators;
    round_.faulty_tolerance = config_.faulty_tolerance;
    round_.session = config_.session;
    round_.sequence = config_.sequence;
}

std::int64_t Replica::since_start_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - config_.round_start).count();
}

void Replica::run() {
    std::vector<std::uint8_t> bytes;
    for (;;) {
        const auto deadline = timer_ ? *timer_ : Clock::now() + std::chrono::seconds(3600);
        const Network::Wait got = network_.receive(config_.id, deadline, bytes);
        if (got == Network::Wait::Stopped) break;
        if (got == Network::Wait::Message) deliver(bytes);
        check_timer(Clock::now());
    }
    finish();
}

void Replica::finish() { set_phase(Phase::Idle, false); }

Verdict Replica::deliver(std::span<const std::uint8_t> bytes) {
    Verdict verdict = Verdict::Accepted;
    Decoded decoded = decode_message(bytes, keys_);
    const Message& message = decoded.message;
    if (!decoded.ok) {
        verdict = decoded.error == DecodeError::Forged ? Verdict::Forged : Verdict::Malformed;
    } else if (message.recipient != config_.id || message.session != config_.session ||
               message.sequence != config_.sequence) {
        verdict = Verdict::Misrouted;
    } else if (!seen_.insert({message.sender, message.nonce}).second) {
        verdict = Verdict::Replayed;
    } else if (message.type == MessageType::Reply || message.type == MessageType::Request) {
        // Replies go to the client; requests come only from it.
        const bool from_client = message.sender == config_.validators;
        if (message.type == MessageType::Reply || !from_client) {
            verdict = Verdict::Ignored;
        } else {
            on_request(message);
        }
    } else if (message.sender >= config_.validators) {
        verdict = Verdict::Ignored;  // the client takes no part in the protocol itself
    } else if (!has_request_) {
        if (early_.size() < kMaxEarlyMessages) early_.push_back(message);
        verdict = Verdict::Buffered;
    } else if (message.view < view_ && message.type != MessageType::ViewChange && message.type != MessageType::Vote) {
        verdict = Verdict::Stale;
    } else {
        verdict = dispatch(message);
    }
    ++report_.messages_received;
    ++report_.verdicts[verdict];
    return verdict;
}

Verdict Replica::dispatch(const Message& message) {
    if (message.digest != round_.digest) return Verdict::Ignored;  // about another request
    switch (message.type) {
        case MessageType::Vote: on_vote(message); return Verdict::Accepted;
        case MessageType::PrePrepare: return on_pre_prepare(message);
        case MessageType::Prepare: return on_prepare(message);
        case MessageType::Commit: return on_commit(message);
        case MessageType::ViewChange: return on_view_change(message);
        case MessageType::NewView: return on_new_view(message);
        case MessageType::Request:
        case MessageType::Reply: break;
    }
    return Verdict::Ignored;
}

void Replica::on_request(const Message& message) {
    if (has_request_) return;  // the client sends one request per round
    const auto digest = sha256(message.payload);
    // The client's digest must describe the evidence it sent; if not,
    // evaluate nothing and let the round time out.
    if (digest != message.digest) return;
    has_request_ = true;
    round_.digest = digest;
    report_.has_request = true;
    report_.request_us = since_start_us();
    set_phase(Phase::PrePrepare, true);

    VALIDCORE_EVALUATE_START(config_.id);
    report_.evaluation = config_.evaluate(config_.id, message.payload);
    cast_ = report_.evaluation.approve ? Decision::Approve : Decision::Reject;
    if (config_.fault == FaultKind::AlwaysReject) cast_ = Decision::Reject;
    VALIDCORE_EVALUATE_END(config_.id, permille(report_.evaluation.score), cast_ == Decision::Approve ? 1 : 0);
    report_.cast = cast_;
    report_.evaluated_us = since_start_us();
    votes_[config_.id] = cast_;
    report_.votes_seen = 1;
    // The view timer starts after the evaluation: a validator's own checks
    // (a slow check command) must not count against the primary.
    timer_ = Clock::now() + timeout_;
    broadcast_vote();

    std::vector<Message> early = std::move(early_);
    early_.clear();
    for (const Message& buffered : early) {
        if (buffered.view < view_ && buffered.type != MessageType::ViewChange && buffered.type != MessageType::Vote) {
            continue;
        }
        dispatch(buffered);
    }
    maybe_propose();
}

void Replica::on_vote(const Message& message) {
    if (message.decision == Decision::None || !votes_.emplace(message.sender, message.decision).second) return;
    report_.votes_seen = static_cast<int>(votes_.size());
    maybe_propose();
    retry_pending_proposal();
    if (view_changing_) try_send_new_view(view_);
}

int Replica::votes_for(Decision decision) const {
    return static_cast<int>(std::count_if(votes_.begin(), votes_.end(), [&](const auto& vote) { return vote.second == decision; }));
}

// The primary's fresh proposal: the majority of the votes it holds, once it
// holds n-f of them (all it can wait for). n-f >= 2f+1 votes split two ways
// leave the majority at least f+1 votes, so honest backups, which receive
// the same honest votes, find it valid. A tie (possible when n-f is even)
// goes to reject: without a majority the completion is not approved.
std::optional<Decision> Replica::choose_proposal() const {
    if (static_cast<int>(votes_.size()) < config_.validators - config_.faulty_tolerance) return std::nullopt;
    const int approve = votes_for(Decision::Approve);
    const int reject = votes_for(Decision::Reject);
    const Decision choice = approve > reject ? Decision::Approve : Decision::Reject;
    if (!valid(choice)) return std::nullopt;
    return choice;
}

void Replica::maybe_propose() {
    if (!has_request_ || view_ != 0 || view_changing_ || primary_of(0) != config_.id) return;
    if (proposal_seen_.count(0) != 0) return;
    const auto proposal = choose_proposal();
    if (!proposal) return;
    proposal_seen_.insert(0);
    SignedStatement pre_prepare = broadcast_signed(MessageType::PrePrepare, 0, *proposal);
    accept_proposal(0, *proposal, std::move(pre_prepare));
}

std::optional<SignedStatement> Replica::signed_payload(const Message& message, bool verify) const {
    auto signed_statement = decode_signed(message.payload);
    if (!signed_statement) return std::nullopt;
    const Statement& s = signed_statement->statement;
    if (!round_.belongs(s, message.type) || s.signer != message.sender || s.view != message.view ||
        s.decision != message.decision) {
        return std::nullopt;
    }
    // View-changes and new-views are checked whole (with what they carry)
    // by their handlers.
    if (verify && !signature_valid(*signed_statement, public_keys_)) {
        return std::nullopt;
    }
    return signed_statement;
}

Verdict Replica::on_pre_prepare(const Message& message) {
    const std::uint32_t view = message.view;
    if (message.sender != primary_of(view) || message.decision == Decision::None) return Verdict::Ignored;
    auto signed_statement = signed_payload(message, true);
    if (!signed_statement) return Verdict::Unproven;
    // One proposal per view: a second one is equivocation and is ignored.
    if (view != view_ || view_changing_ || !proposal_seen_.insert(view).second) return Verdict::Ignored;
    if (!valid(message.decision)) {
        // Not (yet) f+1 votes for it here: wait for more votes; the view
        // timer replaces a primary whose proposal never becomes valid.
        pending_ = Proposal{view, message.decision, std::move(*signed_statement)};
        return Verdict::Accepted;
    }
    accept_proposal(view, message.decision, std::move(*signed_statement));
    return Verdict::Accepted;
}

void Replica::retry_pending_proposal() {
    if (!pending_ || pending_->view != view_ || view_changing_) return;
    if (!valid(pending_->decision)) return;
    Proposal proposal = std::move(*pending_);
    pending_.reset();
    accept_proposal(proposal.view, proposal.decision, std::move(proposal.pre_prepare));
}

// The replica takes `decision` as view's proposal: backups announce it with a
// prepare, the primary (who proposed it) waits for theirs.
void Replica::accept_proposal(std::uint32_t view, Decision decision, SignedStatement pre_prepare) {
    accepted_[view] = Proposal{view, decision, std::move(pre_prepare)};
    if (report_.pre_prepare_us < 0) report_.pre_prepare_us = since_start_us();
    set_phase(Phase::Prepare, true);
    if (primary_of(view) != config_.id) {
        SignedStatement own = broadcast_signed(MessageType::Prepare, view, decision);
        prepares_[{view, decision}].emplace(config_.id, std::move(own));
    }
    check_prepared(view);
}

Verdict Replica::on_prepare(const Message& message) {
    if (message.sender == primary_of(message.view) || message.decision == Decision::None) return Verdict::Ignored;
    auto signed_statement = signed_payload(message, false);
    if (!signed_statement) return Verdict::Unproven;
    prepares_[{message.view, message.decision}].emplace(message.sender, std::move(*signed_statement));
    if (message.view == view_ && !view_changing_) check_prepared(message.view);
    return Verdict::Accepted;
}

void Replica::check_prepared(std::uint32_t view) {
    auto accepted = accepted_.find(view);
    if (accepted == accepted_.end() || commit_sent_.count(view) != 0) return;
    const Decision decision = accepted->second.decision;
    Votes& prepares = prepares_[{view, decision}];
    if (static_cast<int>(prepares.size()) < quorum() - 1) return;
    // Prepared only with a certificate others will accept: verify prepares
    // until Q-1 hold up; one that does not is dropped (its sender can send
    // no other: replays are refused) and the replica waits for more.
    std::vector<SignedStatement> certificate{accepted->second.pre_prepare};
    for (auto it = prepares.begin(); it != prepares.end() && static_cast<int>(certificate.size()) < quorum();) {
        if (it->first == config_.id || signature_valid(it->second, public_keys_)) {
            certificate.push_back(it->second);
            ++it;
        } else {
            ++report_.verdicts[Verdict::Unproven];
            it = prepares.erase(it);
        }
    }
    if (static_cast<int>(certificate.size()) < quorum()) return;
    commit_sent_.insert(view);
    prepared_ = Certified{view, decision};
    prepared_certificate_ = std::move(certificate);
    if (report_.prepared_us < 0) report_.prepared_us = since_start_us();
    set_phase(Phase::Commit, true);
    SignedStatement own = broadcast_signed(MessageType::Commit, view, decision);
    commits_[{view, decision}].emplace(config_.id, std::move(own));
    check_committed(view);
}

Verdict Replica::on_commit(const Message& message) {
    if (message.decision == Decision::None) return Verdict::Ignored;
    auto signed_statement = signed_payload(message, false);
    if (!signed_statement) return Verdict::Unproven;
    commits_[{message.view, message.decision}].emplace(message.sender, std::move(*signed_statement));
    check_committed(message.view);
    return Verdict::Accepted;
}

void Replica::check_committed(std::uint32_t view) {
    if (!prepared_ || prepared_->view != view) return;
    const Decision decision = prepared_->decision;
    const Votes& commits = commits_[{view, decision}];
    if (static_cast<int>(commits.size()) < quorum()) return;
    if (committed_) {
        // Committed earlier and helped others through a view change: the
        // decision cannot differ (certificates carry it across views), only
        // the phase closes.
        if (phase_ == Phase::Commit) set_phase(Phase::Done, true);
        return;
    }
    committed_ = true;
    report_.committed = decision;
    report_.committed_view = view;
    report_.committed_us = since_start_us();
    timer_.reset();
    set_phase(Phase::Done, true);
    Message reply = make(MessageType::Reply, config_.validators, view, decision);
    reply.vote = cast_;
    reply.score_ppm = to_ppm(report_.evaluation.score);
    reply.confidence_ppm = to_ppm(report_.evaluation.confidence);
    if (config_.certify_replies) {
        // Every commit held (Q or more), unverified: the client checks them
        // and can combine commits from several replies, so one bad
        // signature from a faulty validator cannot spoil a reply.
        std::vector<SignedStatement> certificate;
        for (const auto& [sender, commit] : commits) certificate.push_back(commit);
        reply.payload = encode_signed_list(certificate);
    }
    send(std::move(reply));
}

void Replica::check_timer(Clock::time_point now) {
    if (!timer_ || now < *timer_ || committed_) return;
    // PBFT's exponential back-off: each successive view waits twice as long,
    // so a correct primary eventually gets enough time however slow the
    // network turns out to be.
    timeout_ *= 2;
    start_view_change(view_ + 1);
}

void Replica::start_view_change(std::uint32_t new_view) {
    view_ = new_view;
    view_changing_ = true;
    pending_.reset();
    ++report_.view_changes;
    report_.final_view = new_view;
    set_phase(Phase::ViewChange, false);
    timer_ = Clock::now() + timeout_;
    // The view-change carries our latest prepared certificate, signed with
    // it, so nobody can strip it on the way into a new-view. View-changes
    // stay honest even for an equivocating replica, so that the fault under
    // test is the one injected.
    const Decision prepared = prepared_ ? prepared_->decision : Decision::None;
    const std::string certificate = prepared_ ? encode_signed_list(prepared_certificate_) : std::string();
    SignedStatement own = sign_statement(statement(MessageType::ViewChange, new_view, prepared), certificate, signing_key_);
    const std::string payload = encode_signed(own);
    for (int peer = 0; peer < config_.validators; ++peer) {
        if (peer == config_.id) continue;
        Message message = make(MessageType::ViewChange, peer, new_view, prepared);
        message.payload = payload;
        send(std::move(message));
    }
    ViewChangeClaim claim{config_.id, new_view, prepared_};
    view_changes_[new_view].insert_or_assign(config_.id, ViewChangeRecord{std::move(own), claim});
    highest_view_change_[config_.id] = new_view;
    if (auto pending = pending_new_views_.find(new_view); pending != pending_new_views_.end()) {
        const NewViewProof proof = pending->second;
        pending_new_views_.erase(pending);
        install_new_view(proof);
        return;
    }
    try_send_new_view(new_view);
}

Verdict Replica::on_view_change(const Message& message) {
    auto signed_statement = decode_signed(message.payload);
    if (!signed_statement || signed_statement->statement.signer != message.sender ||
        signed_statement->statement.view != message.view) {
        return Verdict::Unproven;
    }
    const std::uint32_t target = message.view;
    if (target < view_ || (target == view_ && !view_changing_)) return Verdict::Ignored;  // a view we are in or have left
    auto claim = verify_view_change(*signed_statement, round_, public_keys_);
    if (!claim) return Verdict::Unproven;
    view_changes_[target].insert_or_assign(message.sender, ViewChangeRecord{std::move(*signed_statement), *claim});
    auto& highest = highest_view_change_[message.sender];
    highest = std::max(highest, target);
    if (target > view_) {
        // f+1 replicas want a view above ours: at least one honest replica
        // gave up on the current view, so join the smallest such view rather
        // than wait for our own timer (PBFT's liveness rule).
        int senders = 0;
        std::uint32_t smallest = kNoView;
        for (const auto& [sender, view] : highest_view_change_) {
            if (sender != config_.id && view > view_) {
                ++senders;
                smallest = std::min(smallest, view);
            }
        }
        if (senders >= config_.faulty_tolerance + 1) start_view_change(smallest);
        return Verdict::Accepted;
    }
    try_send_new_view(target);
    return Verdict::Accepted;
}

void Replica::try_send_new_view(std::uint32_t view) {
    if (primary_of(view) != config_.id || view != view_ || !view_changing_ || !has_request_) return;
    if (new_view_sent_.count(view) != 0) return;
    const auto& records = view_changes_[view];
    if (static_cast<int>(records.size()) < quorum()) return;
    // Q view-changes: ours first, then others, as they came.
    std::vector<SignedStatement> proof;
    std::vector<ViewChangeClaim> claims;
    if (auto own = records.find(config_.id); own != records.end()) {
        proof.push_back(own->second.signed_statement);
        claims.push_back(own->second.claim);
    }
    for (const auto& [sender, record] : records) {
        if (static_cast<int>(proof.size()) == quorum()) break;
        if (sender == config_.id) continue;
        proof.push_back(record.signed_statement);
        claims.push_back(record.claim);
    }
    // PBFT's rule: re-propose the decision of the highest prepared
    // certificate (it may have been committed somewhere); only without one
    // is the new primary free, and then it proposes by the vote rule.
    std::optional<Decision> proposal = forced_proposal(claims);
    const bool forced = proposal.has_value();
    if (!proposal) proposal = choose_proposal();
    if (!proposal) return;  // not enough votes yet; on_vote retries
    new_view_sent_.insert(view);
    proposal_seen_.insert(view);
    // The attachment per decision: the view-changes and the pre-prepare
    // for that decision (an equivocating primary signs both).
    auto attach = [&](Decision decision) {
        std::vector<SignedStatement> parts = proof;
        parts.push_back(sign_statement(statement(MessageType::PrePrepare, view, decision), {}, signing_key_));
        return encode_signed_list(parts);
    };
    SignedStatement own = broadcast_signed(MessageType::NewView, view, *proposal, attach);
    auto parts = decode_signed_list(own.attachment);
    NewViewProof installed{view, *proposal, forced, parts ? parts->back() : SignedStatement{}};
    install_new_view(installed);
}

Verdict Replica::on_new_view(const Message& message) {
    const std::uint32_t view = message.view;
    if (message.sender != primary_of(view)) return Verdict::Ignored;
    auto signed_statement = signed_payload(message, false);
    if (!signed_statement) return Verdict::Unproven;
    if (view < view_ || (view == view_ && !view_changing_)) return Verdict::Ignored;
    auto proof = verify_new_view(*signed_statement, round_, public_keys_);
    if (!proof) return Verdict::Unproven;
    if (view > view_) {
        // Not there yet: remember it for when our own timer or f+1
        // view-changes bring us to this view.
        pending_new_views_.emplace(view, std::move(*proof));
        return Verdict::Accepted;
    }
    install_new_view(*proof);
    return Verdict::Accepted;
}

void Replica::install_new_view(const NewViewProof& proof) {
    view_changing_ = false;
    timer_ = Clock::now() + timeout_;
    set_phase(Phase::PrePrepare, true);  // the new-view is this view's pre-prepare
    proposal_seen_.insert(proof.view);
    if (primary_of(proof.view) == config_.id || proof.forced || valid(proof.proposal)) {
        // A forced proposal is accepted whatever our own vote: a prepared
        // certificate shows Q validators accepted it, and it may already be
        // decided somewhere.
        accept_proposal(proof.view, proof.proposal, proof.pre_prepare);
    } else {
        ++report_.invalid_proposals;
        pending_ = Proposal{proof.view, proof.proposal, proof.pre_prepare};
    }
    // Prepares and commits for this view may have arrived while we were
    // still changing views.
    check_prepared(proof.view);
    check_committed(proof.view);
}

void Replica::set_phase(Phase next, bool completed) {
    const int id = config_.id;
    const int view = static_cast<int>(phase_view_);
    const int done = completed ? 1 : 0;
    switch (phase_) {
        case Phase::PrePrepare: VALIDCORE_PRE_PREPARE_END(id, view, done); break;
        case Phase::Prepare: VALIDCORE_PREPARE_END(id, view, done); break;
        case Phase::Commit: VALIDCORE_COMMIT_END(id, view, done); break;
        case Phase::ViewChange: VALIDCORE_VIEW_CHANGE_END(id, view, done); break;
        case Phase::Idle:
        case Phase::Done: break;
    }
    phase_ = next;
    phase_view_ = view_;
    const int new_view = static_cast<int>(view_);
    switch (next) {
        case Phase::PrePrepare: VALIDCORE_PRE_PREPARE_START(id, new_view); break;
        case Phase::Prepare: VALIDCORE_PREPARE_START(id, new_view); break;
        case Phase::Commit: VALIDCORE_COMMIT_START(id, new_view); break;
        case Phase::ViewChange: VALIDCORE_VIEW_CHANGE_START(id, new_view); break;
        case Phase::Idle:
        case Phase::Done: break;
    }
}

Statement Replica::statement(MessageType type, std::uint32_t view, Decision decision) const {
    Statement s;
    s.type = type;
    s.signer = static_cast<std::uint16_t>(config_.id);
    s.view = view;
    s.sequence = config_.sequence;
    s.session = config_.session;
    s.digest = round_.digest;
    s.decision = decision;
    return s;
}

Message Replica::make(MessageType type, int recipient, std::uint32_t view, Decision decision) const {
    Message message;
    message.type = type;
    message.sender = static_cast<std::uint16_t>(config_.id);
    message.recipient = static_cast<std::uint16_t>(recipient);
    message.view = view;
    message.decision = decision;
    message.sequence = config_.sequence;
    message.session = config_.session;
    message.digest = round_.digest;
    return message;
}

void Replica::send(Message message) {
    if (config_.fault == FaultKind::Silent) return;
    if (config_.fault == FaultKind::Equivocate && message.type == MessageType::Reply) {
        // The reply claims the opposite; its certificate (if any) still
        // names the real decision, so a checking client sees the lie.
        message.decision = opposite(message.decision);
    }
    message.nonce = next_nonce_++;
    const int recipient = message.recipient;
    std::vector<std::uint8_t> bytes = encode_message(message, keys_);
    ++report_.messages_sent;
    const auto extra = config_.fault == FaultKind::Slow ? config_.slow_delay : std::chrono::microseconds(0);
    network_.send(config_.id, recipient, std::move(bytes), extra);
}

void Replica::broadcast_vote() {
    for (int peer = 0; peer < config_.validators; ++peer) {
        if (peer == config_.id) continue;
        const bool lie = config_.fault == FaultKind::Equivocate && peer % 2 == 1;
        Message vote = make(MessageType::Vote, peer, view_, lie ? opposite(cast_) : cast_);
        vote.vote = vote.decision;
        vote.score_ppm = to_ppm(report_.evaluation.score);
        vote.confidence_ppm = to_ppm(report_.evaluation.confidence);
        send(std::move(vote));
    }
}

SignedStatement Replica::broadcast_signed(MessageType type, std::uint32_t view, Decision decision,
                                          const std::function<std::string(Decision)>& attach) {
    auto sign = [&](Decision value) {
        return sign_statement(statement(type, view, value), attach ? attach(value) : std::string(), signing_key_);
    };
    const SignedStatement honest = sign(decision);
    const std::string honest_payload = encode_signed(honest);
    std::string lie_payload;
    if (config_.fault == FaultKind::Equivocate) lie_payload = encode_signed(sign(opposite(decision)));
    for (int peer = 0; peer < config_.validators; ++peer) {
        if (peer == config_.id) continue;
        // An equivocating replica tells odd-numbered peers the opposite,
        // with a valid signature: it holds its own key.
        const bool lie = config_.fault == FaultKind::Equivocate && peer % 2 == 1;
        Message message = make(type, peer, view, lie ? opposite(decision) : decision);
        message.payload = lie ? lie_payload : honest_payload;
        send(std::move(message));
    }
    return honest;
}

}  // namespace validprof::validation
