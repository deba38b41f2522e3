// One small session used by the JSON and text report tests, with its
// expected numbers worked out by hand in the comments.
#pragma once

#include "report/report_input.h"
#include "synthetic.h"

namespace validprof::report::testing {

// Session: complete, exactly 1 s long, nothing lost (two reasons at zero).
// pre-commit A: starts at +100 ms, wall 300 ms, exit 0, on-CPU 150 ms on
//   cpu0 + 50 ms on cpu1. Root forked 2 ms before its exec (offset -2 ms);
//   a child ran +50..+150 ms after the start and exited 1.
// pre-commit B: starts at +500 ms, wall 100 ms, exit 1, 50 ms on cpu1.
// pre-push C:  starts at +600 ms, incomplete (last seen at +800 ms),
//   30 ms on cpu2.
// pre-push D:  starts at +700 ms, wall 50 ms, exit 0, 20 ms on cpu2.
//
// pre-commit: 2 runs, 1 failed, p50 100 ms, p90..max 300 ms, mean 200 ms,
//   cpu0 150 ms (15.0% of 1 s), cpu1 100 ms (10.0%).
// pre-push: 2 runs, 1 incomplete, p50..max 50 ms, cpu2 50 ms (5.00%).
// Slowest complete: A (300 ms), B (100 ms), D (50 ms); C is excluded.
inline ReportInput scenario() {
    ReportInput input;
    input.session = session(true, {{"ringbuf_full_exec", 0}, {"tracked_map_full", 0}});

    model::Invocation a = invocation("pre-commit", at(100 * kMs), 300 * kMs, true, 0,
                                     times(200 * kMs, 10 * kMs, 50 * kMs, 40 * kMs, 10, 2,
                                           {{0, 150 * kMs}, {1, 50 * kMs}}),
                                     0);
    a.id = 1;
    a.root_pid = 100;
    a.processes.push_back(process(100, 1, "/bin/sh .git/hooks/pre-commit", at(98 * kMs),
                                  at(400 * kMs), 0,
                                  times(20 * kMs, 1 * kMs, 250 * kMs, 5 * kMs, 3, 1)));
    a.processes.push_back(process(101, 100, "/usr/bin/clang-format --dry-run src/main.cpp",
                                  at(150 * kMs), at(250 * kMs), 1 << 8,
                                  times(80 * kMs, 9 * kMs, 0, 11 * kMs, 7, 1)));
    model::Invocation b = invocation("pre-commit", at(500 * kMs), 100 * kMs, true, 1 << 8,
                                     times(50 * kMs, 0, 0, 0, 0, 0, {{1, 50 * kMs}}));
    b.id = 2;
    model::Invocation c = invocation("pre-push", at(600 * kMs), 200 * kMs, false, 0,
                                     times(30 * kMs, 0, 0, 0, 0, 0, {{2, 30 * kMs}}));
    c.id = 3;
    model::Invocation d = invocation("pre-push", at(700 * kMs), 50 * kMs, true, 0,
                                     times(20 * kMs, 0, 0, 0, 0, 0, {{2, 20 * kMs}}));
    d.id = 4;
    // Stored order is not time order: the report must not depend on it.
    input.invocations = {d, b, c, a};
    input.session.invocation_count = input.invocations.size();
    return input;
}

}  // namespace validprof::report::testing
