// The observing loop behind `attach` and `record`: kernel events flow from
// the tracer into the invocation tracker; finished invocations are written
// to the profile database in one transaction per poll round; at the end
// (duration, command exit, SIGINT/SIGTERM) the session is closed with its
// lost-event counts and a short summary is printed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "metrics/listen_address.h"
#include "rules/rule_set.h"
#include "stacks/stack_collector.h"

namespace validprof::cli {

struct ObserveOptions {
    enum class Kind { Attach, Record };
    Kind kind = Kind::Attach;
    rules::RuleSet rules;
    std::string database_path;
    std::optional<double> duration_seconds;  // attach: stop after this long
    std::vector<std::string> command;        // record: the command and its arguments
    // record: after the command exits, how long to wait for descendants
    // that are still running before closing their invocations as incomplete.
    double drain_timeout_seconds = 10.0;
    bool show_status_line = false;
    // On-CPU and off-CPU stack profiles of the observed hooks (--stacks).
    std::optional<stacks::StackOptions> stacks;
    // Attach to USDT phase pairs (NAME_start/NAME_end) in every executable
    // the observed processes run (--usdt). Each new executable's first exec
    // is held (SIGSTOP) until its probes are attached, then continued.
    bool usdt = false;
    // SQLite inside the hooks (--sql): API uprobes on every copy the
    // processes run, and database file I/O. New executables and executable
    // mappings are held like --usdt's until inspected.
    bool sql = false;
    // Trace syncs, locks, forks and execs entry to exit for explain
    // (tracer::TracerOptions::syscall_spans).
    bool syscall_spans = false;
    // Record every off-CPU wait, not only those of 50 µs or more
    // (--timeline): `validprof timeline` then draws each thread's on-CPU,
    // run-queue, sleeping and blocked intervals.
    bool timeline = false;
    // Stream each finished invocation to stdout as one JSON object per
    // line (--json-lines), flushed as it is stored.
    bool json_lines = false;
    // Serve Prometheus metrics on this address while observing (--metrics).
    std::optional<metrics::ListenAddress> metrics_address;
};

struct ObserveOutcome {
    std::int64_t session_id = 0;
    std::uint64_t invocations = 0;
    int exit_code = 0;  // record: the command's; attach: 0
};

common::Result<ObserveOutcome> observe(ObserveOptions options);

}  // namespace validprof::cli
