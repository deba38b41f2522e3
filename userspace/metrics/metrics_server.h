// The /metrics endpoint: a minimal HTTP/1.1 server on a thread of its own,
// enough for Prometheus' scraper, curl and a browser. One connection at a
// time, each closed after its response (scrapes come every few seconds,
// not concurrently); a client that stalls is dropped after kIoTimeoutMs so
// it cannot hold the endpoint. GET or HEAD of /metrics renders the registry;
// anything else is answered 404 or 405.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"
#include "common/unique_fd.h"
#include "metrics/listen_address.h"
#include "metrics/metrics_registry.h"

namespace validprof::metrics {

inline constexpr int kIoTimeoutMs = 2000;

class MetricsServer {
public:
    // Binds and listens before returning, so an address in use or a port
    // below 1024 without privileges is an error here, not a silent thread.
    static common::Result<std::unique_ptr<MetricsServer>> start(const ListenAddress& address,
                                                                const MetricsRegistry& registry);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // The address actually bound ("127.0.0.1:9464"; the kernel's choice
    // when port 0 was asked for).
    const std::string& bound_address() const { return bound_address_; }
    std::uint64_t requests_served() const { return requests_served_; }

private:
    MetricsServer(common::UniqueFd listener, common::UniqueFd wake, const MetricsRegistry& registry,
                  std::string bound_address);
    void serve();
    void answer(int connection);

    common::UniqueFd listener_;
    common::UniqueFd wake_;  // eventfd: written once to stop the thread
    const MetricsRegistry& registry_;
    std::string bound_address_;
    std::atomic<std::uint64_t> requests_served_{0};
    std::thread thread_;
};

}  // namespace validprof::metrics
