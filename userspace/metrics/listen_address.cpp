#include "metrics/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace validprof::metrics {
namespace {

common::Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || stop != end || value > 65535)
        return common::make_error("--metrics '" + std::string(whole) + "': the port must be a number from 0 to 65535");
    return static_cast<std::uint16_t>(value);
}

}  // namespace

common::Result<ListenAddress> parse_listen_address(std::string_view text) {
    std::string_view host = "127.0.0.1";
    std::string_view port_text = text;
    bool bracketed = false;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return common::make_error("--metrics '" + std::string(text) + "': write an IPv6 address as [ADDR]:PORT");
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
        bracketed = true;
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.empty())
            return common::make_error("--metrics '" + std::string(text) +
                                      "': name the address: 127.0.0.1:PORT (this machine only) or "
                                      "0.0.0.0:PORT (every interface)");
        if (host.find(':') != std::string_view::npos)
            return common::make_error("--metrics '" + std::string(text) + "': write an IPv6 address as [ADDR]:PORT");
    }
    auto port = parse_port(port_text, text);
    if (!port) return port.error();
    if (host == "localhost") host = "127.0.0.1";

    ListenAddress result;
    const std::string host_text(host);
    if (!bracketed) {
        auto* ipv4 = reinterpret_cast<sockaddr_in*>(&result.address);
        if (inet_pton(AF_INET, host_text.c_str(), &ipv4->sin_addr) == 1) {
            ipv4->sin_family = AF_INET;
            ipv4->sin_port = htons(*port);
            result.length = sizeof(sockaddr_in);
            result.family = AF_INET;
            return result;
        }
    } else {
        auto* ipv6 = reinterpret_cast<sockaddr_in6*>(&result.address);
        if (inet_pton(AF_INET6, host_text.c_str(), &ipv6->sin6_addr) == 1) {
            ipv6->sin6_family = AF_INET6;
            ipv6->sin6_port = htons(*port);
            result.length = sizeof(sockaddr_in6);
            result.family = AF_INET6;
            return result;
        }
    }
    return common::make_error("--metrics '" + std::string(text) + "': '" + host_text +
                              "' is not an IP address (host names other than localhost are not resolved)");
}

std::string format_address(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET6) {
        const auto* ipv6 = reinterpret_cast<const sockaddr_in6*>(&address);
        inet_ntop(AF_INET6, &ipv6->sin6_addr, text, sizeof text);
        return "[" + std::string(text) + "]:" + std::to_string(ntohs(ipv6->sin6_port));
    }
    const auto* ipv4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &ipv4->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(ipv4->sin_port));
}

}  // namespace validprof::metrics
