#include "bpf_support/libbpf_logging.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace validprof::bpf_support {
namespace {

int forward_to_spdlog(enum libbpf_print_level level, const char* format, va_list args) {
    // The verifier log arrives as one message of up to megabytes: size the
    // buffer to it rather than cut it.
    va_list measure;
    va_copy(measure, args);
    int length = std::vsnprintf(nullptr, 0, format, measure);
    va_end(measure);
    if (length <= 0) return length;
    std::string message(static_cast<std::size_t>(length) + 1, '\0');
    std::vsnprintf(message.data(), message.size(), format, args);
    message.resize(static_cast<std::size_t>(length));
    while (!message.empty() && message.back() == '\n') message.pop_back();
    switch (level) {
        case LIBBPF_WARN: spdlog::warn("libbpf: {}", message); break;
        case LIBBPF_INFO: spdlog::info("libbpf: {}", message); break;
        case LIBBPF_DEBUG: spdlog::debug("libbpf: {}", message); break;
    }
    return length;
}

}  // namespace

void route_libbpf_logging() { libbpf_set_print(forward_to_spdlog); }

}  // namespace validprof::bpf_support
