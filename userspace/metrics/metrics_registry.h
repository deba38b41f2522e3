// What `attach --metrics` exposes, kept as running totals since the session
// began and rendered in Prometheus' text exposition format (version 0.0.4,
// which OpenMetrics scrapers also read). The observing loop adds each poll
// round's finished invocations, phases and SQLite activity; the HTTP
// thread renders on each scrape, so every call takes the one mutex.
//
// The figures follow `validprof report` for the same session: wall-time
// histograms and scheduler times cover complete invocations only (an
// incomplete one has no true wall time), counters count every invocation.
//
// Cardinality is bounded because every label value comes from the watched
// machine: hooks are bounded by the rules, phases by the USDT notes found;
// SQL statements are grouped by their normalized text (literals removed, as
// `report --sql` does) and after kMaxStatementSeries distinct texts the rest
// share the statement label "(other)".
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "model/invocation.h"
#include "model/phase.h"
#include "model/sqlite_activity.h"

namespace validprof::metrics {

inline constexpr std::size_t kMaxStatementSeries = 200;

// Classic histogram bucket bounds for hook wall time, in seconds: from the
// 5 ms a trivial shell hook takes to a minute, so histogram_quantile()
// resolves both a 50 ms post-edit hook and a slow pre-commit run.
inline constexpr double kWallBucketsSeconds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                 1.0,   2.5,  5.0,   10.0, 30.0, 60.0};

class MetricsRegistry {
public:
    void set_session(std::int64_t session_id);
    void add_invocations(const std::vector<model::Invocation>& invocations);
    void add_phases(const std::vector<model::PhaseExecution>& phases);
    void add_sqlite(const model::SqliteActivity& activity);
    // Lost-event and note counters are cumulative in the tracers: replaced,
    // not added.
    void set_lost_events(const std::map<std::string, std::uint64_t>& counters);

    // The exposition text. `self` figures (validprof's own CPU and memory)
    // are read from /proc/self at each call.
    std::string render() const;

private:
    struct HookTotals {
        std::uint64_t invocations = 0;
        std::uint64_t failures = 0;    // root exited non-zero or was killed
        std::uint64_t incomplete = 0;  // closed with processes unaccounted for
        std::uint64_t processes = 0;   // in complete invocations
        std::vector<std::uint64_t> wall_buckets = std::vector<std::uint64_t>(std::size(kWallBucketsSeconds), 0);
        std::uint64_t wall_count = 0;
        std::uint64_t wall_sum_ns = 0;
        model::SchedTimes times;  // complete invocations
    };
    struct PhaseTotals {
        std::uint64_t executions = 0;
        std::uint64_t duration_ns = 0;
        std::uint64_t on_cpu_ns = 0;
    };
    struct StatementTotals {
        std::uint64_t executions = 0;
        std::uint64_t duration_ns = 0;
        std::uint64_t rows = 0;
        std::uint64_t errors = 0;  // ended by a result other than SQLITE_DONE
        std::uint64_t busy_results = 0;
    };
    struct FileTotals {
        std::uint64_t syncs = 0;
        std::uint64_t sync_ns = 0;
        std::uint64_t lock_failures = 0;
        std::uint64_t write_bytes = 0;
    };

    mutable std::mutex mutex_;
    std::int64_t session_id_ = 0;
    std::map<std::string, HookTotals> hooks_;
    std::map<std::pair<std::string, std::string>, PhaseTotals> phases_;  // (provider, phase)
    std::map<std::string, StatementTotals> statements_;                  // normalized SQL
    std::map<std::string, FileTotals> files_;                            // by role: main, wal, ...
    std::map<std::string, std::uint64_t> lost_events_;
};

// A label value as the exposition format wants it: valid UTF-8 with
// backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

}  // namespace validprof::metrics
