#include "assess/assessment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "compare/diff_output.h"

namespace validprof::assess {
namespace {

using compare::Change;

std::string ms(double ns) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f ms", ns / 1e6);
    return text;
}

std::string percent_interval(const compare::Interval& interval) {
    return "[" + compare::format_signed_percent(interval.low) + ", " + compare::format_signed_percent(interval.high) + "]";
}

// Where a measured value falls against a projected range.
std::string place(double value, double low, double high) {
    if (value < low) return "below";
    if (value > high) return "above";
    return "within";
}

Projection not_measured(std::string claim, std::string projected, std::string why) {
    return {std::move(claim), std::move(projected), "", "", "not measured", std::move(why)};
}

// Relative p99 change of the decisive hook against the baseline.
Projection relative_projection(const Assessment& a, const std::string& scenario, std::string claim, std::string projected,
                               double low, double high) {
    const ScenarioResult* s = find_scenario(a, scenario);
    if (!s || !s->versus_baseline || s->versus_baseline->wall.size() < 3 || !s->versus_baseline->wall[2].relative)
        return not_measured(std::move(claim), std::move(projected), "scenario " + scenario + " not in the suite or no runs");
    const Change& p99 = s->versus_baseline->wall[2];
    Projection p{std::move(claim), std::move(projected), compare::format_signed_percent(*p99.relative),
                 p99.relative_interval ? percent_interval(*p99.relative_interval) : "",
                 place(*p99.relative, low, high), scenario + " vs " + a.baseline + ": " + a.hook + " p99 change"};
    return p;
}

double consensus_p(const ScenarioResult& s, double percent) {
    std::vector<double> durations;
    for (const model::PhaseExecution& phase : s.sample.phases)
        if (phase.provider == "validcore" && phase.phase == "consensus")
            durations.push_back(static_cast<double>(phase.duration_ns()));
    if (durations.empty()) return -1;
    return compare::compute(compare::Statistic::percentile(percent), durations);
}

// The summary of `hook` in one scenario's session, if it ran there.
const report::HookSummary* hook_summary(const ScenarioResult& scenario, const std::string& hook) {
    for (const report::HookSummary& summary : scenario.hooks)
        if (summary.hook == hook) return &summary;
    return nullptr;
}

std::vector<Projection> projections(const Assessment& a) {
    std::vector<Projection> rows;
    const ScenarioResult* full = nullptr;
    for (const ScenarioResult& s : a.scenarios)
        if (s.scenario.group == "stage" && s.scenario.rollout_percent == 100) full = &s;
    const ScenarioResult* base = find_scenario(a, a.baseline);

    // Truth validation overhead: p50 of the hook with validation for all minus without.
    if (full && full->versus_baseline && !full->versus_baseline->wall.empty()) {
        const Change& p50 = full->versus_baseline->wall[0];
        rows.push_back({"Truth validation overhead per hook", "+10-50 ms per hook", compare::format_signed(p50.difference, compare::Unit::Nanoseconds),
                        p50.computable ? "[" + compare::format_signed(p50.difference_interval.low, compare::Unit::Nanoseconds) + ", " +
                                             compare::format_signed(p50.difference_interval.high, compare::Unit::Nanoseconds) + "]"
                                       : "",
                        place(p50.difference, 10e6, 50e6), full->scenario.name + " vs " + a.baseline + ": " + a.hook + " p50 change"});
    } else {
        rows.push_back(not_measured("Truth validation overhead per hook", "+10-50 ms per hook", "no 100% stage in the suite"));
    }
    // Byzantine consensus: the consensus phase at n = 4 without faults (the 100% stage).
    if (full && consensus_p(*full, 50) >= 0) {
        const double p50 = consensus_p(*full, 50);
        rows.push_back({"Byzantine consensus per critical decision", "+100-500 ms", ms(p50), "", place(p50, 100e6, 500e6),
                        full->scenario.name + ": validcore:consensus phase p50 (n=4)"});
    } else {
        rows.push_back(not_measured("Byzantine consensus per critical decision", "+100-500 ms", "no consensus phases recorded"));
    }
    // Database overhead per validation: SQLite time per invocation, 100% minus 0%.
    if (full && full->versus_baseline && full->versus_baseline->sql_compared) {
        double base_ns = 0, full_ns = 0;
        for (const compare::StatementChange& statement : full->versus_baseline->statements) {
            base_ns += statement.time.base;
            full_ns += statement.time.candidate;
        }
        rows.push_back({"Database query overhead per validation", "+5-20 ms per validation",
                        compare::format_signed(full_ns - base_ns, compare::Unit::Nanoseconds), "",
                        place(full_ns - base_ns, 5e6, 20e6),
                        full->scenario.name + " vs " + a.baseline + ": SQL statement time per " + a.hook + " (top statements)"});
    } else {
        rows.push_back(not_measured("Database query overhead per validation", "+5-20 ms per validation", "no SQLite data"));
    }
    // CPU: validation's on-CPU as a share of the session on the busiest core.
    if (full && full->phases.cpu.session_wall_ns > 0) {
        double busiest = 0;
        for (const auto& [cpu, ns] : full->phases.cpu.validation_on_cpu_ns)
            busiest = std::max(busiest, static_cast<double>(ns) * 100.0 / static_cast<double>(full->phases.cpu.session_wall_ns));
        char text[32];
        std::snprintf(text, sizeof(text), "+%.1f%%", busiest);
        rows.push_back({"CPU increase (validation)", "+8-26% CPU", text, "", place(busiest, 8, 26),
                        full->scenario.name + ": on-CPU in validation phases, busiest core, share of the session"});
    } else {
        rows.push_back(not_measured("CPU increase (validation)", "+8-26% CPU", "no validation phases recorded"));
    }
    // Memory: the decisive hook's largest process peak resident set (mean
    // over complete invocations), validation for all minus the baseline.
    const report::HookSummary* full_hook = full ? hook_summary(*full, a.hook) : nullptr;
    const report::HookSummary* base_hook = base ? hook_summary(*base, a.hook) : nullptr;
    if (full_hook && base_hook && full_hook->max_process_rss_bytes > 0 && base_hook->max_process_rss_bytes > 0) {
        const double delta = full_hook->mean_largest_process_rss_bytes - base_hook->mean_largest_process_rss_bytes;
        char text[48];
        std::snprintf(text, sizeof(text), "%+.1f MB per hook", delta / 1e6);
        rows.push_back({"Memory increase", "+350-900 MB (1-2.7%)", text, "", place(delta, 350e6, 900e6),
                        full->scenario.name + " vs " + a.baseline + ": " + a.hook +
                            " largest process peak RSS, mean per invocation (the seed's figure is for the whole host)"});
    } else {
        rows.push_back(not_measured("Memory increase", "+350-900 MB (1-2.7%)",
                                    "no peak RSS in the sessions (recorded before validprof kept it)"));
    }
    rows.push_back(relative_projection(a, "rollout-10", "Response time impact at 10% rollout", "+2-3%", 0.02, 0.03));
    rows.push_back(relative_projection(a, "rollout-25", "Response time impact at 25% rollout", "+4-6%", 0.04, 0.06));
    rows.push_back(relative_projection(a, "peak", "Response time impact at peak load", "+8-12%", 0.08, 0.12));
    // Consensus timing under normal load and under stress (seconds in the seed).
    if (full && consensus_p(*full, 50) >= 0) {
        const double p50 = consensus_p(*full, 50);
        rows.push_back({"Consensus timing, normal load", "2-10 s", ms(p50), "", place(p50, 2e9, 10e9),
                        full->scenario.name + ": validcore:consensus p50"});
    }
    double stress_p99 = -1;
    std::string stress_name;
    for (const ScenarioResult& s : a.scenarios)
        if (s.scenario.group == "consensus") {
            const double p99 = consensus_p(s, 99);
            if (p99 > stress_p99) {
                stress_p99 = p99;
                stress_name = s.scenario.name;
            }
        }
    if (stress_p99 >= 0)
        rows.push_back({"Consensus timing under stress", "5-30 s", ms(stress_p99), "", place(stress_p99, 5e9, 30e9),
                        stress_name + ": validcore:consensus p99 (the worst stress scenario)"});
    else
        rows.push_back(not_measured("Consensus timing under stress", "5-30 s", "no consensus stress scenario"));
    // Database impact under a concurrent writer: mean statement time change.
    const ScenarioResult* db_off = find_scenario(a, "database-writer-baseline");
    const ScenarioResult* db_on = find_scenario(a, "database-writer-validation");
    if (db_off && db_on && db_off->sample.sqlite && db_on->sample.sqlite) {
        std::vector<double> off, on;
        for (const auto& st : db_off->sample.sqlite->statements) off.push_back(static_cast<double>(st.duration_ns()));
        for (const auto& st : db_on->sample.sqlite->statements) on.push_back(static_cast<double>(st.duration_ns()));
        Change change = compare::compare_samples("database", off, on, compare::Statistic::mean());
        if (change.relative)
            rows.push_back({"Total database impact", "+5-25%", compare::format_signed_percent(*change.relative),
                            change.relative_interval ? percent_interval(*change.relative_interval) : "",
                            place(*change.relative, 0.05, 0.25),
                            "database-writer-validation vs database-writer-baseline: mean statement time"});
    } else {
        rows.push_back(not_measured("Total database impact", "+5-25%", "no database scenarios"));
    }
    // SLA: hook p99 < 100 ms at every stage.
    if (base) {
        double worst = 0;
        std::string where;
        for (const ScenarioResult& s : a.scenarios)
            if (s.p99.count && s.p99.value > worst) {
                worst = s.p99.value;
                where = s.scenario.name;
            }
        rows.push_back({"Hook execution p99 (SLA)", "< 100 ms", ms(worst), "", worst < 100e6 ? "within" : "above",
                        "worst " + a.hook + " p99 over all scenarios (" + where + ")"});
    }
    return rows;
}

}  // namespace

const ScenarioResult* find_scenario(const Assessment& assessment, const std::string& name) {
    for (const ScenarioResult& s : assessment.scenarios)
        if (s.scenario.name == name) return &s;
    return nullptr;
}

Assessment analyze(const Suite& suite, const std::vector<ScenarioRun>& runs,
                   std::vector<compare::SessionSample> sessions, const thresholds::ThresholdFile& thresholds,
                   const std::string& thresholds_name) {
    Assessment a;
    a.suite_name = suite.name;
    a.hook = suite.hook;
    a.baseline = suite.baseline;
    a.thresholds_name = thresholds_name;
    const compare::SessionSample* baseline = nullptr;
    for (std::size_t i = 0; i < runs.size(); ++i)
        if (suite.scenarios[i].name == suite.baseline) baseline = &sessions[i];

    for (std::size_t i = 0; i < runs.size(); ++i) {
        ScenarioResult s;
        s.scenario = suite.scenarios[i];
        s.run = runs[i];
        s.sample = sessions[i];
        s.hooks = report::summarize(s.sample.invocations);
        s.phases = report::summarize_phases(s.sample.invocations, s.sample.phases, s.sample.wall_ns);
        if (s.sample.sqlite) {
            s.sql = report::summarize_sql(s.sample.invocations, *s.sample.sqlite, std::nullopt, 8);
            s.database = report::summarize_database(s.sample.invocations, *s.sample.sqlite, std::nullopt);
        }
        s.walls = compare::wall_samples(s.sample.invocations, suite.hook);
        s.p99 = compare::estimate(suite.hook + " wall", s.walls, compare::Statistic::percentile(99));
        for (const model::Invocation& invocation : s.sample.invocations)
            if (invocation.hook == suite.hook) {
                ++s.hook_runs;
                s.hook_failed += invocation.exit_code != 0;
            }
        const bool is_baseline = s.scenario.name == suite.baseline;
        const thresholds::RolloutStage* stage =
            s.scenario.stage.empty() ? nullptr : thresholds::find_stage(thresholds, s.scenario.stage);
        if (baseline && !is_baseline) {
            compare::ComparisonRequest request;
            request.hook = suite.hook;
            request.top_statements = 8;
            auto comparison = compare::compare_sessions(*baseline, s.sample, request);
            if (!comparison.hooks.empty()) s.versus_baseline = comparison.hooks.front();
        }
        s.check = thresholds::run_check(thresholds, is_baseline || !baseline ? nullptr : baseline, s.sample,
                                        is_baseline ? nullptr : stage);
        if (is_baseline || !baseline)
            s.check_command = "validprof check --db assessment.db --thresholds THRESHOLDS --session " +
                              std::to_string(s.run.session_id);
        else
            s.check_command = "validprof check --db assessment.db --thresholds THRESHOLDS --diff " +
                              std::to_string(baseline->session_id) + " " + std::to_string(s.run.session_id) +
                              (stage ? " --stage " + stage->name : "");
        a.worst = std::max(a.worst, s.check.worst);
        a.total_seconds += s.run.seconds;
        a.scenarios.push_back(std::move(s));
    }
    a.projections = projections(a);
    return a;
}

}  // namespace validprof::assess
