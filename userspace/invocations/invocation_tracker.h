// From process lifecycle events to hook invocations.
//
// An invocation is the process tree rooted at the first process whose exec
// matches a hook rule: the root (often an `sh -c` running a pipeline) and
// every descendant, threads included. A rule match by a process already in
// an invocation stays part of the outer one, since a hook that triggers
// another hook is paying for it. An invocation ends when the root and all
// descendants have exited, and is handed out once a linger period has passed
// with no late event joining it.
//
// Two modes, matching what the kernel side tracks:
//  - Attach: the kernel provisionally tracks every newly exec'd process and
//    its children. The tracker keeps what belongs to an invocation and asks
//    (take_untrack_requests) for everything else to be dropped, so the hot
//    sched_switch path filters out unrelated tasks early.
//  - Record: the kernel tracks one command's tree from before its exec. Rule
//    matches inside it become invocations; if none ever matches, the whole
//    command is reported as one invocation.
//
// Events may arrive out of order (from other CPUs) or not at all (ring
// buffer full). The tracker accepts that: an exec or exit of an unknown pid
// whose parent is tracked joins the parent's tree; events whose ancestry is
// not known yet wait as *pending* processes for up to linger_ns, are adopted
// when their parent turns up, and otherwise count as unattributed.
// All timestamps are CLOCK_MONOTONIC nanoseconds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "invocations/process_table.h"
#include "model/invocation.h"
#include "model/process_events.h"
#include "model/sched_times.h"
#include "rules/rule_set.h"

namespace validprof::invocations {

enum class TrackingMode { Record, Attach };

struct TrackerOptions {
    TrackingMode mode = TrackingMode::Attach;
    // An invocation whose processes all exited is final only once
    // now - last_end_ns >= linger_ns: late events from other CPUs may still
    // join it. Also how long a pending process waits for its ancestry.
    std::uint64_t linger_ns = 20'000'000;
    // A process whose group died waits this long for the exits of threads
    // it is known to have (the kernel reports each thread at its own final
    // switch, or when its task is freed) before it is closed without them.
    std::uint64_t thread_exit_wait_ns = 2'000'000'000;
    // Record mode: invocation name when no rule matched (basename of the command).
    std::string record_command_name;
};

// A thread still alive at session end, read from the kernel's per-thread map.
struct LiveThread {
    std::int32_t pid = 0;
    std::int32_t tid = 0;
    model::SchedTimes times;  // partial: accumulated up to session end
};

// Attach mode: stop tracking this thread in the kernel, unless its process
// exec'd after the exec this decision was about (a wrapper that does not
// match a rule, exec'ing the hook that does: both execs can be read in one
// poll round, before the request reaches the kernel). The kernel keeps
// each thread's last exec time to compare. Nor when the tid now names a
// newer thread: the thread judged had been seen by `seen_by_ns`, and the
// kernel keeps when it began tracking each thread, so an entry tracked
// after that belongs to a thread that reused the tid (a request can reach
// the kernel after the thread it was about exited).
struct UntrackRequest {
    std::int32_t tid = 0;
    std::uint64_t judged_exec_ns = 0;
    std::uint64_t seen_by_ns = 0;
    bool operator==(const UntrackRequest&) const = default;
};

struct TrackerCounters {
    std::uint64_t events = 0;                // every event passed to on_event
    std::uint64_t invocations_started = 0;
    std::uint64_t invocations_finished = 0;  // handed out by take_finished or finish
    // Events of processes whose ancestry never became known: neither in an
    // invocation nor in the record tree, nor children of an ignored process.
    std::uint64_t unattributed_events = 0;
    // Known threads of exited processes whose exit never arrived within
    // thread_exit_wait_ns (or before the session ended): their last slice
    // is missing from the times.
    std::uint64_t thread_exits_unseen = 0;
};

class InvocationTracker {
public:
    InvocationTracker(rules::RuleSet rules, TrackerOptions options);

    // Record mode: the command's process, tracked by the kernel side before
    // its exec. It roots the command tree; `start_ns` is its fork time.
    void set_record_root(std::int32_t pid, std::uint64_t start_ns);

    void on_event(const model::ProcessEvent& event);

    // validprof's gate held the process `pid` (alive: it was just
    // continued) for `held_ns`; 0 when it was not listed as held.
    void note_gate_hold(std::int32_t pid, std::uint64_t held_ns);

    // Invocations whose processes all exited at least linger_ns before
    // now_ns (complete = true), in start order. Also expires pending
    // processes older than linger_ns.
    std::vector<model::Invocation> take_finished(std::uint64_t now_ns);

    // Attach mode: tids the kernel side should stop tracking (never any in
    // record mode). Drains the list.
    std::vector<UntrackRequest> take_untrack_requests();

    // Session end: adds live threads' partial times, then returns every
    // remaining invocation in start order; those with a process still alive
    // have complete = false and last_end_ns = now_ns. In record mode with no
    // rule match, the whole command tree is one invocation named
    // record_command_name. The tracker is empty afterwards.
    std::vector<model::Invocation> finish(std::uint64_t now_ns, const std::vector<LiveThread>& live_threads);

    const TrackerCounters& counters() const { return counters_; }
    std::size_t open_invocations() const;
    // Processes of record's command tree (outside any hook's invocation)
    // that have not exited: record waits for them as for open invocations,
    // so `sh -c 'slow & exit'` is recorded whole.
    std::size_t live_record_processes() const;
    // Processes of any invocation or of the command tree whose exit (that
    // of their last known thread) has not been read yet. Events come in
    // order through one ring buffer, so once this is 0 every fork that
    // preceded those exits has been read too: nothing known is running.
    std::size_t live_processes() const;

private:
    struct Group {
        GroupId id = kNoGroup;
        bool record_tree = false;  // the record-mode command tree, not an invocation
        std::string hook;
        ProcessKey root = kNoProcess;
        std::int32_t root_pid = 0;
        std::uint64_t start_ns = 0;
        // Every process that joined, in join order. Processes of the command
        // tree that move into an invocation stay listed here; `group` on the
        // process says where it belongs now.
        std::vector<ProcessKey> members;
        std::size_t alive = 0;         // members not exited
        std::uint64_t last_end_ns = 0; // latest exit among members
    };

    void on_fork(const model::ForkEvent& fork);
    void on_thread_start(const model::ForkEvent& fork);
    void on_exec(const model::ExecEvent& exec);
    void on_exit(const model::ExitEvent& exit);

    bool attach() const { return options_.mode == TrackingMode::Attach; }
    GroupId group_of(ProcessKey key) const;

    // Puts a process without a group where its known parent says: into the
    // parent's group, out (parent ignored), or pending until the parent shows.
    void place(TrackedProcess& process, std::uint64_t timestamp_ns);
    // Gives a pending process a group, then the pending processes waiting
    // for it as their parent, transitively.
    void adopt(ProcessKey key, GroupId group, ProcessKey parent);
    void join_group(Group& group, const TrackedProcess& process);
    void note_process_exit(const TrackedProcess& process);
    // After an exit event: a process whose group died ends once no thread it
    // is known to have is still running; until then it waits (awaiting_).
    void settle(TrackedProcess& process);
    // Closes processes that waited thread_exit_wait_ns (all if `all`).
    void stop_awaiting(std::uint64_t now_ns, bool all);
    // The group's latest end follows the process's.
    void note_process_end(const TrackedProcess& process);
    // An exited process this thread exit still belongs to: one of its known
    // threads that had not exited yet, or an unknown thread whose final
    // switch came after the group-ending thread's, within linger_ns.
    TrackedProcess* straggler_of(const model::ExitEvent& exit);
    void start_invocation(ProcessKey root, const rules::Rule& rule, std::uint64_t exec_ns);
    // Record mode: the root and its descendants in the command tree move to `to`.
    void move_subtree(ProcessKey root, GroupId from, GroupId to);

    // Attach mode: a process outside every invocation. Its tids are untracked
    // and its pid remembered for a while so in-flight events about it (and
    // its children's forks) are recognised rather than counted unattributed.
    void ignore_process(ProcessKey key);
    void mark_ignored(std::int32_t pid, std::uint64_t timestamp_ns);
    bool is_ignored(std::int32_t pid) const { return ignored_.contains(pid); }
    void expire_ignored(std::uint64_t now_ns);
    // Drops pending processes older than linger_ns (all of them if `all`).
    void expire_pending(std::uint64_t now_ns, bool all);
    // `judged_exec_ns`: the exec of the thread's process the decision was
    // about (0: none seen); `seen_by_ns`: an event of that thread's (its
    // start when known); see UntrackRequest.
    void untrack(std::int32_t tid, std::uint64_t judged_exec_ns, std::uint64_t seen_by_ns);
    // Every thread of the process.
    void untrack_threads(const TrackedProcess& process);

    model::Invocation build(const Group& group, std::uint64_t now_ns) const;
    void release(GroupId id);

    rules::RuleSet rules_;
    TrackerOptions options_;
    ProcessTable processes_;
    std::unordered_map<GroupId, Group> groups_;
    GroupId next_group_ = 1;
    GroupId record_group_ = kNoGroup;
    std::set<GroupId> drained_;  // invocations with no live process, waiting out the linger
    std::unordered_set<ProcessKey> pending_;
    // Processes whose group died while threads they are known to have had
    // not reported their exit yet: each ends with the last of those.
    std::unordered_set<ProcessKey> awaiting_;
    bool awaiting(const TrackedProcess& process) const { return awaiting_.contains(process.key); }
    std::unordered_map<std::int32_t, std::vector<ProcessKey>> pending_by_parent_;  // parent pid -> waiting children
    std::unordered_map<std::int32_t, std::uint64_t> ignored_;  // pid -> when ignored
    std::deque<std::pair<std::uint64_t, std::int32_t>> ignored_order_;  // expiry queue for ignored_
    std::uint64_t latest_event_ns_ = 0;
    std::vector<UntrackRequest> untrack_requests_;
    TrackerCounters counters_;
};

}  // namespace validprof::invocations
