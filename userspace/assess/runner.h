// Runs a suite: each scenario under `validprof record --usdt --sql` into
// one profile database, in a fresh work directory, its output in a log
// file. The recorder is validprof itself (the running binary), so the
// sessions are exactly what a user's `record` would store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "assess/memory_cgroup.h"
#include "assess/suite.h"
#include "common/result.h"

namespace validprof::assess {

struct RunOptions {
    std::string validprof;  // the validprof binary
    std::string out_dir;    // absolute; holds the database, logs, work directories
    std::string database;   // absolute path of the profile database (recreated)
};

struct ScenarioRun {
    std::string name;
    std::int64_t session_id = 0;
    int record_exit = 0;  // validprof record's exit status (the command's own, when it ran)
    double seconds = 0;   // wall time of the record, setup and teardown included
    std::string record_command;  // the command line that reproduces the session
    std::string log_path;
    // Scenarios with a memory limit: the cgroup's counters after the run,
    // or why no limit could be applied (the scenario then ran without).
    std::optional<MemoryLimitReading> memory_limit;
    std::string memory_limit_note;
};

// Stops at the first scenario that stores no session (the recorder failed
// to start: no privileges, no BPF), with its log's last line.
common::Result<std::vector<ScenarioRun>> run_suite(const Suite& suite, const RunOptions& options,
                                                   const std::function<void(const std::string&)>& progress);

}  // namespace validprof::assess
