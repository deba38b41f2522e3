#include "tracer/libbpf_logging.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace validprof::tracer {
namespace {

int forward_to_spdlog(enum libbpf_print_level level, const char* format, va_list args) {
    char buffer[2048];
    int written = std::vsnprintf(buffer, sizeof(buffer), format, args);
    if (written <= 0) return written;
    std::string message(buffer);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    switch (level) {
        case LIBBPF_WARN: spdlog::warn("libbpf: {}", message); break;
        case LIBBPF_INFO: spdlog::info("libbpf: {}", message); break;
        case LIBBPF_DEBUG: spdlog::debug("libbpf: {}", message); break;
    }
    return written;
}

}  // namespace

void route_libbpf_logging() { libbpf_set_print(forward_to_spdlog); }

}  // namespace validprof::tracer
