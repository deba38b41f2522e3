// Signed PBFT statements and the certificates built from them.
//
//   statement            (type, signer, view, sequence, session, digest, decision),
//                        signed by its signer together with an attachment
//   prepared certificate the pre-prepare (v, d) of primary(v) and Q-1 prepares
//                        (v, d) from distinct backups: Q validators accepted d in v
//   commit certificate   Q commits (v, d) from distinct validators: d is decided
//                        (assembled and checked by the client, consensus_round.cpp)
//   view-change          statement (ViewChange, new view, prepared decision or
//                        none), attachment: the sender's latest prepared
//                        certificate, so a new primary cannot drop or invent it
//   new-view             statement (NewView, v, proposal), attachment: Q
//                        view-changes for v followed by the pre-prepare (v, proposal)
//
// Q = ceil((n + f + 1) / 2): any two quorums share at least f + 1 validators,
// so at least one honest one, for every n >= 3f + 1 (2f + 1 when n = 3f + 1).
//
// Checking a new-view redoes the new primary's choice: if any view-change
// carries a prepared certificate, the proposal must be the decision of the
// one from the highest view (that decision may have been committed by
// someone: every commit quorum intersects the Q view-changes in an honest
// validator that holds its certificate). Without any, the new primary is
// free and the receivers judge the proposal by their own validity rule.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validation/consensus/message.h"
#include "validation/consensus/signatures.h"

namespace validprof::validation {

struct Statement {
    MessageType type = MessageType::Prepare;
    std::uint16_t signer = 0;
    std::uint32_t view = 0;
    std::uint64_t sequence = 0;
    std::uint64_t session = 0;
    std::array<std::uint8_t, 32> digest{};
    Decision decision = Decision::None;
};

struct SignedStatement {
    Statement statement;
    std::string attachment;  // covered by the signature
    Signature signature{};
};

SignedStatement sign_statement(const Statement& statement, std::string attachment, const SigningKey& key);
bool signature_valid(const SignedStatement& signed_statement, const PublicKeys& keys);

// Wire form: 56-byte statement, u32 attachment length, attachment, 64-byte
// signature. Lists: u16 count, then each element.
std::string encode_signed(const SignedStatement& signed_statement);
std::optional<SignedStatement> decode_signed(std::string_view bytes);
std::string encode_signed_list(const std::vector<SignedStatement>& list);
std::optional<std::vector<SignedStatement>> decode_signed_list(std::string_view bytes);

// What every certificate in a round is checked against.
struct RoundContext {
    int validators = 4;
    int faulty_tolerance = 1;
    std::uint64_t session = 0;
    std::uint64_t sequence = 1;
    std::array<std::uint8_t, 32> digest{};

    int quorum() const { return (validators + faulty_tolerance + 2) / 2; }
    int primary_of(std::uint32_t view) const { return static_cast<int>(view % static_cast<std::uint32_t>(validators)); }
    // Type, session, sequence and digest as this round's, signer a validator.
    bool belongs(const Statement& statement, MessageType type) const;
};

// The quorum for n validators tolerating f faults: ceil((n + f + 1) / 2).
inline int byzantine_quorum(int validators, int faulty_tolerance) { return (validators + faulty_tolerance + 2) / 2; }

struct Certified {
    std::uint32_t view = 0;
    Decision decision = Decision::None;
};

std::optional<Certified> verify_prepared_certificate(const std::vector<SignedStatement>& certificate,
                                                     const RoundContext& round, const PublicKeys& keys);

struct ViewChangeClaim {
    int sender = 0;
    std::uint32_t new_view = 0;
    std::optional<Certified> prepared;  // proven by the attached certificate
};

// Signature, round, and the attached certificate (from a view below the new
// one, for the decision the statement names).
std::optional<ViewChangeClaim> verify_view_change(const SignedStatement& view_change, const RoundContext& round,
                                                  const PublicKeys& keys);

struct NewViewProof {
    std::uint32_t view = 0;
    Decision proposal = Decision::None;
    bool forced = false;          // a prepared certificate fixed the proposal
    SignedStatement pre_prepare;  // the new view's pre-prepare, for prepared certificates
};

// Checks a new-view: signed by the view's primary, Q distinct valid
// view-changes for the view, the pre-prepare for the same proposal, and the
// proposal equal to the highest prepared certificate's decision if there is
// one.
std::optional<NewViewProof> verify_new_view(const SignedStatement& new_view, const RoundContext& round,
                                            const PublicKeys& keys);

// The decision a new primary must propose given its view-changes: the one of
// the highest prepared certificate, if any.
std::optional<Decision> forced_proposal(const std::vector<ViewChangeClaim>& claims);

}  // namespace validprof::validation
