// How model values map to SQLite columns, shared by the store files.
//
// SQLite integers are signed 64-bit. Unsigned model values are stored with
// their bit pattern: lossless for the whole uint64 range, and identical to
// the numeric value up to 2^63-1 so SQL comparisons and sums work for any
// real clock or counter.
#pragma once

#include <cstdint>

#include "model/sched_times.h"
#include "storage/sqlite_handle.h"

namespace validprof::storage {

inline std::int64_t to_sql(std::uint64_t value) { return static_cast<std::int64_t>(value); }
inline std::uint64_t from_sql(std::int64_t value) { return static_cast<std::uint64_t>(value); }

// Column list of the SchedTimes counters, in the order the two functions
// below bind and read them.
#define VP_SCHED_COLUMNS \
    "on_cpu_ns, run_queue_wait_ns, off_cpu_sleep_ns, off_cpu_blocked_ns, voluntary_switches, involuntary_switches"

inline void bind_sched_times(Statement& statement, int first_index, const model::SchedTimes& times) {
    statement.bind_int(first_index + 0, to_sql(times.on_cpu_ns));
    statement.bind_int(first_index + 1, to_sql(times.run_queue_wait_ns));
    statement.bind_int(first_index + 2, to_sql(times.off_cpu_sleep_ns));
    statement.bind_int(first_index + 3, to_sql(times.off_cpu_blocked_ns));
    statement.bind_int(first_index + 4, to_sql(times.voluntary_switches));
    statement.bind_int(first_index + 5, to_sql(times.involuntary_switches));
}

inline void read_sched_times(const Statement& statement, int first_column, model::SchedTimes& times) {
    times.on_cpu_ns = from_sql(statement.column_int(first_column + 0));
    times.run_queue_wait_ns = from_sql(statement.column_int(first_column + 1));
    times.off_cpu_sleep_ns = from_sql(statement.column_int(first_column + 2));
    times.off_cpu_blocked_ns = from_sql(statement.column_int(first_column + 3));
    times.voluntary_switches = from_sql(statement.column_int(first_column + 4));
    times.involuntary_switches = from_sql(statement.column_int(first_column + 5));
}

}  // namespace validprof::storage
