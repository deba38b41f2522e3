// The consensus messages and their wire format.
//
// Every message is a fixed 92-byte little-endian header, a payload (the
// evidence, in requests only) and a 32-byte HMAC-SHA256 over everything
// before it, keyed for the (sender, recipient) pair (message_auth.h). The
// header names the session, the sender and the recipient, so a message
// cannot be replayed into another round (keys differ) or redirected to
// another validator (recipient is covered by the MAC); the per-sender nonce
// lets a receiver drop exact replays within a round.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "validation/consensus/message_auth.h"

namespace validprof::validation {

enum class Decision : std::uint8_t { None = 0, Approve = 1, Reject = 2 };

const char* decision_name(Decision decision);
inline Decision opposite(Decision decision) {
    return decision == Decision::Approve ? Decision::Reject : decision == Decision::Reject ? Decision::Approve : Decision::None;
}

// What a validator concluded from the evidence on its own.
struct Evaluation {
    bool approve = false;
    double score = 0;       // truth score [0, 1]
    double confidence = 0;  // [0, 1]
};

enum class MessageType : std::uint8_t {
    Request = 1,     // client -> validators: the evidence
    PrePrepare = 2,  // primary -> backups: (view, sequence, digest, decision)
    Prepare = 3,     // backup -> all
    Commit = 4,      // all -> all
    Reply = 5,       // validator -> client: committed decision and own evaluation
    ViewChange = 6,  // all -> all: move to view v, with the last prepared (view, decision)
    NewView = 7,     // new primary -> all: the proposal for the new view
    Vote = 8,        // validator -> validators: its own judgement of the request
};

const char* message_type_name(MessageType type);

inline constexpr std::uint32_t kNoView = 0xffffffffu;
inline constexpr std::size_t kHeaderBytes = 92;
inline constexpr std::size_t kMacBytes = 32;
inline constexpr std::size_t kMaxPayloadBytes = 16u << 20;

struct Message {
    MessageType type = MessageType::Request;
    std::uint16_t sender = 0;
    std::uint16_t recipient = 0;
    Decision decision = Decision::None;
    Decision prepared_decision = Decision::None;  // ViewChange: with prepared_view
    std::uint32_t view = 0;
    std::uint32_t prepared_view = kNoView;  // ViewChange: last view this sender prepared in
    std::uint64_t sequence = 0;
    std::uint64_t nonce = 0;
    std::uint64_t session = 0;
    std::array<std::uint8_t, 32> digest{};  // SHA-256 of the request's evidence
    std::uint32_t score_ppm = 0;            // Reply: own evaluation, parts per million
    std::uint32_t confidence_ppm = 0;
    Decision vote = Decision::None;         // Reply: own evaluation's verdict
    std::string payload;                    // Request: evidence JSON; signed types: the signed statement
                                            // (certificate.h); Reply: the commit certificate
};

// Header, payload and the MAC computed with the sender's key ring for the
// recipient.
std::vector<std::uint8_t> encode_message(const Message& message, const KeyRing& sender_keys);

enum class DecodeError { Malformed, Forged };

struct Decoded {
    Message message;
    bool ok = false;
    DecodeError error = DecodeError::Malformed;
};

// Parses, then checks the MAC with the receiver's key for the claimed sender.
// Malformed: wrong size, magic, version, type or enum values, or a sender
// outside the ring. Forged: a well-formed message whose MAC does not verify.
Decoded decode_message(std::span<const std::uint8_t> bytes, const KeyRing& receiver_keys);

}  // namespace validprof::validation
