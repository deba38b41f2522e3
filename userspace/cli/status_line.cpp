#include "cli/status_line.h"

#include <unistd.h>

#include <cstdio>

#include <spdlog/spdlog.h>

namespace validprof::cli {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

StatusLine::StatusLine(bool enabled) : enabled_(enabled) {}

StatusLine::~StatusLine() { clear(); }

void StatusLine::update(const ObserveProgress& progress) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_draw_ < std::chrono::seconds(1)) return;
    last_draw_ = now;
    drawn_ = true;
    std::fprintf(stderr,
                 "\r\033[K[validprof] %6.1fs  invocations %llu seen, %llu finished  events %llu  lost %llu",
                 progress.elapsed_seconds, static_cast<unsigned long long>(progress.invocations_seen),
                 static_cast<unsigned long long>(progress.invocations_finished),
                 static_cast<unsigned long long>(progress.events),
                 static_cast<unsigned long long>(progress.lost_events));
    std::fflush(stderr);
}

void StatusLine::mark(const char* what) const {
    const std::chrono::duration<double, std::milli> since = std::chrono::steady_clock::now() - created_;
    spdlog::debug("{:.1f} ms after start: {}", since.count(), what);
}

void StatusLine::step(const char* what) {
    mark(what);
    if (!enabled_) return;
    std::fprintf(stderr, "\r\033[K[validprof] %s...", what);
    std::fflush(stderr);
    drawn_ = true;
    last_draw_ = {};
}

void StatusLine::clear() {
    if (!enabled_ || !drawn_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace validprof::cli
