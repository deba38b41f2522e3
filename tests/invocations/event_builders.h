// Synthetic lifecycle events for the tracker tests: what the BPF side would
// send, written out by hand so each test states its event order.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "invocations/invocation_tracker.h"
#include "model/process_events.h"
#include "rules/rule_set.h"

namespace validprof::invocations::testing {

inline constexpr std::uint64_t kMs = 1'000'000;
inline constexpr std::uint64_t kLinger = 20 * kMs;

// The tids of the tracker's untrack requests, in order (and drained).
inline std::vector<std::int32_t> untracked_tids(InvocationTracker& tracker) {
    std::vector<std::int32_t> tids;
    for (const UntrackRequest& request : tracker.take_untrack_requests()) tids.push_back(request.tid);
    return tids;
}

inline model::ProcessEvent fork_of(std::uint64_t ts, std::int32_t parent, std::int32_t child) {
    return model::ForkEvent{ts, parent, parent, child, child};
}

inline model::ProcessEvent thread_of(std::uint64_t ts, std::int32_t pid, std::int32_t tid) {
    return model::ForkEvent{ts, pid, pid, pid, tid};
}

inline model::ProcessEvent exec_of(std::uint64_t ts, std::int32_t pid, std::int32_t ppid, std::string argv,
                                   std::string filename = "/usr/bin/node") {
    model::ExecEvent e;
    e.timestamp_ns = ts;
    e.pid = pid;
    e.ppid = ppid;
    e.filename = std::move(filename);
    e.argv = std::move(argv);
    const auto slash = e.filename.find_last_of('/');
    e.comm = e.filename.substr(slash == std::string::npos ? 0 : slash + 1, 15);
    return e;
}

inline model::SchedTimes on_cpu(std::initializer_list<std::pair<const std::uint32_t, std::uint64_t>> per_cpu,
                                std::uint64_t run_queue_wait_ns = 0) {
    model::SchedTimes t;
    t.on_cpu_ns_per_cpu = per_cpu;
    for (const auto& [cpu, ns] : per_cpu) t.on_cpu_ns += ns;
    t.run_queue_wait_ns = run_queue_wait_ns;
    t.voluntary_switches = 1;
    return t;
}

// The last thread of `pid` exits: the process is gone.
inline model::ProcessEvent exit_of(std::uint64_t ts, std::int32_t pid, std::int32_t ppid, std::int32_t code = 0,
                                   model::SchedTimes times = {}) {
    model::ExitEvent e;
    e.timestamp_ns = ts;
    e.pid = pid;
    e.tid = pid;
    e.ppid = ppid;
    e.exit_code = code;
    e.group_dead = true;
    e.times = std::move(times);
    return e;
}

// A thread exits while others of its process live on.
inline model::ProcessEvent thread_exit_of(std::uint64_t ts, std::int32_t pid, std::int32_t tid, std::int32_t ppid,
                                          model::SchedTimes times = {}) {
    model::ExitEvent e;
    e.timestamp_ns = ts;
    e.pid = pid;
    e.tid = tid;
    e.ppid = ppid;
    e.group_dead = false;
    e.times = std::move(times);
    return e;
}

inline rules::RuleSet test_rules() {
    auto rules = rules::RuleSet::parse(
        "post-edit = (^|[ /])hooks post-edit( |$)\n"
        "pre-command = (^|[ /])hooks pre-command( |$)\n"
        "git-pre-commit = (^|[ /])\\.git/hooks/pre-commit( |$)\n",
        "test rules");
    return std::move(rules).value();
}

inline TrackerOptions attach_options() {
    TrackerOptions options;
    options.mode = TrackingMode::Attach;
    options.linger_ns = kLinger;
    return options;
}

inline TrackerOptions record_options(std::string name) {
    TrackerOptions options;
    options.mode = TrackingMode::Record;
    options.linger_ns = kLinger;
    options.record_command_name = std::move(name);
    return options;
}

inline const char* kPostEdit = "npx claude-flow@alpha hooks post-edit --file a.ts";

}  // namespace validprof::invocations::testing
