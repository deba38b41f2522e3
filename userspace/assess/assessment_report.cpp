#include "assess/assessment_report.h"

#include <cstdio>
#include <map>

#include "assess/svg_chart.h"
#include "compare/diff_output.h"
#include "text/duration_format.h"

namespace validprof::assess {
namespace {

using thresholds::Verdict;

constexpr double kSla100 = 100e6;
constexpr double kSla500 = 500e6;

std::string dur(double ns) { return text::format_duration(ns); }

std::string pct(double percent) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f%%", percent);
    return text;
}

std::string interval_ms(const compare::Estimate& e) {
    if (!e.computable) return "";
    return "[" + dur(e.interval.low) + ", " + dur(e.interval.high) + "]";
}

std::string change_text(const ScenarioResult& s, std::size_t index) {
    if (!s.versus_baseline || s.versus_baseline->wall.size() <= index) return "";
    const compare::Change& c = s.versus_baseline->wall[index];
    std::string text = c.relative ? compare::format_signed_percent(*c.relative) : compare::format_signed(c.difference, compare::Unit::Nanoseconds);
    if (c.relative_interval)
        text += " [" + compare::format_signed_percent(c.relative_interval->low) + ", " +
                compare::format_signed_percent(c.relative_interval->high) + "]";
    if (c.computable && !c.detected) text += " (no detectable change)";
    return text;
}

const char* decision(Verdict verdict) {
    return verdict == Verdict::Critical ? "ROLL BACK" : verdict == Verdict::Warning ? "HOLD" : "PROCEED";
}

const report::HookSummary* hook_summary(const ScenarioResult& s, const std::string& hook) {
    for (const report::HookSummary& h : s.hooks)
        if (h.hook == hook) return &h;
    return nullptr;
}

void summary(Document& doc, const Assessment& a) {
    doc.heading("Summary");
    char runtime[64];
    std::snprintf(runtime, sizeof(runtime), "%.0f s", a.total_seconds);
    doc.table({"item", "value"},
              {{"suite", a.suite_name},
               {"scenarios", std::to_string(a.scenarios.size()) + ", each recorded as its own session (validprof record --usdt --sql)"},
               {"baseline", a.baseline},
               {"decisive hook", a.hook},
               {"thresholds", a.thresholds_name},
               {"database", a.database},
               {"recording time", runtime},
               {"worst check verdict", thresholds::verdict_name(a.worst)},
               {"exit status", std::to_string(thresholds::exit_status(a.worst))}});
    doc.paragraph("Intervals are 95% bootstrap intervals over invocations (fixed seed, reproducible); a change whose "
                  "interval contains zero is 'no detectable change'. Verdicts compare the point estimate with the "
                  "limit; see docs/assessment.md for the statistics and what each threshold measures.");
}

void recommendations(Document& doc, const Assessment& a) {
    doc.heading("Recommendation per rollout stage");
    std::vector<std::vector<std::string>> rows;
    for (const ScenarioResult& s : a.scenarios) {
        if (s.scenario.stage.empty()) continue;
        std::string why;
        for (const thresholds::CheckLine& line : s.check.lines)
            if (line.verdict == s.check.worst && line.verdict >= Verdict::Warning) {
                why = line.threshold + ": " + line.subject + " = " + line.measured + " (" + line.limit + ")";
                break;
            }
        rows.push_back({s.scenario.stage, pct(s.scenario.rollout_percent), change_text(s, 2),
                        thresholds::verdict_name(s.check.worst), decision(s.check.worst), why});
    }
    if (rows.empty()) {
        doc.paragraph("The suite has no scenario standing for a rollout stage.");
        return;
    }
    doc.table({"stage", "traffic", a.hook + " p99 change vs baseline", "check", "recommendation", "deciding line"}, rows);
    doc.paragraph("PROCEED: every threshold and the stage's success criterion hold. HOLD: a warning (or the stage's "
                  "max impact exceeded). ROLL BACK: a critical threshold or the stage's rollback trigger.");
}

void latency(Document& doc, const Assessment& a) {
    doc.heading("Latency per scenario");
    std::vector<LatencyRow> rows;
    std::vector<IntervalBar> bars;
    std::vector<std::vector<std::string>> table;
    for (const ScenarioResult& s : a.scenarios) {
        const report::HookSummary* h = hook_summary(s, a.hook);
        LatencyRow row{s.scenario.name, s.walls, h ? static_cast<double>(h->p50_ns) : 0,
                       h ? static_cast<double>(h->p99_ns) : 0};
        if (s.scenario.group != "consensus" && s.scenario.group != "database") rows.push_back(row);
        bars.push_back({s.scenario.name, s.p99.value, s.p99.interval.low, s.p99.interval.high, s.p99.computable});
        table.push_back({s.scenario.name, pct(s.scenario.rollout_percent), std::to_string(s.scenario.concurrency),
                         std::to_string(s.hook_runs), std::to_string(s.hook_failed), h ? dur(static_cast<double>(h->p50_ns)) : "",
                         h ? dur(static_cast<double>(h->p95_ns)) : "", h ? dur(s.p99.value) : "", interval_ms(s.p99),
                         change_text(s, 0), change_text(s, 2)});
    }
    doc.chart(latency_strip_chart(rows, {kSla100, kSla500}),
              a.hook + " wall time of every invocation per scenario, with the 100 ms and 500 ms SLA lines");
    doc.chart(interval_bar_chart(bars, {kSla100, kSla500}, a.hook + " p99 wall time"),
              a.hook + " p99 per scenario with its 95% interval");
    doc.table({"scenario", "rollout", "workers", "runs", "failed", "p50", "p95", "p99", "p99 95% interval",
               "p50 change", "p99 change"},
              table);
    doc.heading("Hook benchmarks", 3);
    std::vector<std::vector<std::string>> hooks;
    for (const ScenarioResult& s : a.scenarios) {
        if (s.scenario.name != a.baseline && !(s.scenario.group == "stage" && s.scenario.rollout_percent == 100)) continue;
        for (const report::HookSummary& h : s.hooks)
            hooks.push_back({s.scenario.name, h.hook, std::to_string(h.count), dur(static_cast<double>(h.p50_ns)),
                             dur(static_cast<double>(h.p95_ns)), dur(static_cast<double>(h.p99_ns)),
                             dur(static_cast<double>(h.max_ns)), dur(h.mean_on_cpu_ns)});
    }
    doc.table({"scenario", "hook", "runs", "p50", "p95", "p99", "max", "on-CPU mean"}, hooks);
}

void cpu(Document& doc, const Assessment& a) {
    doc.heading("CPU per core: hooks and validation");
    std::vector<StackedRow> rows;
    for (const ScenarioResult& s : a.scenarios) {
        const double wall = static_cast<double>(s.phases.cpu.session_wall_ns);
        if (wall <= 0) continue;
        for (const auto& [cpu, hooks_ns] : s.phases.cpu.hooks_on_cpu_ns) {
            auto validation = s.phases.cpu.validation_on_cpu_ns.find(cpu);
            const double v = validation == s.phases.cpu.validation_on_cpu_ns.end() ? 0 : static_cast<double>(validation->second);
            const double h = static_cast<double>(hooks_ns);
            rows.push_back({s.scenario.name + " cpu" + std::to_string(cpu),
                            {std::max(0.0, h - v) * 100.0 / wall, v * 100.0 / wall}});
        }
    }
    doc.chart(stacked_bar_chart(rows, {"hooks outside validation", "validation phases"},
                                "percent of the session's wall time on each core"),
              "on-CPU time of the hooks on each core, split into validation phases (validcore checks, scoring, "
              "consensus) and the rest, as a share of the session's wall time");
}

void phases(Document& doc, const Assessment& a) {
    doc.heading("Phase breakdown");
    const ScenarioResult* richest = nullptr;
    for (const ScenarioResult& s : a.scenarios)
        if (!richest || s.phases.phases.size() > richest->phases.phases.size()) richest = &s;
    if (!richest || richest->phases.phases.empty()) {
        doc.paragraph("No USDT phases were recorded (the hooks carry no validcore probes).");
        return;
    }
    doc.paragraph("Scenario " + richest->scenario.name + " (the one with the most phases).");
    std::vector<std::vector<std::string>> rows;
    for (const report::PhaseSummary& p : richest->phases.phases)
        rows.push_back({p.hook, p.provider + ":" + p.phase, std::to_string(p.count), dur(static_cast<double>(p.p50_ns)),
                        dur(static_cast<double>(p.p99_ns)), dur(static_cast<double>(p.total_ns)),
                        pct(p.share_of_hook_wall_percent), dur(static_cast<double>(p.on_cpu_ns))});
    doc.table({"hook", "phase", "count", "p50", "p99", "total", "share of hook wall", "on-CPU"}, rows);
}

void consensus(Document& doc, const Assessment& a) {
    doc.heading("Byzantine consensus under stress");
    std::vector<std::vector<std::string>> rows;
    std::vector<IntervalBar> bars;
    for (const ScenarioResult& s : a.scenarios) {
        if (s.scenario.group != "consensus") continue;
        std::vector<double> durations;
        for (const model::PhaseExecution& p : s.sample.phases)
            if (p.provider == "validcore" && p.phase == "consensus") durations.push_back(static_cast<double>(p.duration_ns()));
        compare::Estimate p50 = compare::estimate(s.scenario.name + " consensus", durations, compare::Statistic::percentile(50));
        compare::Estimate p99 = compare::estimate(s.scenario.name + " consensus", durations, compare::Statistic::percentile(99));
        const double success = s.hook_runs ? 100.0 * static_cast<double>(s.hook_runs - s.hook_failed) / static_cast<double>(s.hook_runs) : 0;
        rows.push_back({s.scenario.name, std::to_string(s.scenario.validators), std::to_string(s.scenario.faulty),
                        s.scenario.fault_kind, std::to_string(durations.size()), durations.empty() ? "" : dur(p50.value),
                        durations.empty() ? "" : dur(p99.value), interval_ms(p99),
                        std::to_string(s.hook_runs - s.hook_failed) + "/" + std::to_string(s.hook_runs) + " (" + pct(success) + ")"});
        if (!durations.empty()) bars.push_back({s.scenario.name, p99.value, p99.interval.low, p99.interval.high, p99.computable});
    }
    if (rows.empty()) {
        doc.paragraph("The suite has no consensus stress scenario.");
        return;
    }
    if (!bars.empty())
        doc.chart(interval_bar_chart(bars, {10e9}, "consensus phase p99"),
                  "consensus latency (validcore:consensus phase) p99 against n and faults; dashed: the seed's 10 s target");
    doc.table({"scenario", "n", "f", "fault", "rounds", "p50", "p99", "p99 interval", "approved within the timeout"}, rows);
    doc.paragraph("Success: post-edit runs whose validators approved within the 10 s consensus timeout (the hook exits "
                  "non-zero otherwise, --fail-on-reject); the seed's KPI is >95%.");
}

void sqlite(Document& doc, const Assessment& a) {
    doc.heading("SQLite time per statement");
    std::vector<std::vector<std::string>> rows;
    for (const ScenarioResult& s : a.scenarios) {
        if (!s.sql || (s.scenario.name != a.baseline && s.scenario.group != "database" &&
                       !(s.scenario.group == "stage" && s.scenario.rollout_percent == 100)))
            continue;
        for (const report::StatementGroup& g : s.sql->statements)
            rows.push_back({s.scenario.name, g.sql.size() > 90 ? g.sql.substr(0, 87) + "..." : g.sql, std::to_string(g.count),
                            dur(static_cast<double>(g.total_ns)), dur(static_cast<double>(g.p50_ns)),
                            dur(static_cast<double>(g.p99_ns)), std::to_string(g.busy_results)});
    }
    if (rows.empty()) {
        doc.paragraph("No SQLite statements were recorded.");
        return;
    }
    doc.table({"scenario", "statement (normalized)", "executions", "total", "p50", "p99", "SQLITE_BUSY"}, rows);
    std::vector<std::vector<std::string>> hooks;
    for (const ScenarioResult& s : a.scenarios)
        if (s.database)
            for (const report::HookDatabaseSummary& h : s.database->hooks)
                if (h.hook == a.hook)
                    hooks.push_back({s.scenario.name, std::to_string(h.statements), dur(h.per_invocation(h.in_sqlite_ns)),
                                     dur(h.per_invocation(h.sync_ns)), std::to_string(h.syncs),
                                     std::to_string(h.lock_failures)});
    doc.table({"scenario", a.hook + " statements", "in SQLite per run", "fsync time per run", "fsyncs", "lock refusals"},
              hooks);
}

void memory(Document& doc, const Assessment& a) {
    doc.heading("Memory");
    doc.paragraph("Peak resident set of each process, read from the kernel at its exit (the figure wait4 reports as "
                  "ru_maxrss). Per scenario, for " + a.hook + ": the largest process of each complete invocation, "
                  "its mean and maximum; processes of one invocation overlap in time, so an invocation's true peak "
                  "lies between its largest process and the sum of its processes.");
    std::vector<std::vector<std::string>> rows;
    for (const ScenarioResult& s : a.scenarios)
        for (const report::HookSummary& h : s.hooks)
            if (h.hook == a.hook && h.max_process_rss_bytes > 0)
                rows.push_back({s.scenario.name,
                                text::format_bytes(static_cast<std::uint64_t>(h.mean_largest_process_rss_bytes)),
                                text::format_bytes(h.max_process_rss_bytes)});
    if (rows.empty()) {
        doc.paragraph("No peak RSS in these sessions.");
        return;
    }
    doc.table({"scenario", "largest process, mean", "largest process, max"}, rows);

    // Memory pressure: the scenarios run in a memory cgroup.
    std::vector<std::vector<std::string>> limited;
    for (const ScenarioResult& s : a.scenarios) {
        if (!s.scenario.memory_limit_bytes) continue;
        if (!s.run.memory_limit) {
            limited.push_back({s.scenario.name, text::format_bytes(s.scenario.memory_limit_bytes), "not applied",
                               s.run.memory_limit_note, "", ""});
            continue;
        }
        const MemoryLimitReading& m = *s.run.memory_limit;
        limited.push_back({s.scenario.name, text::format_bytes(m.limit_bytes),
                           m.peak_known ? text::format_bytes(m.peak_bytes) : "unknown (no memory.peak)",
                           m.oom_kills_known ? std::to_string(m.oom_kills) : "unknown", m.hierarchy,
                           std::to_string(s.hook_failed) + " of " + std::to_string(s.hook_runs)});
    }
    if (limited.empty()) return;
    doc.paragraph("Under a memory limit: every process of the scenario in one memory cgroup; the peak is the group's "
                  "own high-water mark of the memory charged to it, all its processes together (anonymous memory and "
                  "page cache first touched inside the group, as the limit counts them; shared libraries already "
                  "cached are charged elsewhere, so it can be below one process's peak RSS above), OOM kills the "
                  "kernel's count for the group.");
    doc.table({"scenario", "limit", "peak, all processes", "OOM kills", "hierarchy", a.hook + " failed"}, limited);
}

void projection_table(Document& doc, const Assessment& a) {
    doc.heading("Projected (seed) vs measured");
    std::vector<std::vector<std::string>> rows;
    for (const Projection& p : a.projections)
        rows.push_back({p.claim, p.projected, p.measured, p.interval, p.status, p.source});
    doc.table({"seed projection", "projected", "measured", "95% interval", "against the projection", "how measured"}, rows);
    doc.paragraph("The seed's figures were projected for a 16-core WSL2 host running claude-flow; these are measured on "
                  "this machine with validcore as the hook program. 'within' means inside the projected range.");
}

void checks(Document& doc, const Assessment& a) {
    doc.heading("Threshold checks");
    std::vector<std::vector<std::string>> rows;
    for (const ScenarioResult& s : a.scenarios)
        for (const thresholds::CheckLine& line : s.check.lines)
            rows.push_back({s.scenario.name, line.threshold, line.subject, thresholds::verdict_name(line.verdict),
                            line.measured, line.interval_text, line.limit, line.note});
    doc.table({"scenario", "threshold", "subject", "verdict", "measured", "interval", "limit", "note"}, rows);
}

void reproduce(Document& doc, const Assessment& a) {
    doc.heading("Reproduce");
    doc.paragraph("The whole assessment:");
    doc.code(a.command_line);
    std::string records;
    std::string derived;
    for (const ScenarioResult& s : a.scenarios) {
        records += "# " + s.scenario.name + " (session " + std::to_string(s.run.session_id) + ")\n" + s.run.record_command + "\n";
        derived += s.check_command + "\n";
        if (s.versus_baseline)
            derived += "validprof diff --db assessment.db " + std::to_string(find_scenario(a, a.baseline)->run.session_id) +
                       " " + std::to_string(s.run.session_id) + " --hook " + a.hook + "\n";
    }
    doc.paragraph("Each scenario's session (as root; workload.sh is in the output directory):");
    doc.code(records);
    doc.paragraph("Every figure above from the stored sessions (THRESHOLDS: " + a.thresholds_name +
                  "; validprof report --db assessment.db --session N shows the per-hook tables):");
    doc.code(derived);
}

}  // namespace

Document build_report(const Assessment& a) {
    Document doc;
    doc.title = "Rollout assessment: measured performance impact of completion validation";
    summary(doc, a);
    recommendations(doc, a);
    projection_table(doc, a);
    latency(doc, a);
    cpu(doc, a);
    phases(doc, a);
    consensus(doc, a);
    sqlite(doc, a);
    memory(doc, a);
    checks(doc, a);
    reproduce(doc, a);
    return doc;
}

}  // namespace validprof::assess
