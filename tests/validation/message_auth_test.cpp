// Message authentication and the receiver's filters, driving one replica
// directly with hand-made messages: forged, replayed, misrouted and stale
// messages are dropped, authentic ones acted on.
#include <gtest/gtest.h>

#include <cstring>

#include "validation/checks/content_hash.h"
#include "validation/consensus/message.h"
#include "validation/consensus/message_auth.h"
#include "validation/consensus/certificate.h"
#include "validation/consensus/replica.h"
#include "validation/consensus/signatures.h"

namespace validprof::validation {
namespace {

std::span<const std::uint8_t> bytes_of(const char* text) {
    return std::span(reinterpret_cast<const std::uint8_t*>(text), std::strlen(text));
}

SessionSecret fixed_secret(std::uint8_t fill) {
    SessionSecret secret;
    secret.fill(fill);
    return secret;
}

TEST(MessageAuth, HmacSha256MatchesRfc4231) {
    // RFC 4231, test case 2.
    const Mac mac = hmac_sha256(bytes_of("Jefe"), bytes_of("what do ya want for nothing?"));
    EXPECT_EQ(to_hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(MessageAuth, PairKeysAreSymmetricAndDistinct) {
    const SessionSecret secret = fixed_secret(7);
    EXPECT_EQ(derive_pair_key(secret, 1, 3), derive_pair_key(secret, 3, 1));
    EXPECT_NE(derive_pair_key(secret, 1, 3), derive_pair_key(secret, 1, 2));
    EXPECT_NE(derive_pair_key(secret, 1, 3), derive_pair_key(fixed_secret(8), 1, 3));
    // The keyed-context fast path computes the plain HMAC with the pair key.
    const KeyRing ring = KeyRing::for_party(secret, 1, 5);
    const MacKey key = derive_pair_key(secret, 1, 3);
    EXPECT_EQ(ring.mac(3, bytes_of("payload")), hmac_sha256(key, bytes_of("payload")));
}

TEST(MessageAuth, EncodeDecodeRoundTrip) {
    const SessionSecret secret = fixed_secret(1);
    const KeyRing sender = KeyRing::for_party(secret, 2, 5);
    const KeyRing receiver = KeyRing::for_party(secret, 0, 5);
    Message message;
    message.type = MessageType::ViewChange;
    message.sender = 2;
    message.recipient = 0;
    message.view = 3;
    message.prepared_view = 2;
    message.prepared_decision = Decision::Approve;
    message.nonce = 99;
    message.session = 0x1122334455667788ull;
    message.payload = "evidence";
    const auto bytes = encode_message(message, sender);
    EXPECT_EQ(bytes.size(), kHeaderBytes + message.payload.size() + kMacBytes);
    const Decoded decoded = decode_message(bytes, receiver);
    ASSERT_TRUE(decoded.ok);
    EXPECT_EQ(decoded.message.type, MessageType::ViewChange);
    EXPECT_EQ(decoded.message.view, 3u);
    EXPECT_EQ(decoded.message.prepared_view, 2u);
    EXPECT_EQ(decoded.message.prepared_decision, Decision::Approve);
    EXPECT_EQ(decoded.message.session, 0x1122334455667788ull);
    EXPECT_EQ(decoded.message.payload, "evidence");

    // Any flipped bit, in the header, the payload or the MAC, is a forgery.
    for (std::size_t i : {std::size_t{10}, std::size_t{12}, kHeaderBytes + 1, bytes.size() - 1}) {
        auto tampered = bytes;
        tampered[i] ^= 0x01;
        const Decoded result = decode_message(tampered, receiver);
        EXPECT_FALSE(result.ok) << i;
    }
    auto truncated = bytes;
    truncated.pop_back();
    EXPECT_EQ(decode_message(truncated, receiver).error, DecodeError::Malformed);
    // Another round's keys do not verify.
    EXPECT_EQ(decode_message(bytes, KeyRing::for_party(fixed_secret(2), 0, 5)).error, DecodeError::Forged);
}

// One backup (validator 1 of 4) driven by hand; the client is party 4. The
// fixture holds every validator's signing key, so it can play the others.
class ReplicaFixture : public ::testing::Test {
protected:
    static constexpr int kN = 4;
    static constexpr int kClient = 4;
    static constexpr std::uint64_t kSession = 42;

    ReplicaFixture() : network_(kN + 1, LinkDelay{}, 0) {
        std::vector<PublicKey> public_keys;
        for (int id = 0; id < kN; ++id) {
            auto key = SigningKey::generate();
            keys_.push_back(std::move(*key));
            public_keys.push_back(keys_.back().public_key());
        }
        ReplicaConfig config;
        config.id = 1;
        config.validators = kN;
        config.faulty_tolerance = 1;
        config.session = kSession;
        config.sequence = 1;
        config.evaluate = [](int, std::string_view evidence) {
            return Evaluation{evidence == "good", evidence == "good" ? 0.9 : 0.2, 1.0};
        };
        config.round_start = Clock::now();
        auto verifier = PublicKeys::from(public_keys);
        replica_ = std::make_unique<Replica>(config, KeyRing::for_party(secret_, 1, kN + 1),
                                             std::move(keys_[1]),  // the replica under test holds its own key,
                                             std::move(*verifier), network_);
    }

    Message message(MessageType type, int sender, Decision decision = Decision::Approve, std::uint32_t view = 0) {
        Message m;
        m.type = type;
        m.sender = static_cast<std::uint16_t>(sender);
        m.recipient = 1;
        m.view = view;
        m.decision = decision;
        m.sequence = 1;
        m.session = kSession;
        m.nonce = ++nonce_;
        m.digest = sha256(std::string_view("good"));
        return m;
    }
    Statement statement_of(const Message& m) const {
        Statement s;
        s.type = m.type;
        s.signer = m.sender;
        s.view = m.view;
        s.sequence = m.sequence;
        s.session = m.session;
        s.digest = m.digest;
        s.decision = m.decision;
        return s;
    }
    // A protocol message as validator `sender` would send it: the statement
    // signed with its Ed25519 key, the whole authenticated with the pairwise
    // key of `mac_by`.
    std::vector<std::uint8_t> from(Message m, int mac_by, std::string attachment = {}) {
        if (m.type != MessageType::Request && m.type != MessageType::Vote) {
            m.payload = encode_signed(sign_statement(statement_of(m), std::move(attachment),
                                                     keys_[static_cast<std::size_t>(m.sender)]));
        }
        return encode_message(m, KeyRing::for_party(secret_, mac_by, kN + 1));
    }
    std::vector<std::uint8_t> signed_by(const Message& m, int signer) { return from(m, signer); }
    Verdict send_request() {
        Message request = message(MessageType::Request, kClient);
        request.payload = "good";
        return replica_->deliver(signed_by(request, kClient));
    }
    void send_vote(int sender, Decision decision) {
        replica_->deliver(signed_by(message(MessageType::Vote, sender, decision), sender));
    }
    // Messages of `type` the replica broadcast so far (it sends to 0, 2, 3).
    int sent(MessageType type) {
        int count = 0;
        for (int peer : {0, 2, 3}) {
            while (auto bytes = network_.try_receive(peer)) {
                const Decoded decoded = decode_message(*bytes, KeyRing::for_party(secret_, peer, kN + 1));
                if (decoded.ok && decoded.message.type == type) ++count;
            }
        }
        return count;
    }
    int prepares_sent() { return sent(MessageType::Prepare); }

    SessionSecret secret_ = fixed_secret(9);
    std::vector<SigningKey> keys_;
    Network network_;
    std::unique_ptr<Replica> replica_;
    std::uint64_t nonce_ = 1000;
};

TEST_F(ReplicaFixture, AcceptsAnAuthenticPrePrepareAndPrepares) {
    EXPECT_EQ(send_request(), Verdict::Accepted);
    EXPECT_EQ(replica_->deliver(signed_by(message(MessageType::PrePrepare, 0), 0)), Verdict::Accepted);
    // Its own approve vote is not yet f+1 = 2 votes: no prepare before a
    // second validator's vote arrives.
    EXPECT_EQ(prepares_sent(), 0);
    send_vote(2, Decision::Approve);
    EXPECT_EQ(prepares_sent(), 3);
    EXPECT_GE(replica_->report().pre_prepare_us, 0);
}

TEST_F(ReplicaFixture, RejectsForgedPrePrepare) {
    ASSERT_EQ(send_request(), Verdict::Accepted);
    send_vote(2, Decision::Approve);
    // Validator 3 claims to be the primary but can only authenticate with its
    // own key to us, k(3,1), not the primary's k(0,1).
    EXPECT_EQ(replica_->deliver(signed_by(message(MessageType::PrePrepare, 0), 3)), Verdict::Forged);
    EXPECT_EQ(prepares_sent(), 0);
    // A message authenticated for another recipient does not verify here either.
    Message redirected = message(MessageType::PrePrepare, 0);
    redirected.recipient = 2;
    auto bytes = from(redirected, 0);
    bytes[8] = 1;  // rewrite the recipient field to us
    EXPECT_EQ(replica_->deliver(bytes), Verdict::Forged);
    EXPECT_EQ(replica_->report().verdicts.at(Verdict::Forged), 2u);
}

TEST_F(ReplicaFixture, RejectsAPrePrepareSignedByAnotherValidator) {
    ASSERT_EQ(send_request(), Verdict::Accepted);
    send_vote(2, Decision::Approve);
    // Authentic MAC from the primary, but the statement inside carries
    // validator 3's signature in the primary's name.
    Message pre_prepare = message(MessageType::PrePrepare, 0);
    Statement claimed = statement_of(pre_prepare);
    SignedStatement wrong = sign_statement(claimed, {}, keys_[3]);
    pre_prepare.payload = encode_signed(wrong);
    EXPECT_EQ(replica_->deliver(encode_message(pre_prepare, KeyRing::for_party(secret_, 0, kN + 1))), Verdict::Unproven);
    EXPECT_EQ(prepares_sent(), 0);
}

TEST_F(ReplicaFixture, RejectsReplayedMessages) {
    ASSERT_EQ(send_request(), Verdict::Accepted);
    send_vote(2, Decision::Approve);
    const auto pre_prepare = signed_by(message(MessageType::PrePrepare, 0), 0);
    EXPECT_EQ(replica_->deliver(pre_prepare), Verdict::Accepted);
    EXPECT_EQ(replica_->deliver(pre_prepare), Verdict::Replayed);
    const auto prepare = signed_by(message(MessageType::Prepare, 2), 2);
    EXPECT_EQ(replica_->deliver(prepare), Verdict::Accepted);
    EXPECT_EQ(replica_->deliver(prepare), Verdict::Replayed);
    EXPECT_EQ(prepares_sent(), 3);  // only the first pre-prepare triggered prepares
}

TEST_F(ReplicaFixture, RejectsOtherSessionsAndSequences) {
    ASSERT_EQ(send_request(), Verdict::Accepted);
    send_vote(2, Decision::Approve);
    Message other_session = message(MessageType::PrePrepare, 0);
    other_session.session = kSession + 1;
    EXPECT_EQ(replica_->deliver(signed_by(other_session, 0)), Verdict::Misrouted);
    Message other_sequence = message(MessageType::PrePrepare, 0);
    other_sequence.sequence = 2;
    EXPECT_EQ(replica_->deliver(signed_by(other_sequence, 0)), Verdict::Misrouted);
    // A message from an earlier round: other secret, so other keys.
    EXPECT_EQ(replica_->deliver(encode_message(message(MessageType::PrePrepare, 0),
                                               KeyRing::for_party(fixed_secret(10), 0, kN + 1))),
              Verdict::Forged);
    EXPECT_EQ(prepares_sent(), 0);
}

TEST_F(ReplicaFixture, PreparesOnlyWhatAtLeastFPlus1Validators) {
    ASSERT_EQ(send_request(), Verdict::Accepted);  // its own vote: approve
    // The primary proposes reject; only the primary itself voted reject.
    send_vote(0, Decision::Reject);
    EXPECT_EQ(replica_->deliver(signed_by(message(MessageType::PrePrepare, 0, Decision::Reject), 0)), Verdict::Accepted);
    EXPECT_EQ(prepares_sent(), 0);
    // A second reject vote: f+1 = 2 validators judged reject, at least one
    // of them honest, so reject is a valid proposal even though this
    // validator itself judged approve.
    send_vote(3, Decision::Reject);
    EXPECT_EQ(prepares_sent(), 3);
}

TEST_F(ReplicaFixture, BuffersMessagesThatArriveBeforeTheRequest) {
    EXPECT_EQ(replica_->deliver(signed_by(message(MessageType::PrePrepare, 0), 0)), Verdict::Buffered);
    EXPECT_EQ(replica_->deliver(signed_by(message(MessageType::Vote, 2), 2)), Verdict::Buffered);
    EXPECT_EQ(prepares_sent(), 0);
    EXPECT_EQ(send_request(), Verdict::Accepted);
    EXPECT_EQ(prepares_sent(), 3);
}

TEST_F(ReplicaFixture, TimerStartsAViewChange) {
    ASSERT_EQ(send_request(), Verdict::Accepted);
    send_vote(2, Decision::Approve);
    send_vote(3, Decision::Approve);
    ASSERT_TRUE(replica_->timer());
    replica_->check_timer(*replica_->timer());
    EXPECT_EQ(replica_->view(), 1u);
    EXPECT_TRUE(replica_->view_changing());
    // Normal-case messages of the abandoned view are now stale.
    EXPECT_EQ(replica_->deliver(signed_by(message(MessageType::PrePrepare, 0, Decision::Approve, 0), 0)), Verdict::Stale);
    // A view-change whose signature is not its sender's is not believed.
    Message forged_view_change = message(MessageType::ViewChange, 2, Decision::None, 1);
    forged_view_change.payload = encode_signed(sign_statement(statement_of(forged_view_change), {}, keys_[3]));
    EXPECT_EQ(replica_->deliver(encode_message(forged_view_change, KeyRing::for_party(secret_, 2, kN + 1))),
              Verdict::Unproven);
    // Validator 1 leads view 1: with view-changes from 2 and 3 (and its own)
    // it sends new-view and proposes.
    EXPECT_EQ(replica_->deliver(signed_by(message(MessageType::ViewChange, 2, Decision::None, 1), 2)), Verdict::Accepted);
    EXPECT_TRUE(replica_->view_changing());
    EXPECT_EQ(replica_->deliver(signed_by(message(MessageType::ViewChange, 3, Decision::None, 1), 3)), Verdict::Accepted);
    EXPECT_FALSE(replica_->view_changing());
    EXPECT_EQ(sent(MessageType::NewView), 3);
    EXPECT_EQ(replica_->report().view_changes, 1);
    replica_->finish();
}

TEST_F(ReplicaFixture, AViewChangeWithAFakePreparedCertificateIsRefused) {
    ASSERT_EQ(send_request(), Verdict::Accepted);
    replica_->check_timer(*replica_->timer());  // now in view 1, changing
    // Validator 2 claims it prepared reject in view 0, but the certificate
    // holds only the primary's pre-prepare (Q = 3 statements are needed).
    Message view_change = message(MessageType::ViewChange, 2, Decision::Reject, 1);
    Message pre_prepare = message(MessageType::PrePrepare, 0, Decision::Reject, 0);
    const std::vector<SignedStatement> thin = {sign_statement(statement_of(pre_prepare), {}, keys_[0])};
    EXPECT_EQ(replica_->deliver(from(view_change, 2, encode_signed_list(thin))), Verdict::Unproven);
    // With two prepares it is a real certificate and is believed.
    std::vector<SignedStatement> full = thin;
    for (int backup : {2, 3}) {
        Message prepare = message(MessageType::Prepare, backup, Decision::Reject, 0);
        full.push_back(sign_statement(statement_of(prepare), {}, keys_[static_cast<std::size_t>(backup)]));
    }
    Message again = message(MessageType::ViewChange, 2, Decision::Reject, 1);
    EXPECT_EQ(replica_->deliver(from(again, 2, encode_signed_list(full))), Verdict::Accepted);
    replica_->finish();
}

}  // namespace
}  // namespace validprof::validation
