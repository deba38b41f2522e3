// SIGINT/SIGTERM handling for the observing commands: the first signal asks
// the main loop to stop (detach, flush, summarise, exit 0); handlers are
// restored when the guard goes away.
#pragma once

#include <signal.h>

namespace validprof::cli {

class StopSignals {
public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    bool requested() const;
    // The signal that asked to stop, 0 if none.
    int signal_number() const;

private:
    struct sigaction previous_int_ {};
    struct sigaction previous_term_ {};
};

}  // namespace validprof::cli
