#include "metrics/metrics_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace validprof::metrics {
namespace {

// A plain client: connect, send `request` as is, read to the end.
std::string http_exchange(const std::string& address, const std::string& request) {
    auto parsed = parse_listen_address(address);
    EXPECT_TRUE(parsed.ok());
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&parsed->address), parsed->length), 0);
    EXPECT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    std::string answer;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = recv(fd, buffer, sizeof buffer, 0)) > 0) answer.append(buffer, static_cast<std::size_t>(got));
    close(fd);
    return answer;
}

std::string body_of(const std::string& answer) {
    const auto end = answer.find("\r\n\r\n");
    return end == std::string::npos ? "" : answer.substr(end + 4);
}

class MetricsServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        model::Invocation invocation;
        invocation.hook = "post-edit";
        invocation.complete = true;
        invocation.last_end_ns = 30'000'000;
        registry_.add_invocations({invocation});
        auto server = MetricsServer::start(*parse_listen_address("127.0.0.1:0"), registry_);
        ASSERT_TRUE(server.ok()) << server.error().message;
        server_ = std::move(*server);
    }
    MetricsRegistry registry_;
    std::unique_ptr<MetricsServer> server_;
};

TEST_F(MetricsServerTest, GetMetricsServesTheExposition) {
    const std::string answer = http_exchange(server_->bound_address(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
    EXPECT_NE(answer.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), std::string::npos);
    const std::string body = body_of(answer);
    EXPECT_NE(answer.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
    EXPECT_NE(body.find("validprof_hook_invocations_total{hook=\"post-edit\"} 1\n"), std::string::npos) << body;
    // A query string (Prometheus sends none, curl users might) is ignored.
    EXPECT_EQ(http_exchange(server_->bound_address(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(MetricsServerTest, HeadHasNoBodyAndOtherRequestsAreRefused) {
    const std::string head = http_exchange(server_->bound_address(), "HEAD /metrics HTTP/1.1\r\n\r\n");
    EXPECT_EQ(head.rfind("HTTP/1.1 200 OK", 0), 0u);
    EXPECT_EQ(body_of(head), "");
    EXPECT_EQ(http_exchange(server_->bound_address(), "GET /other HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
    EXPECT_EQ(http_exchange(server_->bound_address(), "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
    EXPECT_EQ(http_exchange(server_->bound_address(), "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
}

// A client that connects and says nothing is dropped after the I/O
// timeout; the next scrape is answered.
TEST_F(MetricsServerTest, AStalledClientDoesNotHoldTheEndpoint) {
    auto parsed = parse_listen_address(server_->bound_address());
    const int silent = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(connect(silent, reinterpret_cast<const sockaddr*>(&parsed->address), parsed->length), 0);
    const std::string answer = http_exchange(server_->bound_address(), "GET /metrics HTTP/1.1\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK", 0), 0u);
    close(silent);
}

TEST(MetricsServer, APortInUseIsAnErrorAtStart) {
    MetricsRegistry registry;
    auto first = MetricsServer::start(*parse_listen_address("127.0.0.1:0"), registry);
    ASSERT_TRUE(first.ok());
    auto second = MetricsServer::start(*parse_listen_address((*first)->bound_address()), registry);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("choose another"), std::string::npos) << second.error().message;
}

TEST(MetricsServer, StopsPromptlyWhenDestroyed) {
    MetricsRegistry registry;
    const auto before = std::chrono::steady_clock::now();
    {
        auto server = MetricsServer::start(*parse_listen_address("127.0.0.1:0"), registry);
        ASSERT_TRUE(server.ok());
    }
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(1));
}

}  // namespace
}  // namespace validprof::metrics
