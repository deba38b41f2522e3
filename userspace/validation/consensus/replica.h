// One validator: a PBFT replica for a single request (one hook's completion),
// run on its own thread over the Network.
//
// Normal case (view v, primary v mod n, quorum 2f+1):
//   request   client -> all          the evidence; each replica evaluates it
//   pre-prepare primary -> backups   proposal (v, seq, digest, decision)
//   prepare   backup -> all          sent when the proposal passes the
//                                     replica's own evaluation (below)
//   prepared  proposal + 2f matching prepares from distinct backups
//   commit    all -> all             once prepared
//   committed prepared + 2f+1 matching commits -> reply to the client
//
// Validity: a replica prepares a proposal only if the decision equals its
// own evaluation of the evidence (external validity, as in Tendermint or
// HotStuff's valid(v)). Honest replicas evaluate the same bytes with the same
// deterministic function, so every honest prepare, and hence every commit
// quorum (which holds at least f+1 honest replicas), is for the one decision
// the honest replicas computed: safety does not depend on the primary. A
// primary that proposes anything else gets no prepares and is replaced.
//
// View change: a replica that has not committed when its timer fires moves
// to v+1 and broadcasts view-change(v+1, last prepared view and decision);
// the timeout doubles each time, as in PBFT, so a run of up to f faulty
// primaries costs at most T + 2T + ... + 2^f T. A replica also joins the
// smallest higher view for which it saw f+1 view-changes (some honest replica
// gave up on the current one). The new primary, holding 2f+1 view-changes,
// sends new-view with its proposal: the highest prepared decision reported,
// if its own evaluation agrees, else its own evaluation. New-views are only
// acted on in the view a replica has itself moved to (buffered until then),
// so a faulty validator cannot drag the others into a view it leads.
//
// Messages authenticated with pairwise HMAC keys (message_auth.h); each
// replica drops forged messages, exact replays (sender, nonce seen before),
// messages for another session or sequence, and messages for past views.
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

#include "validation/consensus/fault.h"
#include "validation/consensus/message.h"
#include "validation/consensus/network.h"

namespace validprof::validation {

using Evaluator = std::function<Evaluation(std::string_view evidence)>;

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
};

const char* verdict_name(Verdict verdict);

struct ReplicaReport {
    int id = 0;
    FaultKind fault = FaultKind::None;
    bool has_request = false;
    Evaluation evaluation;                // its own, from the evidence
    Decision cast = Decision::None;       // what it proposes and prepares (always-reject: reject)
    Decision committed = Decision::None;  // None: did not commit
    std::uint32_t committed_view = kNoView;
    std::uint32_t final_view = 0;
    int view_changes = 0;                 // views it moved to
    // Microseconds since the round started; -1: not reached.
    std::int64_t request_us = -1;
    std::int64_t pre_prepare_us = -1;  // proposal accepted (or sent, as primary)
    std::int64_t prepared_us = -1;
    std::int64_t committed_us = -1;
    std::uint64_t messages_sent = 0;
    std::uint64_t messages_received = 0;
    std::map<Verdict, std::uint64_t> verdicts;
    int invalid_proposals = 0;  // proposals that failed its own evaluation
};

class Replica {
public:
    Replica(ReplicaConfig config, KeyRing keys, Network& network);
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

    int primary_of(std::uint32_t view) const { return static_cast<int>(view % static_cast<std::uint32_t>(config_.validators)); }
    int quorum() const { return 2 * config_.faulty_tolerance + 1; }
    std::int64_t since_start_us() const;

    void dispatch(const Message& message);
    void on_request(const Message& message);
    void on_pre_prepare(const Message& message);
    void on_prepare(const Message& message);
    void on_commit(const Message& message);
    void on_view_change(const Message& message);
    void on_new_view(const Message& message);

    void accept_proposal(std::uint32_t view, Decision decision);
    void check_prepared(std::uint32_t view);
    void check_committed(std::uint32_t view);
    void start_view_change(std::uint32_t new_view);
    void try_send_new_view(std::uint32_t view);
    void install_new_view(std::uint32_t view, Decision decision);

    void set_phase(Phase next, bool completed);
    Message make(MessageType type, int recipient, std::uint32_t view, Decision decision) const;
    // Sends to one party, applying this replica's fault.
    void send(Message message);
    void broadcast(MessageType type, std::uint32_t view, Decision decision);

    ReplicaConfig config_;
    KeyRing keys_;
    Network& network_;
    ReplicaReport report_;

    bool has_request_ = false;
    std::array<std::uint8_t, 32> digest_{};
    Decision cast_ = Decision::None;

    std::uint32_t view_ = 0;
    bool view_changing_ = false;
    Phase phase_ = Phase::Idle;
    std::uint32_t phase_view_ = 0;
    std::optional<Clock::time_point> timer_;
    std::chrono::microseconds timeout_;

    std::map<std::uint32_t, Decision> accepted_;  // the proposal accepted in each view
    std::map<std::pair<std::uint32_t, Decision>, std::set<int>> prepares_;
    std::map<std::pair<std::uint32_t, Decision>, std::set<int>> commits_;
    std::set<std::uint32_t> commit_sent_;
    std::optional<std::pair<std::uint32_t, Decision>> prepared_;  // the latest view prepared in
    bool committed_ = false;

    struct ViewChangeVote {
        std::uint32_t prepared_view = kNoView;
        Decision prepared_decision = Decision::None;
    };
    std::map<std::uint32_t, std::map<int, ViewChangeVote>> view_changes_;
    std::map<int, std::uint32_t> highest_view_change_;  // per sender
    std::map<std::uint32_t, std::pair<int, Decision>> pending_new_views_;
    std::set<std::uint32_t> new_view_sent_;

    std::set<std::pair<int, std::uint64_t>> seen_;  // (sender, nonce)
    std::vector<Message> early_;                    // before the request
    std::uint64_t next_nonce_ = 1;
};

}  // namespace validprof::validation
