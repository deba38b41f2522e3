#include "flamegraph/protobuf_writer.h"

namespace validprof::flamegraph {

namespace {

constexpr std::uint32_t kWireVarint = 0;
constexpr std::uint32_t kWireLengthDelimited = 2;

}  // namespace

void ProtobufWriter::append_varint(std::string& out, std::uint64_t value) {
    char bytes[10];
    std::size_t n = 0;
    while (value >= 0x80) {
        bytes[n++] = static_cast<char>((value & 0x7F) | 0x80);
        value >>= 7;
    }
    bytes[n++] = static_cast<char>(value);
    out.append(bytes, n);
}

std::size_t ProtobufWriter::varint_size(std::uint64_t value) {
    std::size_t n = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++n;
    }
    return n;
}

void ProtobufWriter::varint_field(std::uint32_t field, std::uint64_t value) {
    append_varint(buffer_, (static_cast<std::uint64_t>(field) << 3) | kWireVarint);
    append_varint(buffer_, value);
}

void ProtobufWriter::bytes_field(std::uint32_t field, std::string_view bytes) {
    append_varint(buffer_, (static_cast<std::uint64_t>(field) << 3) | kWireLengthDelimited);
    append_varint(buffer_, bytes.size());
    buffer_.append(bytes);
}

void ProtobufWriter::packed_varints(std::uint32_t field, std::span<const std::uint64_t> values) {
    if (values.empty()) return;
    std::size_t length = 0;
    for (std::uint64_t v : values) length += varint_size(v);
    append_varint(buffer_, (static_cast<std::uint64_t>(field) << 3) | kWireLengthDelimited);
    append_varint(buffer_, length);
    for (std::uint64_t v : values) append_varint(buffer_, v);
}

}  // namespace validprof::flamegraph
