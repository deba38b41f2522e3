// Builders for synthetic sessions and invocations, so each test states only
// the fields it checks.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/invocation.h"
#include "model/session.h"

namespace validprof::report::testing {

constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint64_t kSec = 1'000'000'000;

inline model::SchedTimes times(std::uint64_t on_cpu, std::uint64_t run_queue, std::uint64_t sleep,
                               std::uint64_t blocked, std::uint64_t voluntary = 0,
                               std::uint64_t involuntary = 0,
                               std::map<std::uint32_t, std::uint64_t> per_cpu = {}) {
    model::SchedTimes t;
    t.on_cpu_ns = on_cpu;
    t.run_queue_wait_ns = run_queue;
    t.off_cpu_sleep_ns = sleep;
    t.off_cpu_blocked_ns = blocked;
    t.voluntary_switches = voluntary;
    t.involuntary_switches = involuntary;
    t.on_cpu_ns_per_cpu = std::move(per_cpu);
    return t;
}

inline model::ProcessRecord process(std::int32_t pid, std::int32_t ppid, std::string argv,
                                    std::uint64_t start_ns, std::uint64_t end_ns,
                                    std::int32_t exit_code = 0, model::SchedTimes t = {}) {
    model::ProcessRecord p;
    p.pid = pid;
    p.ppid = ppid;
    p.argv = argv;
    p.exe = argv.substr(0, argv.find(' '));
    p.comm = p.exe.substr(p.exe.rfind('/') + 1);
    p.start_ns = start_ns;
    p.end_ns = end_ns;
    p.exited = end_ns != 0;
    p.exit_code = exit_code;
    p.times = std::move(t);
    return p;
}

// A complete invocation with `process_count` trivial processes unless the
// caller fills in processes itself.
inline model::Invocation invocation(std::string hook, std::uint64_t start_ns, std::uint64_t wall_ns,
                                    bool complete = true, std::int32_t exit_code = 0,
                                    model::SchedTimes t = {}, std::size_t process_count = 1) {
    model::Invocation inv;
    inv.hook = std::move(hook);
    inv.root_pid = 1000 + static_cast<std::int32_t>(start_ns / kMs % 30000);
    inv.start_ns = start_ns;
    inv.root_end_ns = complete ? start_ns + wall_ns : 0;
    inv.last_end_ns = start_ns + wall_ns;
    inv.complete = complete;
    inv.exit_code = exit_code;
    inv.times = std::move(t);
    for (std::size_t i = 0; i < process_count; ++i) {
        const auto pid = inv.root_pid + static_cast<std::int32_t>(i);
        inv.processes.push_back(process(pid, i == 0 ? 1 : inv.root_pid, "/bin/true", start_ns,
                                        complete ? start_ns + wall_ns : 0));
    }
    return inv;
}

// A complete one-second session starting at Unix time 1'700'000'000 s whose
// monotonic clock reads 0 at Unix time 1'699'999'000 s, so monotonic
// 1000 s is the session start.
inline model::SessionSummary session(bool complete = true,
                                     std::map<std::string, std::uint64_t> lost = {}) {
    model::SessionSummary s;
    s.id = 7;
    s.info.command = "record";
    s.info.target = "git commit -m test";
    s.info.host = "buildhost";
    s.info.kernel_release = "6.8.0-test";
    s.info.rules = "pre-commit=.*/pre-commit$";
    s.info.start_unix_ns = 1'700'000'000LL * 1'000'000'000LL;
    s.info.monotonic_to_unix_offset_ns = 1'699'999'000LL * 1'000'000'000LL;
    s.complete = complete;
    if (complete) s.end.end_unix_ns = s.info.start_unix_ns + static_cast<std::int64_t>(kSec);
    s.end.lost_events = std::move(lost);
    s.end.events_received = 4242;
    return s;
}

// Monotonic time `offset_ns` after the synthetic session's start.
inline std::uint64_t at(std::uint64_t offset_ns) { return 1000 * kSec + offset_ns; }

}  // namespace validprof::report::testing
