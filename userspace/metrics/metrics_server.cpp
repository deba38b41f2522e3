#include "metrics/metrics_server.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace validprof::metrics {
namespace {

constexpr std::size_t kMaxRequestBytes = 8192;
constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string errno_text(int error) { return std::strerror(error); }

void set_timeouts(int fd) {
    timeval timeout{kIoTimeoutMs / 1000, (kIoTimeoutMs % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return;  // the client went away or stalled: nothing to tell it
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
}

std::string response(std::string_view status, std::string_view content_type, const std::string& body, bool head) {
    std::string text = "HTTP/1.1 ";
    text += status;
    text += "\r\nContent-Type: ";
    text += content_type;
    text += "\r\nContent-Length: " + std::to_string(body.size());
    text += "\r\nConnection: close\r\n\r\n";
    if (!head) text += body;
    return text;
}

}  // namespace

common::Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const ListenAddress& address,
                                                                     const MetricsRegistry& registry) {
    common::UniqueFd listener(socket(address.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener.valid()) return common::make_error("--metrics: socket: " + errno_text(errno), errno);
    const int yes = 1;
    // A restarted attach may rebind while the old connections sit in TIME_WAIT.
    setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(listener.get(), reinterpret_cast<const sockaddr*>(&address.address), address.length) != 0) {
        const int error = errno;
        return common::make_error("--metrics: cannot listen on " + format_address(address.address) + ": " +
                                      errno_text(error) +
                                      (error == EADDRINUSE ? " (another program has that port: choose another)" : ""),
                                  error);
    }
    if (listen(listener.get(), 16) != 0) return common::make_error("--metrics: listen: " + errno_text(errno), errno);
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &length) != 0)
        return common::make_error("--metrics: getsockname: " + errno_text(errno), errno);
    common::UniqueFd wake(eventfd(0, EFD_CLOEXEC));
    if (!wake.valid()) return common::make_error("--metrics: eventfd: " + errno_text(errno), errno);
    return std::unique_ptr<MetricsServer>(
        new MetricsServer(std::move(listener), std::move(wake), registry, format_address(bound)));
}

MetricsServer::MetricsServer(common::UniqueFd listener, common::UniqueFd wake, const MetricsRegistry& registry,
                             std::string bound_address)
    : listener_(std::move(listener)),
      wake_(std::move(wake)),
      registry_(registry),
      bound_address_(std::move(bound_address)),
      thread_([this] { serve(); }) {}

MetricsServer::~MetricsServer() {
    const std::uint64_t one = 1;
    if (write(wake_.get(), &one, sizeof one) < 0) {
        // The eventfd cannot be full after one write; nothing else can fail here.
    }
    if (thread_.joinable()) thread_.join();
}

void MetricsServer::serve() {
    // SIGINT and SIGTERM belong to the observing loop (cli/stop_signals):
    // delivered here, they would not wake it.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    for (;;) {
        pollfd watched[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
        if (poll(watched, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (watched[1].revents != 0) return;
        if ((watched[0].revents & POLLIN) == 0) continue;
        common::UniqueFd connection(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!connection.valid()) continue;  // the client gave up between poll and accept
        set_timeouts(connection.get());
        answer(connection.get());
    }
}

void MetricsServer::answer(int connection) {
    std::string request;
    char buffer[1024];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < kMaxRequestBytes) {
        const ssize_t got = recv(connection, buffer, sizeof buffer, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return;  // closed, or stalled past the timeout
        request.append(buffer, static_cast<std::size_t>(got));
    }
    const std::string_view first_line = std::string_view(request).substr(0, request.find("\r\n"));
    const auto space = first_line.find(' ');
    const auto second_space = first_line.find(' ', space == std::string_view::npos ? space : space + 1);
    if (space == std::string_view::npos || second_space == std::string_view::npos) {
        send_all(connection, response("400 Bad Request", "text/plain", "bad request\n", false));
        return;
    }
    const std::string_view method = first_line.substr(0, space);
    std::string_view path = first_line.substr(space + 1, second_space - space - 1);
    path = path.substr(0, path.find('?'));
    const bool head = method == "HEAD";
    if (method != "GET" && !head) {
        send_all(connection, response("405 Method Not Allowed", "text/plain", "only GET and HEAD\n", false));
        return;
    }
    ++requests_served_;
    if (path == "/metrics") {
        send_all(connection, response("200 OK", kContentType, registry_.render(), head));
    } else if (path == "/") {
        send_all(connection, response("200 OK", "text/plain; charset=utf-8",
                                      "validprof attach: metrics are at /metrics\n", head));
    } else {
        send_all(connection, response("404 Not Found", "text/plain", "not found: metrics are at /metrics\n", head));
    }
}

}  // namespace validprof::metrics
