// The load-testing suite `validprof assess` runs: scenarios, each one hook
// workload recorded as its own session. The default suite is the seed
// assessment's appendix (baseline; 10% and 25% rollout; each rollout stage
// of the threshold file; peak load at twice the baseline's concurrency;
// Byzantine consensus stress over n and fault kinds; hook benchmarks;
// database performance under a concurrent writer), run against the
// validation core (`validcore hooks ...`) on a generated project. A suite
// file (docs/assessment.md) names other hook commands instead.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "thresholds/threshold_file.h"

namespace validprof::assess {

struct Scenario {
    std::string name;         // unique; also the session's work directory name
    std::string group;        // "baseline", "rollout", "stage", "peak", "consensus", "database", "custom"
    std::string description;  // one sentence for the report
    // Run by /bin/sh in a fresh directory, {rollout} replaced by
    // rollout_percent; `repeat` times in a row on each of `concurrency`
    // parallel workers ($WORKER: 0..concurrency-1).
    std::string command;
    double rollout_percent = 0;
    int repeat = 1;
    // Time-boxed instead (suite files' `duration:`): each worker runs the
    // command again and again until this many seconds have passed since
    // the scenario began (a run started before the end finishes). 0: use
    // `repeat`.
    double duration_seconds = 0;
    int concurrency = 1;
    std::string stage;  // the threshold file's stage it stands for, "" none
    // Consensus stress: for the report's consensus chart.
    int validators = 0;
    int faulty = 0;
    std::string fault_kind;
    bool concurrent_writer = false;
    // Memory pressure: run the scenario's processes in a memory cgroup with
    // this limit (bytes; 0: no limit), and read its peak and OOM kills.
    std::uint64_t memory_limit_bytes = 0;
};

struct Suite {
    std::string name;
    std::string baseline;  // name of the scenario every other one is compared with
    std::string hook;      // the hook whose latency decides (default "post-edit")
    std::vector<Scenario> scenarios;
    // Files the commands use, written into the output directory first
    // (name -> content); the default suite's workload script.
    std::vector<std::pair<std::string, std::string>> files;
};

struct DefaultSuiteOptions {
    std::string validcore;  // path of the validcore binary
    bool quick = false;     // a few invocations per scenario: the whole suite in under 3 minutes on 2 cores
};

Suite default_suite(const DefaultSuiteOptions& options, const thresholds::ThresholdFile& thresholds);

// A suite file; errors "PATH:LINE: message".
common::Result<Suite> load_suite_file(const std::string& path);

// The scenario's command with {rollout} filled in.
std::string scenario_command(const Scenario& scenario);

// What `sh -c` runs under `validprof record`: the command, taken from the
// environment variable kScenarioCommandVariable, `repeat` times on each of
// `concurrency` workers. The command text stays out of the wrapper's argv
// on purpose: hook rules match argv, and a wrapper whose argv held
// "hooks post-edit" would make the whole loop one invocation.
std::string shell_command(const Scenario& scenario);
inline constexpr const char* kScenarioCommandVariable = "VALIDPROF_SCENARIO_COMMAND";

// 'text' quoted for /bin/sh.
std::string shell_quote(const std::string& text);

}  // namespace validprof::assess
