#include "metrics/listen_address.h"

#include <gtest/gtest.h>

namespace validprof::metrics {
namespace {

std::string round_trip(const std::string& text) {
    auto parsed = parse_listen_address(text);
    if (!parsed) return "error: " + parsed.error().message;
    return format_address(parsed->address);
}

TEST(ListenAddress, LoopbackUnlessAnAddressIsNamed) {
    EXPECT_EQ(round_trip("9464"), "127.0.0.1:9464");
    EXPECT_EQ(round_trip("localhost:9464"), "127.0.0.1:9464");
    EXPECT_EQ(round_trip("0.0.0.0:9464"), "0.0.0.0:9464");
    EXPECT_EQ(round_trip("10.1.2.3:80"), "10.1.2.3:80");
    EXPECT_EQ(round_trip("[::1]:9464"), "[::1]:9464");
    EXPECT_EQ(round_trip("127.0.0.1:0"), "127.0.0.1:0");
}

TEST(ListenAddress, BadInputIsOneLineThatSaysWhatToWrite) {
    const std::pair<const char*, const char*> cases[] = {
        {"", "the port must be a number"},
        {"65536", "the port must be a number"},
        {"-1", "the port must be a number"},
        {"9464x", "the port must be a number"},
        {":9464", "name the address"},
        {"example.com:9464", "is not an IP address"},
        {"::1:9464", "[ADDR]:PORT"},
        {"[::1]9464", "[ADDR]:PORT"},
        {"[127.0.0.1]:80", "is not an IP address"},
        {"999.1.1.1:80", "is not an IP address"},
    };
    for (const auto& [text, expected] : cases) {
        auto parsed = parse_listen_address(text);
        ASSERT_FALSE(parsed.ok()) << text;
        EXPECT_NE(parsed.error().message.find(expected), std::string::npos) << text << ": " << parsed.error().message;
        EXPECT_EQ(parsed.error().message.find('\n'), std::string::npos);
        EXPECT_EQ(parsed.error().message.rfind("--metrics '", 0), 0u) << parsed.error().message;
    }
}

}  // namespace
}  // namespace validprof::metrics
