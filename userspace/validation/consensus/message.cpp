#include "validation/consensus/message.h"

#include <cstring>

namespace validprof::validation {

namespace {

constexpr std::uint32_t kMagic = 0x4d435656;  // "VVCM" read as little-endian bytes
constexpr std::uint8_t kVersion = 1;

void put_u8(std::vector<std::uint8_t>& out, std::uint8_t value) { out.push_back(value); }
void put_u16(std::vector<std::uint8_t>& out, std::uint16_t value) {
    for (int i = 0; i < 2; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

template <typename T>
T get_le(std::span<const std::uint8_t> bytes, std::size_t offset) {
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(bytes[offset + i]) << (8 * i);
    return value;
}

bool valid_decision(std::uint8_t value) { return value <= static_cast<std::uint8_t>(Decision::Reject); }

}  // namespace

const char* decision_name(Decision decision) {
    switch (decision) {
        case Decision::Approve: return "approve";
        case Decision::Reject: return "reject";
        case Decision::None: return "none";
    }
    return "none";
}

const char* message_type_name(MessageType type) {
    switch (type) {
        case MessageType::Request: return "request";
        case MessageType::PrePrepare: return "pre-prepare";
        case MessageType::Prepare: return "prepare";
        case MessageType::Commit: return "commit";
        case MessageType::Reply: return "reply";
        case MessageType::ViewChange: return "view-change";
        case MessageType::NewView: return "new-view";
        case MessageType::Vote: return "vote";
    }
    return "unknown";
}

std::vector<std::uint8_t> encode_message(const Message& message, const KeyRing& sender_keys) {
    std::vector<std::uint8_t> out;
    out.reserve(kHeaderBytes + message.payload.size() + kMacBytes);
    put_u32(out, kMagic);                                               // 0
    put_u8(out, kVersion);                                              // 4
    put_u8(out, static_cast<std::uint8_t>(message.type));               // 5
    put_u16(out, message.sender);                                       // 6
    put_u16(out, message.recipient);                                    // 8
    put_u8(out, static_cast<std::uint8_t>(message.decision));           // 10
    put_u8(out, static_cast<std::uint8_t>(message.prepared_decision));  // 11
    put_u32(out, message.view);                                         // 12
    put_u32(out, message.prepared_view);                                // 16
    put_u64(out, message.sequence);                                     // 20
    put_u64(out, message.nonce);                                        // 28
    put_u64(out, message.session);                                      // 36
    out.insert(out.end(), message.digest.begin(), message.digest.end());  // 44
    put_u32(out, message.score_ppm);                                    // 76
    put_u32(out, message.confidence_ppm);                               // 80
    put_u8(out, static_cast<std::uint8_t>(message.vote));               // 84
    put_u8(out, 0);
    put_u16(out, 0);                                                    // 85: padding
    put_u32(out, static_cast<std::uint32_t>(message.payload.size()));   // 88
    out.insert(out.end(), message.payload.begin(), message.payload.end());  // 92
    const Mac mac = sender_keys.mac(message.recipient, out);
    out.insert(out.end(), mac.begin(), mac.end());
    return out;
}

Decoded decode_message(std::span<const std::uint8_t> bytes, const KeyRing& receiver_keys) {
    Decoded decoded;
    if (bytes.size() < kHeaderBytes + kMacBytes || get_le<std::uint32_t>(bytes, 0) != kMagic || bytes[4] != kVersion) {
        return decoded;
    }
    const std::uint32_t payload_size = get_le<std::uint32_t>(bytes, 88);
    if (payload_size > kMaxPayloadBytes || bytes.size() != kHeaderBytes + payload_size + kMacBytes) return decoded;
    const std::uint8_t type = bytes[5];
    if (type < static_cast<std::uint8_t>(MessageType::Request) || type > static_cast<std::uint8_t>(MessageType::Vote)) {
        return decoded;
    }
    if (!valid_decision(bytes[10]) || !valid_decision(bytes[11]) || !valid_decision(bytes[84])) return decoded;
    Message& message = decoded.message;
    message.type = static_cast<MessageType>(type);
    message.sender = get_le<std::uint16_t>(bytes, 6);
    message.recipient = get_le<std::uint16_t>(bytes, 8);
    if (message.sender >= receiver_keys.parties() || message.sender == receiver_keys.self()) return decoded;

    const std::size_t signed_size = kHeaderBytes + payload_size;
    const Mac expected = receiver_keys.mac(message.sender, bytes.first(signed_size));
    if (!mac_equal(expected, bytes.subspan(signed_size, kMacBytes))) {
        decoded.error = DecodeError::Forged;
        return decoded;
    }
    message.decision = static_cast<Decision>(bytes[10]);
    message.prepared_decision = static_cast<Decision>(bytes[11]);
    message.view = get_le<std::uint32_t>(bytes, 12);
    message.prepared_view = get_le<std::uint32_t>(bytes, 16);
    message.sequence = get_le<std::uint64_t>(bytes, 20);
    message.nonce = get_le<std::uint64_t>(bytes, 28);
    message.session = get_le<std::uint64_t>(bytes, 36);
    std::memcpy(message.digest.data(), bytes.data() + 44, message.digest.size());
    message.score_ppm = get_le<std::uint32_t>(bytes, 76);
    message.confidence_ppm = get_le<std::uint32_t>(bytes, 80);
    message.vote = static_cast<Decision>(bytes[84]);
    message.payload.assign(reinterpret_cast<const char*>(bytes.data()) + kHeaderBytes, payload_size);
    decoded.ok = true;
    return decoded;
}

}  // namespace validprof::validation
