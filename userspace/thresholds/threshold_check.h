// `validprof check`: measured figures against a threshold file, one line per
// threshold and subject (a hook, the busiest core), each OK, WARNING,
// CRITICAL or SKIP (cannot be measured from what was recorded; does not
// change the exit status, and says why).
//
// The verdict compares the point estimate with the limits (exceeded when
// strictly above); the bootstrap interval is printed beside it, and a note
// says when it straddles the limit that decided, so a reader sees which
// verdicts more runs could flip. A relative limit (a change between two
// sessions) is only exceeded by a detectable change, one whose interval
// excludes zero: otherwise the line stays OK with a note. Exit status: the worst verdict, 0 OK,
// 1 WARNING, 2 CRITICAL.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compare/change.h"
#include "compare/session_comparison.h"
#include "thresholds/threshold_file.h"

namespace validprof::thresholds {

enum class Verdict { Skip, Ok, Warning, Critical };

struct CheckLine {
    Verdict verdict = Verdict::Ok;
    std::string threshold;  // "hook_execution", "stage 4A"
    std::string subject;    // "post-edit p99", "busiest core (cpu1)"
    std::string measured;   // formatted value, "" for SKIP
    std::optional<compare::Interval> interval;
    std::string interval_text;  // formatted interval, "" when none
    std::string limit;      // "warning 100ms, critical 500ms"
    std::string note;       // decision (PROCEED/HOLD/ROLL BACK), uncertainty or why skipped
    double value = 0;       // in the limit's unit: fraction, percent or ns
};

struct CheckResult {
    std::vector<CheckLine> lines;
    Verdict worst = Verdict::Ok;
};

// candidate: the session checked (--session) or the candidate of --diff;
// base: nullptr unless --diff. stage: nullptr unless --stage.
CheckResult run_check(const ThresholdFile& file, const compare::SessionSample* base,
                      const compare::SessionSample& candidate, const RolloutStage* stage = nullptr,
                      const compare::BootstrapOptions& options = {});

int exit_status(Verdict worst);  // 0, 1, 2
const char* verdict_name(Verdict verdict);  // "OK", "WARNING", "CRITICAL", "SKIP"

std::string render_check_text(const CheckResult& result);
nlohmann::json render_check_json(const CheckResult& result);

}  // namespace validprof::thresholds
