// What a report is made from: one stored session and its invocations, as
// userspace/storage loads them, plus what the user asked to see.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "model/invocation.h"
#include "model/phase.h"
#include "model/session.h"
#include "model/sqlite_activity.h"

namespace validprof::report {

struct ReportInput {
    model::SessionSummary session;
    std::vector<model::Invocation> invocations;  // any order
    std::optional<std::string> hook_filter;      // --hook: only this hook
    std::size_t slowest_count = 5;               // invocations listed with their processes
    // Text only: processes listed per slow invocation before "... N more".
    // A `make check` hook can fork thousands; JSON always lists them all.
    std::size_t max_processes_shown = 20;
    // Text only: the width to fit (the terminal's, see cli/terminal.h);
    // tables shrink and hide columns, prose wraps. 0: nothing is fitted or
    // cut (--wide).
    std::size_t width = 0;
    // USDT phases of the session (validprof record/attach --usdt); any order.
    std::vector<model::PhaseExecution> phases;
    // SQLite activity of the session; nullopt: not recorded (no database
    // section at all), empty: recorded and nothing seen.
    std::optional<model::SqliteActivity> sqlite;
};

}  // namespace validprof::report
