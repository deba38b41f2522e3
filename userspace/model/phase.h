// A phase: an interval an application marked with a USDT probe pair
// (provider:NAME_start … provider:NAME_end) on one thread, measured by the
// kernel side. Collected by userspace/phases, stored by userspace/storage,
// summarised per hook by userspace/report.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace validprof::model {

struct PhaseExecution {
    std::int32_t pid = 0;
    std::int32_t tid = 0;
    std::string provider;  // USDT provider, e.g. "validcore"
    std::string phase;     // NAME of the NAME_start/NAME_end pair, e.g. "consensus"
    std::uint64_t start_ns = 0;  // CLOCK_MONOTONIC
    std::uint64_t end_ns = 0;
    std::uint64_t on_cpu_ns = 0;  // the thread's on-CPU time inside the phase
    std::map<std::uint32_t, std::uint64_t> on_cpu_ns_per_cpu;  // only CPUs with time

    std::uint64_t duration_ns() const { return end_ns > start_ns ? end_ns - start_ns : 0; }
    bool operator==(const PhaseExecution&) const = default;
};

}  // namespace validprof::model
