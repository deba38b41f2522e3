// The alert-threshold file of a rollout (probes/phase4-thresholds.yaml
// ships the seed assessment's values): `performance_alerts:` with a warning
// and a critical limit per metric, and `rollout:` stages with their success
// criterion and rollback trigger. See docs/assessment.md for the format.
//
// A limit is relative ("+5%": a change from the base session, needs
// `check --diff`), a share ("80%": of the session's CPU time on a core), or
// a duration ("100ms"). Which forms a metric takes, and what it measures,
// is fixed per metric (metric_forms in the .cpp); a limit is exceeded when
// the measured value is strictly above it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace validprof::thresholds {

enum class Metric { ResponseTime, CpuUsage, MemoryUsage, HookExecution, DatabaseQueries };

enum class LimitKind {
    Relative,  // value: fraction, 0.05 for "+5%"
    Percent,   // value: percent, 80 for "80%"
    Duration,  // value: nanoseconds
};

struct Limit {
    LimitKind kind = LimitKind::Relative;
    double value = 0;
    std::string text;  // as written, for the output
    int line = 0;
};

struct AlertThreshold {
    Metric metric = Metric::ResponseTime;
    std::optional<Limit> warning;
    std::optional<Limit> critical;
    int line = 0;
};

// A stage's success criterion or rollback trigger: a relative change of
// each hook's p99 wall time, or "sla": the performance alerts themselves
// (success: none above warning; rollback: one critical).
struct StageCriterion {
    bool sla = false;
    double relative = 0;  // fraction, when !sla
    std::string text;
    int line = 0;
};

struct RolloutStage {
    std::string name;
    double traffic_percent = 0;
    std::string duration;    // informational ("1 week")
    std::string monitoring;  // informational
    StageCriterion max_impact;
    StageCriterion rollback_trigger;
    int line = 0;
};

struct ThresholdFile {
    std::vector<AlertThreshold> alerts;  // in file order
    std::vector<RolloutStage> stages;    // in file order (rising traffic)
};

// Errors read "LINE: message".
common::Result<ThresholdFile> parse_threshold_file(const std::string& text);
// Errors read "PATH:LINE: message" (or "PATH: ..." when it cannot be read).
common::Result<ThresholdFile> load_threshold_file(const std::string& path);

// probes/phase4-thresholds.yaml as built into the binary, parsed.
ThresholdFile shipped_thresholds();
inline constexpr const char* kShippedThresholdsName = "probes/phase4-thresholds.yaml (built in)";

std::string metric_name(Metric metric);
const RolloutStage* find_stage(const ThresholdFile& file, const std::string& name);

}  // namespace validprof::thresholds
