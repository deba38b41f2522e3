// Where `attach --metrics` listens. Loopback unless the user names another
// address: a profiler's view of the machine's hooks (command names, SQL
// shapes) is not something to publish on every interface by default.
//
//   9464             127.0.0.1:9464
//   localhost:9464   127.0.0.1:9464
//   0.0.0.0:9464     every IPv4 interface (asked for by name)
//   [::1]:9464       IPv6 loopback
//   127.0.0.1:0      a free port chosen by the kernel (tests)
//
// Host names other than localhost are refused rather than resolved: a
// listening address must not depend on DNS.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace validprof::metrics {

struct ListenAddress {
    sockaddr_storage address{};
    socklen_t length = 0;
    int family = 0;  // AF_INET or AF_INET6
};

common::Result<ListenAddress> parse_listen_address(std::string_view text);

// "127.0.0.1:9464" or "[::1]:9464": the form a Prometheus scrape target takes.
std::string format_address(const sockaddr_storage& address);

}  // namespace validprof::metrics
