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
    }
    return "unknown";
}

Replica::Replica(ReplicaConfig config, KeyRing keys, Network& network)
    : config_(std::move(config)), keys_(std::move(keys)), network_(network), timeout_(config_.view_timeout) {
    report_.id = config_.id;
    report_.fault = config_.fault;
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
    } else if (message.view < view_ && message.type != MessageType::ViewChange) {
        verdict = Verdict::Stale;
    } else {
        dispatch(message);
    }
    ++report_.messages_received;
    ++report_.verdicts[verdict];
    return verdict;
}

void Replica::dispatch(const Message& message) {
    switch (message.type) {
        case MessageType::PrePrepare: on_pre_prepare(message); break;
        case MessageType::Prepare: on_prepare(message); break;
        case MessageType::Commit: on_commit(message); break;
        case MessageType::ViewChange: on_view_change(message); break;
        case MessageType::NewView: on_new_view(message); break;
        case MessageType::Request:
        case MessageType::Reply: break;
    }
}

void Replica::on_request(const Message& message) {
    if (has_request_) return;  // the client sends one request per round
    has_request_ = true;
    report_.has_request = true;
    report_.request_us = since_start_us();
    digest_ = sha256(message.payload);
    if (digest_ != message.digest) {
        // The client's digest must describe the evidence it sent; if not,
        // evaluate nothing and let the round time out.
        has_request_ = false;
        report_.has_request = false;
        return;
    }
    report_.evaluation = config_.evaluate(message.payload);
    cast_ = report_.evaluation.approve ? Decision::Approve : Decision::Reject;
    if (config_.fault == FaultKind::AlwaysReject) cast_ = Decision::Reject;
    report_.cast = cast_;
    timer_ = Clock::now() + timeout_;
    set_phase(Phase::PrePrepare, true);
    if (primary_of(view_) == config_.id) {
        broadcast(MessageType::PrePrepare, view_, cast_);
        accept_proposal(view_, cast_);
    }
    std::vector<Message> early = std::move(early_);
    early_.clear();
    for (const Message& buffered : early) {
        if (buffered.view < view_ && buffered.type != MessageType::ViewChange) continue;
        dispatch(buffered);
    }
}

void Replica::on_pre_prepare(const Message& message) {
    const std::uint32_t view = message.view;
    if (message.sender != primary_of(view) || view != view_ || view_changing_ || message.digest != digest_) return;
    if (accepted_.count(view) != 0) return;  // one proposal per view; a second one is equivocation
    if (message.decision != cast_) {
        ++report_.invalid_proposals;
        return;
    }
    accept_proposal(view, message.decision);
}

// The replica takes `decision` as view's proposal: backups announce it with a
// prepare, the primary (who proposed it) waits for theirs.
void Replica::accept_proposal(std::uint32_t view, Decision decision) {
    accepted_[view] = decision;
    if (report_.pre_prepare_us < 0) report_.pre_prepare_us = since_start_us();
    set_phase(Phase::Prepare, true);
    if (primary_of(view) != config_.id) {
        broadcast(MessageType::Prepare, view, decision);
        prepares_[{view, decision}].insert(config_.id);
    }
    check_prepared(view);
}

void Replica::on_prepare(const Message& message) {
    if (message.sender == primary_of(message.view) || message.digest != digest_) return;
    prepares_[{message.view, message.decision}].insert(message.sender);
    if (message.view == view_ && !view_changing_) check_prepared(message.view);
}

void Replica::check_prepared(std::uint32_t view) {
    auto accepted = accepted_.find(view);
    if (accepted == accepted_.end() || commit_sent_.count(view) != 0) return;
    const Decision decision = accepted->second;
    if (static_cast<int>(prepares_[{view, decision}].size()) < 2 * config_.faulty_tolerance) return;
    commit_sent_.insert(view);
    prepared_ = {view, decision};
    if (report_.prepared_us < 0) report_.prepared_us = since_start_us();
    set_phase(Phase::Commit, true);
    broadcast(MessageType::Commit, view, decision);
    commits_[{view, decision}].insert(config_.id);
    check_committed(view);
}

void Replica::on_commit(const Message& message) {
    if (message.digest != digest_) return;
    commits_[{message.view, message.decision}].insert(message.sender);
    if (message.view == view_ && !view_changing_) check_committed(message.view);
}

void Replica::check_committed(std::uint32_t view) {
    if (!prepared_ || prepared_->first != view) return;
    const Decision decision = prepared_->second;
    if (static_cast<int>(commits_[{view, decision}].size()) < quorum()) return;
    if (committed_) {
        // Committed earlier and helped others through a view change: the
        // decision cannot differ (same validity rule), only the phase closes.
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
    reply.vote = report_.evaluation.approve ? Decision::Approve : Decision::Reject;
    reply.score_ppm = to_ppm(report_.evaluation.score);
    reply.confidence_ppm = to_ppm(report_.evaluation.confidence);
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
    ++report_.view_changes;
    report_.final_view = new_view;
    set_phase(Phase::ViewChange, false);
    timer_ = Clock::now() + timeout_;
    Message message = make(MessageType::ViewChange, 0, new_view, Decision::None);
    if (prepared_) {
        message.prepared_view = prepared_->first;
        message.prepared_decision = prepared_->second;
    }
    for (int peer = 0; peer < config_.validators; ++peer) {
        if (peer == config_.id) continue;
        Message copy = message;
        copy.recipient = static_cast<std::uint16_t>(peer);
        // Equivocation is about proposals and votes; view-changes stay honest
        // so that the fault under test is the one injected.
        send(std::move(copy));
    }
    view_changes_[new_view][config_.id] = {message.prepared_view, message.prepared_decision};
    highest_view_change_[config_.id] = new_view;
    if (auto pending = pending_new_views_.find(new_view); pending != pending_new_views_.end()) {
        const Decision decision = pending->second.second;
        pending_new_views_.erase(pending);
        install_new_view(new_view, decision);
        return;
    }
    try_send_new_view(new_view);
}

void Replica::on_view_change(const Message& message) {
    const std::uint32_t target = message.view;
    if (target < view_ || (target == view_ && !view_changing_)) return;  // a view we are in or have left
    view_changes_[target][message.sender] = {message.prepared_view, message.prepared_decision};
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
        return;
    }
    try_send_new_view(target);
}

void Replica::try_send_new_view(std::uint32_t view) {
    if (primary_of(view) != config_.id || view != view_ || !view_changing_ || !has_request_) return;
    if (new_view_sent_.count(view) != 0) return;
    const auto& votes = view_changes_[view];
    if (static_cast<int>(votes.size()) < quorum()) return;
    // Re-propose what was prepared most recently, as PBFT does, provided it
    // passes our own evaluation; otherwise propose our own.
    Decision proposal = cast_;
    std::uint32_t best_view = kNoView;
    for (const auto& [sender, vote] : votes) {
        if (vote.prepared_view != kNoView && (best_view == kNoView || vote.prepared_view > best_view)) {
            best_view = vote.prepared_view;
            if (vote.prepared_decision == cast_) proposal = vote.prepared_decision;
        }
    }
    new_view_sent_.insert(view);
    broadcast(MessageType::NewView, view, proposal);
    install_new_view(view, proposal);
}

void Replica::on_new_view(const Message& message) {
    const std::uint32_t view = message.view;
    if (message.sender != primary_of(view) || message.digest != digest_) return;
    if (view > view_) {
        // Not there yet: remember it for when our own timer or f+1
        // view-changes bring us to this view.
        pending_new_views_.emplace(view, std::make_pair(static_cast<int>(message.sender), message.decision));
        return;
    }
    if (view == view_ && view_changing_) install_new_view(view, message.decision);
}

void Replica::install_new_view(std::uint32_t view, Decision decision) {
    view_changing_ = false;
    timer_ = Clock::now() + timeout_;
    set_phase(Phase::PrePrepare, true);  // the new-view is this view's pre-prepare
    if (primary_of(view) == config_.id) {
        accept_proposal(view, decision);
        return;
    }
    if (decision != cast_) {
        ++report_.invalid_proposals;
        return;
    }
    accept_proposal(view, decision);
    // Prepares and commits for this view may have arrived while we were
    // still changing views.
    check_prepared(view);
    check_committed(view);
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

Message Replica::make(MessageType type, int recipient, std::uint32_t view, Decision decision) const {
    Message message;
    message.type = type;
    message.sender = static_cast<std::uint16_t>(config_.id);
    message.recipient = static_cast<std::uint16_t>(recipient);
    message.view = view;
    message.decision = decision;
    message.sequence = config_.sequence;
    message.session = config_.session;
    message.digest = digest_;
    return message;
}

void Replica::send(Message message) {
    if (config_.fault == FaultKind::Silent) return;
    if (config_.fault == FaultKind::Equivocate) {
        if (message.type == MessageType::Reply) {
            message.decision = opposite(message.decision);
        } else if (message.type != MessageType::ViewChange && message.recipient % 2 == 1) {
            message.decision = opposite(message.decision);
        }
    }
    message.nonce = next_nonce_++;
    const int recipient = message.recipient;
    std::vector<std::uint8_t> bytes = encode_message(message, keys_);
    ++report_.messages_sent;
    const auto extra = config_.fault == FaultKind::Slow ? config_.slow_delay : std::chrono::microseconds(0);
    network_.send(config_.id, recipient, std::move(bytes), extra);
}

void Replica::broadcast(MessageType type, std::uint32_t view, Decision decision) {
    for (int peer = 0; peer < config_.validators; ++peer) {
        if (peer != config_.id) send(make(type, peer, view, decision));
    }
}

}  // namespace validprof::validation
