// Reads what a validprof run stored, with plain SQL on the base tables
// (sessions, lost_events, invocations, processes) rather than through
// storage::ProfileDatabase: that class opens read-only only a database at
// its own latest schema version, and the benchmarks also measure validprof
// binaries of other versions (--validprof) to compare them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace validprof::bench {

struct StoredInvocation {
    std::string hook;
    std::int32_t root_pid = 0;
    std::uint64_t processes = 0;  // rows in processes
    bool complete = false;
    std::uint64_t wall_ns = 0;
};

struct StoredSession {
    std::int64_t id = 0;
    bool complete = false;
    std::uint64_t events_received = 0;
    std::uint64_t lost_events = 0;  // sum over the loss reasons (not the note_* rows)
    // Every row of lost_events by reason, the note_* ones included (e.g.
    // note_gate_holds, note_gate_held_us: what the gates cost).
    std::map<std::string, std::uint64_t> lost_by_reason;
    std::vector<StoredInvocation> invocations;  // in start order
};

// Sessions in the database; 0 while it (or its schema) does not exist yet.
std::size_t count_sessions(const std::string& db_path);

// The most recent session with its invocations.
common::Result<StoredSession> read_latest_session(const std::string& db_path);

}  // namespace validprof::bench
