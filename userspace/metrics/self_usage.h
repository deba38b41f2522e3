// validprof's own cost as Prometheus' client libraries name it for every
// process (process_cpu_seconds_total, process_resident_memory_bytes,
// process_start_time_seconds), so the usual dashboards show the profiler's
// footprint next to the hooks it watches. Read from /proc/self.
#pragma once

#include <optional>

namespace validprof::metrics {

struct SelfUsage {
    double cpu_seconds = 0;         // user + system, all threads
    double resident_bytes = 0;      // RSS
    double start_time_seconds = 0;  // Unix time the process started
};

std::optional<SelfUsage> read_self_usage();

}  // namespace validprof::metrics
