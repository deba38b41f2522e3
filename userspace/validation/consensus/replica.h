// One validator: a PBFT replica for a single request (one hook's completion),
// run on its own thread over the Network.
//
// Every validator judges the completion itself: on the request it runs its
// own evaluator (in validcore: it re-reads the edited files, re-runs the
// checks and reads the agent's history from the database on its own
// connection) and broadcasts its vote. Honest validators may therefore see
// different evidence (a file rewritten between two reads, a history another
// hook just updated) and vote differently; the protocol must stay safe then,
// not only when all evaluations agree.
//
// Normal case (view v, primary v mod n, Q = ceil((n+f+1)/2)):
//   request     client -> all      the hook's evidence (paths, hashes, agent)
//   vote        all -> all         each validator's own verdict
//   pre-prepare primary -> backups proposal (v, seq, digest, d), signed; the
//                                  primary proposes the majority of the first
//                                  n-f votes it holds (a tie: reject)
//   prepare     backup -> all      signed; sent once d is *valid* here: at
//                                  least f+1 validators voted d, so at least
//                                  one honest validator judged d
//   prepared    pre-prepare + Q-1 matching prepares from distinct backups
//               (the prepared certificate)
//   commit      all -> all         signed, once prepared
//   committed   prepared + Q matching commits -> reply to the client with
//               the Q commits (the commit certificate)
//
// Validity: when every honest validator judges d, the opposite has at most f
// votes (the faulty ones), is never valid at an honest validator, so it is
// never prepared, certified or decided. Agreement comes from the quorums:
// two quorums of Q share an honest validator, whatever the evaluations.
//
// View change (PBFT with signatures): a replica that has not committed when
// its timer fires moves to v+1 and broadcasts a signed view-change carrying
// its latest prepared certificate; the timeout doubles each time. It also
// joins the smallest higher view for which f+1 others sent view-changes. The
// new primary, holding Q view-changes, must re-propose the decision of the
// highest prepared certificate among them (free choice, by the vote rule,
// only if none carries one) and sends a new-view holding those Q
// view-changes and its pre-prepare; every receiver re-checks all of it
// (certificate.h). New-views are only acted on in a view the replica has
// itself moved to (buffered until then), so a faulty validator cannot drag
// the others into a view it leads.
//
// Messages are authenticated with pairwise HMAC keys (message_auth.h) and,
// where a third party must be convinced, Ed25519 signatures (signatures.h).
// Signatures are verified where they matter, not on every arrival: a
// pre-prepare at once; prepares only as many as the prepared certificate
// needs, when the replica is about to count itself prepared, because
// being prepared must be provable in a later view-change; commits not at all
// (committing locally needs only to know who sent them, which the MAC
// proves): the client checks the commits in the replies;
// each replica drops forged messages, exact replays (sender, nonce seen
// before), messages for another session or sequence, messages for past views,
// and signed statements or certificates that do not verify.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "validation/consensus/certificate.h"
#include "validation/consensus/fault.h"
#include "validation/consensus/message.h"
#include "validation/consensus/network.h"
#include "validation/consensus/signatures.h"

namespace validprof::validation {

// A validator's own judgement of the request's bytes. The validator index
// lets each validator use its own inputs (its own reads of files and
// history); honest evaluators need not agree.
using Evaluator = std::function<Evaluation(int validator, std::string_view request)>;

struct ReplicaConfig {
    int id = 0;
    int validators = 4;        // n
    int faulty_tolerance = 1;  // f
    std::uint64_t session = 0;
    std::uint64_t sequence = 1;
    std::chrono::microseconds view_timeout{50'000};
    std::chrono::microseconds slow_delay{200'000};  // extra delay on a slow validator's messages
    FaultKind fault = FaultKind::None;
    Evaluator evaluate;
    bool certify_replies = true;    // attach the commit certificate to the reply
    Clock::time_point round_start;  // timings are reported relative to it
};

// What a receiver made of one message.
enum class Verdict {
    Accepted,
    Buffered,   // authentic, but arrived before the request; handled after it
    Malformed,  // not a message of this protocol
    Forged,     // MAC does not verify with the claimed sender's key
    Replayed,   // (sender, nonce) seen before
    Misrouted,  // another recipient, session or sequence
    Stale,      // for a view this replica has left
    Ignored,    // authentic and current but not acted on (wrong role, duplicate)
    Unproven,   // a signature or certificate inside does not verify
};

const char* verdict_name(Verdict verdict);

struct ReplicaReport {
    int id = 0;
    FaultKind fault = FaultKind::None;
    bool has_request = false;
    Evaluation evaluation;                // its own, from the request
    Decision cast = Decision::None;       // its vote (always-reject: reject)
    Decision committed = Decision::None;  // None: did not commit
    std::uint32_t committed_view = kNoView;
    std::uint32_t final_view = 0;
    int view_changes = 0;                 // views it moved to
    int votes_seen = 0;                   // distinct validators whose vote it holds (its own included)
    // Microseconds since the round started; -1: not reached.
    std::int64_t request_us = -1;
    std::int64_t evaluated_us = -1;    // own evaluation done, vote sent
    std::int64_t pre_prepare_us = -1;  // proposal accepted (or sent, as primary)
    std::int64_t prepared_us = -1;
    std::int64_t committed_us = -1;
    std::uint64_t messages_sent = 0;
    std::uint64_t messages_received = 0;
    std::map<Verdict, std::uint64_t> verdicts;
    int invalid_proposals = 0;  // proposals it never saw f+1 votes for
};

class Replica {
public:
    Replica(ReplicaConfig config, KeyRing keys, SigningKey signing_key, PublicKeys public_keys, Network& network);
    Replica(const Replica&) = delete;
    Replica& operator=(const Replica&) = delete;

    // Thread body: handles messages and timers until the network stops.
    void run();

    // One message, as run() would handle it (tests drive replicas directly).
    Verdict deliver(std::span<const std::uint8_t> bytes);
    // Fires the view-change timer if it is due.
    void check_timer(Clock::time_point now);
    std::optional<Clock::time_point> timer() const { return timer_; }
    // Closes the phase the replica is in (probe pairs must close).
    void finish();

    const ReplicaReport& report() const { return report_; }
    std::uint32_t view() const { return view_; }
    bool view_changing() const { return view_changing_; }

private:
    enum class Phase { Idle, PrePrepare, Prepare, Commit, Done, ViewChange };

    int primary_of(std::uint32_t view) const { return round_.primary_of(view); }
    int quorum() const { return round_.quorum(); }
    std::int64_t since_start_us() const;

    Verdict dispatch(const Message& message);
    void on_request(const Message& message);
    void on_vote(const Message& message);
    Verdict on_pre_prepare(const Message& message);
    Verdict on_prepare(const Message& message);
    Verdict on_commit(const Message& message);
    Verdict on_view_change(const Message& message);
    Verdict on_new_view(const Message& message);

    // The signed statement in a message's payload, checked against its
    // header (and its signature when `verify`); nullopt when it does not
    // match. Prepares and commits are not verified on arrival: the MAC
    // already proves who sent them, and the signature only matters where
    // the statement goes into a certificate (check_prepared, the client).
    std::optional<SignedStatement> signed_payload(const Message& message, bool verify) const;
    int votes_for(Decision decision) const;
    bool valid(Decision decision) const { return votes_for(decision) >= config_.faulty_tolerance + 1; }
    std::optional<Decision> choose_proposal() const;

    void maybe_propose();
    void accept_proposal(std::uint32_t view, Decision decision, SignedStatement pre_prepare);
    void retry_pending_proposal();
    void check_prepared(std::uint32_t view);
    void check_committed(std::uint32_t view);
    void start_view_change(std::uint32_t new_view);
    void try_send_new_view(std::uint32_t view);
    void install_new_view(const NewViewProof& proof);

    void set_phase(Phase next, bool completed);
    Statement statement(MessageType type, std::uint32_t view, Decision decision) const;
    Message make(MessageType type, int recipient, std::uint32_t view, Decision decision) const;
    // Sends to one party, applying this replica's fault (not equivocation,
    // which needs the statement re-signed: broadcast_signed does it).
    void send(Message message);
    void broadcast_vote();
    // Signs (type, view, decision) with `attachment` and sends it to every
    // other validator; an equivocating replica signs the opposite decision
    // for odd-numbered peers. `attach` builds the attachment per decision.
    SignedStatement broadcast_signed(MessageType type, std::uint32_t view, Decision decision,
                                     const std::function<std::string(Decision)>& attach = {});

    ReplicaConfig config_;
    KeyRing keys_;
    SigningKey signing_key_;
    PublicKeys public_keys_;
    Network& network_;
    RoundContext round_;
    ReplicaReport report_;

    bool has_request_ = false;
    Decision cast_ = Decision::None;
    std::map<int, Decision> votes_;  // first vote heard from each validator

    std::uint32_t view_ = 0;
    bool view_changing_ = false;
    Phase phase_ = Phase::Idle;
    std::uint32_t phase_view_ = 0;
    std::optional<Clock::time_point> timer_;
    std::chrono::microseconds timeout_;

    struct Proposal {
        std::uint32_t view = 0;
        Decision decision = Decision::None;
        SignedStatement pre_prepare;
    };
    std::map<std::uint32_t, Proposal> accepted_;  // the proposal accepted in each view
    std::optional<Proposal> pending_;             // received, not yet valid here
    std::set<std::uint32_t> proposal_seen_;       // views with a proposal (one per view)
    using Votes = std::map<int, SignedStatement>;
    std::map<std::pair<std::uint32_t, Decision>, Votes> prepares_;
    std::map<std::pair<std::uint32_t, Decision>, Votes> commits_;
    std::set<std::uint32_t> commit_sent_;
    std::optional<Certified> prepared_;  // the latest view prepared in
    std::vector<SignedStatement> prepared_certificate_;
    bool committed_ = false;

    struct ViewChangeRecord {
        SignedStatement signed_statement;
        ViewChangeClaim claim;
    };
    std::map<std::uint32_t, std::map<int, ViewChangeRecord>> view_changes_;
    std::map<int, std::uint32_t> highest_view_change_;  // per sender
    std::map<std::uint32_t, NewViewProof> pending_new_views_;
    std::set<std::uint32_t> new_view_sent_;

    std::set<std::pair<int, std::uint64_t>> seen_;  // (sender, nonce)
    std::vector<Message> early_;                    // before the request
    std::uint64_t next_nonce_ = 1;
};

}  // namespace validprof::validation
