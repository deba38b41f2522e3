// Ring-buffer record copying and the libbpf error message, without a kernel.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bpf_support/libbpf_error.h"
#include "bpf_support/record_copy.h"

namespace validprof::bpf_support {
namespace {

struct Pair {
    std::uint64_t first;
    std::uint32_t second;
    std::uint32_t third;
};

// A record at an odd address (ring-buffer memory is only 8-byte aligned, a
// sample may be anywhere) with known bytes.
std::vector<unsigned char> misaligned_record(const Pair& pair, std::size_t extra) {
    std::vector<unsigned char> buffer(1 + sizeof(Pair) + extra, 0xAB);
    std::memcpy(buffer.data() + 1, &pair, sizeof(Pair));
    return buffer;
}

TEST(RecordCopy, CopiesARecordOfExactlyItsSizeFromAnyAddress) {
    const Pair sent{0x1122334455667788ull, 7, 0xFFFFFFFFu};
    std::vector<unsigned char> buffer = misaligned_record(sent, 0);
    Pair received{};
    ASSERT_TRUE(copy_record(buffer.data() + 1, sizeof(Pair), received));
    EXPECT_EQ(received.first, sent.first);
    EXPECT_EQ(received.second, sent.second);
    EXPECT_EQ(received.third, sent.third);
}

TEST(RecordCopy, TakesTheTypesBytesOfALongerRecord) {
    const Pair sent{42, 43, 44};
    std::vector<unsigned char> buffer = misaligned_record(sent, 9);
    auto received = copy_record<Pair>(buffer.data() + 1, sizeof(Pair) + 9, "pair");
    ASSERT_TRUE(received.ok());
    EXPECT_EQ(received->first, 42u);
    EXPECT_EQ(received->second, 43u);
    EXPECT_EQ(received->third, 44u);
}

TEST(RecordCopy, RefusesAShortRecordWithoutTouchingTheTarget) {
    const Pair sent{1, 2, 3};
    std::vector<unsigned char> buffer = misaligned_record(sent, 0);
    Pair untouched{9, 9, 9};
    EXPECT_FALSE(copy_record(buffer.data() + 1, sizeof(Pair) - 1, untouched));
    EXPECT_EQ(untouched.first, 9u);
    EXPECT_EQ(untouched.second, 9u);
    EXPECT_FALSE(copy_record(buffer.data() + 1, 0, untouched));
}

TEST(RecordCopy, NamesTheKindAndBothSizesOfAShortRecord) {
    unsigned char bytes[5] = {};
    auto received = copy_record<Pair>(bytes, sizeof(bytes), "phase");
    ASSERT_FALSE(received.ok());
    EXPECT_EQ(received.error().message, "short phase record: 5 bytes, expected " + std::to_string(sizeof(Pair)));
}

TEST(LibbpfError, SaysWhatFailedAndWhyWhicheverSignLibbpfUsed) {
    // libbpf returns -errno from most calls and leaves +errno in errno.
    for (int error : {-ENOENT, ENOENT}) {
        common::Error message = libbpf_error("cannot open the x BPF object", error);
        EXPECT_EQ(message.message, std::string("cannot open the x BPF object: ") + std::strerror(ENOENT));
        EXPECT_EQ(message.errno_value, ENOENT);
    }
    EXPECT_EQ(libbpf_error("cannot load", -EPERM).message, std::string("cannot load: ") + std::strerror(EPERM));
}

}  // namespace
}  // namespace validprof::bpf_support
