// A protobuf wire-format reader for the pprof tests, independent of the
// writer under test: it knows nothing of profile.proto, only tags, varints
// and lengths, and throws on anything malformed (truncated varint, length
// past the end, a wire type pprof does not use). Also gunzips with zlib's
// inflate, the reverse path of what the exporter used.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace validprof::flamegraph::testing {

struct ProtoField {
    std::uint32_t number = 0;
    std::uint32_t wire_type = 0;  // 0 varint, 2 length-delimited
    std::uint64_t varint = 0;
    std::string_view bytes;
};

inline std::uint64_t read_varint(std::string_view data, std::size_t& at) {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (at >= data.size()) throw std::runtime_error("truncated varint");
        const auto byte = static_cast<unsigned char>(data[at++]);
        if (shift == 63 && byte > 1) throw std::runtime_error("varint overflows 64 bits");
        value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) return value;
    }
    throw std::runtime_error("varint longer than 10 bytes");
}

inline std::vector<ProtoField> read_message(std::string_view data) {
    std::vector<ProtoField> fields;
    std::size_t at = 0;
    while (at < data.size()) {
        const std::uint64_t tag = read_varint(data, at);
        ProtoField field;
        field.number = static_cast<std::uint32_t>(tag >> 3);
        field.wire_type = static_cast<std::uint32_t>(tag & 7);
        if (field.number == 0) throw std::runtime_error("field number 0");
        if (field.wire_type == 0) {
            field.varint = read_varint(data, at);
        } else if (field.wire_type == 2) {
            const std::uint64_t length = read_varint(data, at);
            if (length > data.size() - at) throw std::runtime_error("length past the end of the message");
            field.bytes = data.substr(at, length);
            at += length;
        } else {
            throw std::runtime_error("unexpected wire type " + std::to_string(field.wire_type));
        }
        fields.push_back(field);
    }
    return fields;
}

// A repeated integer field in either encoding: packed or one field per value.
inline std::vector<std::uint64_t> read_repeated(const std::vector<ProtoField>& fields, std::uint32_t number) {
    std::vector<std::uint64_t> values;
    for (const ProtoField& f : fields) {
        if (f.number != number) continue;
        if (f.wire_type == 0) {
            values.push_back(f.varint);
        } else {
            std::size_t at = 0;
            while (at < f.bytes.size()) values.push_back(read_varint(f.bytes, at));
        }
    }
    return values;
}

inline std::uint64_t read_scalar(const std::vector<ProtoField>& fields, std::uint32_t number) {
    std::uint64_t value = 0;  // proto3: absent means 0; the last occurrence wins
    for (const ProtoField& f : fields) {
        if (f.number == number && f.wire_type == 0) value = f.varint;
    }
    return value;
}

inline std::vector<std::string_view> read_bytes(const std::vector<ProtoField>& fields, std::uint32_t number) {
    std::vector<std::string_view> values;
    for (const ProtoField& f : fields) {
        if (f.number == number && f.wire_type == 2) values.push_back(f.bytes);
    }
    return values;
}

inline std::string gunzip(std::string_view compressed) {
    z_stream stream{};
    if (inflateInit2(&stream, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2 failed");
    std::string out;
    char buffer[1 << 16];
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        stream.next_out = reinterpret_cast<Bytef*>(buffer);
        stream.avail_out = sizeof buffer;
        status = inflate(&stream, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) {
            inflateEnd(&stream);
            throw std::runtime_error("not a valid gzip stream (inflate " + std::to_string(status) + ")");
        }
        out.append(buffer, sizeof buffer - stream.avail_out);
    }
    const bool trailing = stream.avail_in != 0;
    inflateEnd(&stream);
    if (trailing) throw std::runtime_error("bytes after the gzip stream");
    return out;
}

}  // namespace validprof::flamegraph::testing
