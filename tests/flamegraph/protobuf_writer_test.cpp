// The wire encoding against the examples of the protobuf encoding guide.
#include "flamegraph/protobuf_writer.h"

#include <gtest/gtest.h>

#include <vector>

namespace validprof::flamegraph {
namespace {

std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

TEST(ProtobufWriter, VarintsAsInTheEncodingGuide) {
    ProtobufWriter w;
    w.varint_field(1, 150);  // the guide's "08 96 01"
    EXPECT_EQ(hex(w.bytes()), "089601");
    std::string out;
    ProtobufWriter::append_varint(out, 300);
    EXPECT_EQ(hex(out), "ac02");
    EXPECT_EQ(ProtobufWriter::varint_size(0), 1u);
    EXPECT_EQ(ProtobufWriter::varint_size(127), 1u);
    EXPECT_EQ(ProtobufWriter::varint_size(128), 2u);
    EXPECT_EQ(ProtobufWriter::varint_size(~0ULL), 10u);
}

TEST(ProtobufWriter, NegativeInt64TakesTenBytes) {
    ProtobufWriter w;
    w.int64_field(1, -2);
    EXPECT_EQ(hex(w.bytes()), "08feffffffffffffffff01");
}

TEST(ProtobufWriter, StringsAndNestedMessagesAreLengthDelimited) {
    ProtobufWriter w;
    w.bytes_field(2, "testing");  // the guide's "12 07 74 65 73 74 69 6e 67"
    EXPECT_EQ(hex(w.bytes()), "120774657374696e67");
    ProtobufWriter inner;
    inner.varint_field(1, 150);
    ProtobufWriter outer;
    outer.message_field(3, inner);  // "1a 03 08 96 01"
    EXPECT_EQ(hex(outer.bytes()), "1a03089601");
}

TEST(ProtobufWriter, PackedRepeatedField) {
    ProtobufWriter w;
    const std::vector<std::uint64_t> values = {3, 270, 86942};  // the guide's "32 06 03 8e 02 9e a7 05"
    w.packed_varints(6, values);
    EXPECT_EQ(hex(w.bytes()), "3206038e029ea705");
    ProtobufWriter empty;
    empty.packed_varints(6, {});
    EXPECT_TRUE(empty.bytes().empty());
}

}  // namespace
}  // namespace validprof::flamegraph
