// What the assessment report shows, computed once from the recorded
// sessions so the Markdown and the HTML cannot disagree: per scenario the
// hook summaries, phases, CPU per core (hooks and validation), SQLite
// statements, the decisive hook's p99 with its interval and its change
// against the baseline, and `check`'s verdict (the scenario's rollout stage
// when it stands for one); then the seed's projections against what was
// measured.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "assess/runner.h"
#include "assess/suite.h"
#include "compare/session_comparison.h"
#include "report/hook_summary.h"
#include "report/phase_summary.h"
#include "report/sqlite_summary.h"
#include "thresholds/threshold_check.h"

namespace validprof::assess {

struct ScenarioResult {
    Scenario scenario;
    ScenarioRun run;
    compare::SessionSample sample;
    std::vector<report::HookSummary> hooks;
    report::PhaseReport phases;
    std::optional<report::SqlReport> sql;  // top statements, when SQLite was recorded
    std::optional<report::DatabaseReport> database;
    // The decisive hook (suite.hook): its complete invocations' wall times,
    // p99 with interval, and its change against the baseline.
    std::vector<double> walls;
    compare::Estimate p99;
    std::optional<compare::HookComparison> versus_baseline;
    std::size_t hook_runs = 0;    // all invocations of the hook
    std::size_t hook_failed = 0;  // non-zero exit (consensus not reached / rejected)
    thresholds::CheckResult check;  // the baseline: alone; others: --diff baseline (and --stage)
    std::string check_command;
};

struct Projection {
    std::string claim;      // "Truth validation overhead per hook"
    std::string projected;  // the seed's words, "+10-50ms per hook"
    std::string measured;   // "", when not measured
    std::string interval;
    std::string status;     // "within", "below", "above", "not measured"
    std::string source;     // which scenarios and statistic
};

struct Assessment {
    std::string suite_name;
    std::string hook;
    std::string baseline;
    std::string thresholds_name;
    std::string out_dir;
    std::string database;
    std::string command_line;  // the assess invocation
    std::vector<ScenarioResult> scenarios;
    std::vector<Projection> projections;
    thresholds::Verdict worst = thresholds::Verdict::Ok;
    double total_seconds = 0;
};

// sessions: one per run, parallel to runs.
Assessment analyze(const Suite& suite, const std::vector<ScenarioRun>& runs,
                   std::vector<compare::SessionSample> sessions, const thresholds::ThresholdFile& thresholds,
                   const std::string& thresholds_name);

const ScenarioResult* find_scenario(const Assessment& assessment, const std::string& name);

}  // namespace validprof::assess
