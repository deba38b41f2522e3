// The processes the invocation tracker currently knows, indexed by pid.
//
// Pids are reused, so a pid names a process only at a given time: the table
// gives every process it sees (every *incarnation* of a pid) its own key, and
// `lookup` decides from an event's timestamp whether the event belongs to the
// incarnation on record or to a newer process that reuses the pid.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/invocation.h"
#include "model/process_events.h"

namespace validprof::invocations {

using ProcessKey = std::uint64_t;  // one per observed process incarnation, never reused
inline constexpr ProcessKey kNoProcess = 0;

using GroupId = std::uint64_t;  // an invocation, or the record-mode command tree
inline constexpr GroupId kNoGroup = 0;

struct TrackedProcess {
    ProcessKey key = kNoProcess;
    model::ProcessRecord record;
    // Owning group; kNoGroup while the process is *pending*: seen, but its
    // ancestry is not known yet (its parent's events have not arrived).
    GroupId group = kNoGroup;
    ProcessKey parent = kNoProcess;    // parent incarnation once known
    std::vector<ProcessKey> children;  // forked children known to the table
    // Threads seen, by tid, the main thread (tid == pid) included.
    std::map<std::int32_t, model::ThreadRecord> threads;
    std::uint64_t first_seen_ns = 0;   // when pending: timestamp of its first event
    std::uint64_t pending_events = 0;  // events received while pending
    std::int32_t waiting_for_pid = 0;  // when pending: the parent pid it is registered under
};

class ProcessTable {
public:
    // The incarnation of `pid` that an event at `timestamp_ns` belongs to, or
    // kNoProcess. An exited process keeps receiving events stamped up to its
    // exit (late thread exits from other CPUs); a later event is a new
    // process reusing the pid.
    ProcessKey lookup(std::int32_t pid, std::uint64_t timestamp_ns) const;

    // The latest incarnation of `pid` on record, exited or not.
    ProcessKey current(std::int32_t pid) const;

    // A new incarnation of `pid`; it becomes current for that pid.
    TrackedProcess& create(std::int32_t pid, std::int32_t ppid, std::uint64_t first_seen_ns);

    TrackedProcess* find(ProcessKey key);
    const TrackedProcess* find(ProcessKey key) const;
    TrackedProcess& at(ProcessKey key) { return processes_.at(key); }

    // Forgets the incarnation; the pid index drops it only if it is current.
    void erase(ProcessKey key);

    std::size_t size() const { return processes_.size(); }

private:
    std::unordered_map<ProcessKey, TrackedProcess> processes_;
    std::unordered_map<std::int32_t, ProcessKey> by_pid_;
    ProcessKey next_key_ = 1;
};

// The thread `tid` of the process, recorded on first sight (created by
// `creator_tid` at `start_ns`, when known); keeps record.threads current.
model::ThreadRecord& note_thread(TrackedProcess& process, std::int32_t tid, std::int32_t creator_tid,
                                 std::uint64_t start_ns);

// The process's threads in creation order (the main thread first on ties),
// as the stored record carries them.
std::vector<model::ThreadRecord> threads_in_creation_order(const TrackedProcess& process);

// Known threads whose exit has not arrived.
std::size_t threads_still_running(const TrackedProcess& process);

// Accounting shared by every path that sees a thread exit: its times go to
// its process and it counts as a thread of it. Returns true when this event
// ended the process (the group's last thread, first time seen).
bool apply_exit(TrackedProcess& process, const model::ExitEvent& exit);

// Records an exec: path, argv and comm describe what the process runs now.
void apply_exec(TrackedProcess& process, const model::ExecEvent& exec);

}  // namespace validprof::invocations
