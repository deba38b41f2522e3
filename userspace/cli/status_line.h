// The live status line shown while observing: one line on a terminal,
// rewritten in place once a second; nothing at all when stderr is not a
// terminal (logs and CI output stay clean).
#pragma once

#include <chrono>
#include <cstdint>

namespace validprof::cli {

struct ObserveProgress {
    double elapsed_seconds = 0;
    std::uint64_t invocations_seen = 0;
    std::uint64_t invocations_finished = 0;
    std::uint64_t events = 0;
    std::uint64_t lost_events = 0;
};

class StatusLine {
public:
    explicit StatusLine(bool enabled);
    ~StatusLine();
    // Redraws when a second has passed since the last draw.
    void update(const ObserveProgress& progress);
    // Shows what validprof is doing at once (loading BPF programs,
    // symbolizing stacks): the seconds before and after observing, when
    // the counters do not move. The next update() redraws the counters.
    // With -v each step is also logged with the time since the start, so
    // the time to be ready and to stop can be read step by step.
    void step(const char* what);
    // Logs a moment of that timeline without showing it ("observing").
    void mark(const char* what) const;
    // Removes the line so that what follows starts on a clean line.
    void clear();

private:
    bool enabled_;
    std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_draw_{};
};

// True when stderr is a terminal.
bool stderr_is_terminal();

}  // namespace validprof::cli
