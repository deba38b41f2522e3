// Just enough of the protocol buffers wire format to write profile.proto
// (https://protobuf.dev/programming-guides/encoding/): varints, and
// length-delimited fields for strings, packed repeated scalars and nested
// messages. Hand-written because pprof needs four message types and a
// generated-code dependency would cost more than these few functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace validprof::flamegraph {

class ProtobufWriter {
public:
    // Field with wire type 0. Proto3 leaves zero-valued scalars out; callers
    // that want that skip the call.
    void varint_field(std::uint32_t field, std::uint64_t value);
    // int64 fields: two's complement as an unsigned varint (negative → 10 bytes).
    void int64_field(std::uint32_t field, std::int64_t value) {
        varint_field(field, static_cast<std::uint64_t>(value));
    }
    // Field with wire type 2 holding raw bytes: a string or an encoded message.
    void bytes_field(std::uint32_t field, std::string_view bytes);
    void message_field(std::uint32_t field, const ProtobufWriter& message) { bytes_field(field, message.bytes()); }
    // Repeated scalar field in packed encoding (the proto3 default).
    void packed_varints(std::uint32_t field, std::span<const std::uint64_t> values);

    // Appends bytes already encoded as fields of this message.
    void append_raw(std::string_view encoded) { buffer_.append(encoded); }

    const std::string& bytes() const { return buffer_; }
    std::string take() { return std::move(buffer_); }
    void clear() { buffer_.clear(); }
    void reserve(std::size_t size) { buffer_.reserve(size); }

    static void append_varint(std::string& out, std::uint64_t value);
    static std::size_t varint_size(std::uint64_t value);

private:
    std::string buffer_;
};

}  // namespace validprof::flamegraph
