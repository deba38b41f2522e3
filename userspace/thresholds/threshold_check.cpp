#include "thresholds/threshold_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "compare/diff_output.h"
#include "report/process_owners.h"
#include "text/text_layout.h"

namespace validprof::thresholds {
namespace {

using compare::Change;
using compare::SessionSample;
using compare::Statistic;

std::string percent_text(double percent) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f%%", percent);
    return text;
}

std::string value_text(double value, LimitKind kind) {
    switch (kind) {
        case LimitKind::Relative: return compare::format_signed_percent(value);
        case LimitKind::Percent: return percent_text(value);
        case LimitKind::Duration: return compare::format_value(value, compare::Unit::Nanoseconds);
    }
    return "";
}

std::string interval_text(const std::optional<compare::Interval>& interval, LimitKind kind) {
    if (!interval) return "";
    return "[" + value_text(interval->low, kind) + ", " + value_text(interval->high, kind) + "]";
}

std::string limits_text(const std::optional<Limit>& warning, const std::optional<Limit>& critical) {
    std::string text;
    if (warning) text += "warning " + warning->text;
    if (critical) text += std::string(text.empty() ? "" : ", ") + "critical " + critical->text;
    return text;
}

// The limits of one kind from an alert (a metric may mix kinds only across
// files: parse_alert keeps warning and critical the same kind).
LimitKind kind_of(const AlertThreshold& alert) { return (alert.warning ? alert.warning : alert.critical)->kind; }

// Strictly above, with room for rounding: +5% measured as 105/100 - 1 is
// 0.05000000000000004 in doubles and is at the limit, not above it.
bool exceeds(double value, double limit) { return value > limit + 1e-9 * std::max(1.0, std::abs(limit)); }

// significant: for a change between two sessions, whether its interval
// excludes zero (false too when either side has fewer than two runs). A change the data cannot tell from noise does not raise a
// verdict (a CI gate on a few dozen runs would otherwise flap): the line
// stays OK and says which limit the estimate passed.
CheckLine classify(const AlertThreshold& alert, std::string subject, double value,
                   std::optional<compare::Interval> interval, std::optional<bool> significant = std::nullopt) {
    CheckLine line;
    line.threshold = metric_name(alert.metric);
    line.subject = std::move(subject);
    line.value = value;
    const LimitKind kind = kind_of(alert);
    line.measured = value_text(value, kind);
    line.interval = interval;
    line.interval_text = interval_text(interval, kind);
    line.limit = limits_text(alert.warning, alert.critical);
    line.verdict = Verdict::Ok;
    const Limit* deciding = nullptr;
    if (alert.critical && exceeds(value, alert.critical->value)) {
        line.verdict = Verdict::Critical;
        deciding = &*alert.critical;
    } else if (alert.warning && exceeds(value, alert.warning->value)) {
        line.verdict = Verdict::Warning;
        deciding = &*alert.warning;
    }
    if (deciding && significant && !*significant) {
        line.verdict = Verdict::Ok;
        line.note = std::string("above the ") + (deciding == &*alert.critical ? "critical" : "warning") +
                    " limit but not a detectable change (its interval holds 0, or too few runs for one)";
        return line;
    }
    if (interval) {
        // The nearest limit the interval reaches past, in either direction.
        if (deciding && interval->low <= deciding->value)
            line.note = "interval reaches below the " + std::string(deciding == &*alert.critical ? "critical" : "warning") +
                        " limit";
        else if (line.verdict == Verdict::Warning && alert.critical && interval->high > alert.critical->value)
            line.note = "interval reaches past the critical limit";
        else if (line.verdict == Verdict::Ok) {
            const Limit* lowest = alert.warning ? &*alert.warning : &*alert.critical;
            if (interval->high > lowest->value) line.note = "interval reaches past the " +
                                                            std::string(lowest == &*alert.warning ? "warning" : "critical") +
                                                            " limit";
        }
    }
    return line;
}

CheckLine skipped(const std::string& threshold, const std::string& subject, const std::string& limit,
                  const std::string& why) {
    CheckLine line;
    line.verdict = Verdict::Skip;
    line.threshold = threshold;
    line.subject = subject;
    line.limit = limit;
    line.note = why;
    return line;
}

std::set<std::string> hooks_of(const SessionSample& session) {
    std::set<std::string> hooks;
    for (const model::Invocation& invocation : session.invocations) hooks.insert(invocation.hook);
    return hooks;
}

// Hooks' on-CPU share of the session's wall time on each core, percent.
std::map<std::uint32_t, double> cpu_shares(const SessionSample& session) {
    std::map<std::uint32_t, double> shares;
    if (session.wall_ns == 0) return shares;
    for (const model::Invocation& invocation : session.invocations)
        for (const auto& [cpu, ns] : invocation.times.on_cpu_ns_per_cpu) shares[cpu] += static_cast<double>(ns);
    for (auto& [cpu, ns] : shares) ns = ns * 100.0 / static_cast<double>(session.wall_ns);
    return shares;
}

std::pair<std::uint32_t, double> busiest(const std::map<std::uint32_t, double>& shares) {
    std::pair<std::uint32_t, double> best{0, 0.0};
    for (const auto& [cpu, share] : shares)
        if (share > best.second) best = {cpu, share};
    return best;
}

// Durations of the statements run by the hook's complete invocations.
std::vector<double> statement_samples(const SessionSample& session, const std::string& hook) {
    std::vector<double> samples;
    if (!session.sqlite) return samples;
    const report::ProcessOwners owners(session.invocations);
    for (const model::StatementExecution& statement : session.sqlite->statements) {
        const model::Invocation* owner = owners.at(statement.pid, statement.start_ns);
        if (owner && owner->complete && owner->hook == hook) samples.push_back(static_cast<double>(statement.duration_ns()));
    }
    return samples;
}

class Checker {
public:
    Checker(const SessionSample* base, const SessionSample& candidate, const compare::BootstrapOptions& options)
        : base_(base), candidate_(candidate), options_(options) {}

    void alert(const AlertThreshold& alert, std::vector<CheckLine>& lines) {
        const std::string name = metric_name(alert.metric);
        const std::string limits = limits_text(alert.warning, alert.critical);
        const LimitKind kind = kind_of(alert);
        if (kind == LimitKind::Relative && !base_) {
            lines.push_back(skipped(name, "all hooks", limits, "a relative limit needs --diff BASE CANDIDATE"));
            return;
        }
        switch (alert.metric) {
            case Metric::ResponseTime:
            case Metric::HookExecution:
                if (kind == LimitKind::Relative)
                    p99_changes(alert, lines);
                else
                    p99_values(alert, lines);
                return;
            case Metric::CpuUsage: cpu(alert, lines); return;
            case Metric::MemoryUsage: memory(alert, lines); return;
            case Metric::DatabaseQueries: database(alert, lines); return;
        }
    }

    // p99 relative change per hook in both sessions; cached for the stages.
    const Change* p99_change(const std::string& hook) {
        auto found = p99_cache_.find(hook);
        if (found != p99_cache_.end()) return &found->second;
        auto base = compare::wall_samples(base_->invocations, hook);
        auto candidate = compare::wall_samples(candidate_.invocations, hook);
        if (base.empty() || candidate.empty()) return nullptr;
        return &p99_cache_.emplace(hook, compare::compare_samples(hook + " wall", base, candidate,
                                                                  Statistic::percentile(99), options_))
                    .first->second;
    }

    std::vector<std::string> common_hooks() const {
        std::vector<std::string> hooks;
        const auto in_base = hooks_of(*base_);
        for (const std::string& hook : hooks_of(candidate_))
            if (in_base.count(hook)) hooks.push_back(hook);
        return hooks;
    }

private:
    void p99_changes(const AlertThreshold& alert, std::vector<CheckLine>& lines) {
        const std::string name = metric_name(alert.metric);
        const auto hooks = common_hooks();
        if (hooks.empty()) lines.push_back(skipped(name, "all hooks", limits_text(alert.warning, alert.critical),
                                                   "no hook has complete invocations in both sessions"));
        for (const std::string& hook : hooks) {
            const Change* change = p99_change(hook);
            if (!change || !change->relative) {
                lines.push_back(skipped(name, hook + " p99 change", limits_text(alert.warning, alert.critical),
                                        "no complete invocations (or a zero p99) in one session"));
                continue;
            }
            lines.push_back(classify(alert, hook + " p99 change", *change->relative, change->relative_interval,
                                     std::optional<bool>(change->computable && change->detected)));
        }
    }

    void p99_values(const AlertThreshold& alert, std::vector<CheckLine>& lines) {
        for (const std::string& hook : hooks_of(candidate_)) {
            const auto samples = compare::wall_samples(candidate_.invocations, hook);
            if (samples.empty()) {
                lines.push_back(skipped(metric_name(alert.metric), hook + " p99", limits_text(alert.warning, alert.critical),
                                        "no complete invocations"));
                continue;
            }
            compare::Estimate e = compare::estimate(hook + " wall", samples, Statistic::percentile(99), options_);
            lines.push_back(classify(alert, hook + " p99", e.value,
                                     e.computable ? std::optional<compare::Interval>(e.interval) : std::nullopt));
        }
    }

    void cpu(const AlertThreshold& alert, std::vector<CheckLine>& lines) {
        const auto candidate = cpu_shares(candidate_);
        if (candidate.empty()) {
            lines.push_back(skipped("cpu_usage", "busiest core", limits_text(alert.warning, alert.critical),
                                    "no on-CPU time or no session duration"));
            return;
        }
        const auto [cpu, share] = busiest(candidate);
        const std::string subject = "hooks on the busiest core (cpu" + std::to_string(cpu) + ")";
        if (kind_of(alert) == LimitKind::Percent) {
            lines.push_back(classify(alert, subject, share, std::nullopt));
            return;
        }
        const auto base = cpu_shares(*base_);
        const double base_share = busiest(base).second;
        if (base_share <= 0) {
            lines.push_back(skipped("cpu_usage", subject + " change", limits_text(alert.warning, alert.critical),
                                    "no on-CPU time in the base session"));
            return;
        }
        lines.push_back(classify(alert, subject + " change", share / base_share - 1.0, std::nullopt));
    }

    // Memory per hook: each complete invocation's largest process peak
    // resident set (model::ProcessRecord::peak_rss_bytes). `+N%`: the
    // change of its mean, with a bootstrap interval. `N%`: its largest
    // value as a share of this machine's memory (MemTotal, read when
    // checking), a conservative reading of "memory usage".
    void memory(const AlertThreshold& alert, std::vector<CheckLine>& lines) {
        const std::string limits = limits_text(alert.warning, alert.critical);
        const bool relative = kind_of(alert) == LimitKind::Relative;
        std::vector<std::string> hooks;
        if (relative) {
            hooks = common_hooks();
        } else {
            const std::set<std::string> all = hooks_of(candidate_);
            hooks.assign(all.begin(), all.end());
        }
        if (hooks.empty()) lines.push_back(skipped("memory_usage", "all hooks", limits, "no hook has complete invocations"));
        const double machine = machine_memory_bytes();
        for (const std::string& hook : hooks) {
            const auto candidate = largest_rss_samples(candidate_, hook);
            if (candidate.empty()) {
                lines.push_back(skipped("memory_usage", hook + " peak RSS", limits,
                                        "no memory figures (sessions stored before validprof recorded peak RSS)"));
                continue;
            }
            if (!relative) {
                if (machine <= 0) {
                    lines.push_back(skipped("memory_usage", hook + " peak RSS", limits, "cannot read MemTotal from /proc/meminfo"));
                    continue;
                }
                const double largest = *std::max_element(candidate.begin(), candidate.end());
                lines.push_back(classify(alert, hook + " largest process peak RSS of memory", 100.0 * largest / machine, std::nullopt));
                continue;
            }
            const auto base = largest_rss_samples(*base_, hook);
            if (base.empty()) {
                lines.push_back(skipped("memory_usage", hook + " peak RSS change", limits, "no memory figures in the base session"));
                continue;
            }
            const Change change = compare::compare_samples(hook + " largest process peak RSS", base, candidate,
                                                           Statistic::mean(), options_);
            if (!change.relative) {
                lines.push_back(skipped("memory_usage", hook + " peak RSS change", limits, "zero memory in the base session"));
                continue;
            }
            lines.push_back(classify(alert, hook + " mean peak RSS change", *change.relative, change.relative_interval,
                                     std::optional<bool>(change.computable && change.detected)));
        }
    }

    static std::vector<double> largest_rss_samples(const SessionSample& session, const std::string& hook) {
        std::vector<double> samples;
        for (const model::Invocation& invocation : session.invocations) {
            if (!invocation.complete || invocation.hook != hook) continue;
            std::uint64_t largest = 0;
            for (const model::ProcessRecord& process : invocation.processes)
                largest = std::max(largest, process.peak_rss_bytes);
            if (largest > 0) samples.push_back(static_cast<double>(largest));
        }
        return samples;
    }

    static double machine_memory_bytes() {
        std::ifstream meminfo("/proc/meminfo");
        std::string key;
        double kib = 0;
        while (meminfo >> key >> kib) {
            if (key == "MemTotal:") return kib * 1024.0;
            meminfo.ignore(64, '\n');
        }
        return 0;
    }

    void database(const AlertThreshold& alert, std::vector<CheckLine>& lines) {
        const std::string limits = limits_text(alert.warning, alert.critical);
        if (!candidate_.sqlite || (base_ && !base_->sqlite)) {
            lines.push_back(skipped("database_queries", "all hooks", limits, "needs sessions recorded with --sql"));
            return;
        }
        const bool relative = kind_of(alert) == LimitKind::Relative;
        bool any = false;
        const std::set<std::string> candidate_hooks = hooks_of(candidate_);
        const std::vector<std::string> hooks =
            relative ? common_hooks() : std::vector<std::string>(candidate_hooks.begin(), candidate_hooks.end());
        for (const std::string& hook : hooks) {
            const auto candidate = statement_samples(candidate_, hook);
            if (candidate.empty()) continue;
            if (!relative) {
                compare::Estimate e = compare::estimate(hook + " sql", candidate, Statistic::mean(), options_);
                lines.push_back(classify(alert, hook + " mean statement time", e.value,
                                         e.computable ? std::optional<compare::Interval>(e.interval) : std::nullopt));
                any = true;
                continue;
            }
            const auto base = statement_samples(*base_, hook);
            if (base.empty()) continue;
            Change change = compare::compare_samples(hook + " sql", base, candidate, Statistic::mean(), options_);
            if (!change.relative) continue;
            lines.push_back(classify(alert, hook + " mean statement time change", *change.relative,
                                     change.relative_interval,
                                     std::optional<bool>(change.computable && change.detected)));
            any = true;
        }
        if (!any) lines.push_back(skipped("database_queries", "all hooks", limits, "no SQL statements in the hooks"));
    }

    const SessionSample* base_;
    const SessionSample& candidate_;
    compare::BootstrapOptions options_;
    std::map<std::string, Change> p99_cache_;
};

Verdict worst_of(const std::vector<CheckLine>& lines) {
    Verdict worst = Verdict::Ok;
    for (const CheckLine& line : lines) worst = std::max(worst, line.verdict);
    return worst;
}

const char* decision(Verdict verdict) {
    return verdict == Verdict::Critical ? "ROLL BACK" : verdict == Verdict::Warning ? "HOLD" : "PROCEED";
}

void stage_lines(const RolloutStage& stage, Checker& checker, bool has_base, const std::vector<CheckLine>& alerts,
                 std::vector<CheckLine>& lines) {
    const std::string threshold = "stage " + stage.name;
    const std::string limit = "max impact " + stage.max_impact.text + ", rollback " + stage.rollback_trigger.text;
    if (stage.max_impact.sla || stage.rollback_trigger.sla) {
        // Judged on the alerts: success means none above warning.
        const Verdict worst = worst_of(alerts);
        CheckLine line;
        line.threshold = threshold;
        line.subject = "performance alerts";
        line.measured = std::string("worst ") + verdict_name(worst);
        line.limit = limit;
        if (stage.rollback_trigger.sla && worst == Verdict::Critical)
            line.verdict = Verdict::Critical;
        else if (stage.max_impact.sla && worst >= Verdict::Warning)
            line.verdict = Verdict::Warning;
        else
            line.verdict = Verdict::Ok;
        line.note = decision(line.verdict);
        lines.push_back(line);
        if (stage.max_impact.sla && stage.rollback_trigger.sla) return;
    }
    if (!has_base) {
        lines.push_back(skipped(threshold, "all hooks", limit, "a stage's impact needs --diff BASE CANDIDATE"));
        return;
    }
    for (const std::string& hook : checker.common_hooks()) {
        const Change* change = checker.p99_change(hook);
        if (!change || !change->relative) continue;
        AlertThreshold as_alert;
        if (!stage.max_impact.sla) as_alert.warning = Limit{LimitKind::Relative, stage.max_impact.relative, stage.max_impact.text, 0};
        if (!stage.rollback_trigger.sla)
            as_alert.critical = Limit{LimitKind::Relative, stage.rollback_trigger.relative, stage.rollback_trigger.text, 0};
        CheckLine line = classify(as_alert, hook + " p99 change", *change->relative, change->relative_interval,
                                  std::optional<bool>(change->computable && change->detected));
        line.threshold = threshold;
        line.limit = limit;
        line.note = decision(line.verdict) + std::string(line.note.empty() ? "" : "; " + line.note);
        lines.push_back(line);
    }
}

}  // namespace

const char* verdict_name(Verdict verdict) {
    switch (verdict) {
        case Verdict::Skip: return "SKIP";
        case Verdict::Ok: return "OK";
        case Verdict::Warning: return "WARNING";
        case Verdict::Critical: return "CRITICAL";
    }
    return "?";
}

int exit_status(Verdict worst) { return worst == Verdict::Critical ? 2 : worst == Verdict::Warning ? 1 : 0; }

CheckResult run_check(const ThresholdFile& file, const SessionSample* base, const SessionSample& candidate,
                      const RolloutStage* stage, const compare::BootstrapOptions& options) {
    CheckResult result;
    Checker checker(base, candidate, options);
    for (const AlertThreshold& alert : file.alerts) checker.alert(alert, result.lines);
    if (stage) {
        const std::vector<CheckLine> alerts = result.lines;
        stage_lines(*stage, checker, base != nullptr, alerts, result.lines);
    }
    result.worst = worst_of(result.lines);
    return result;
}

std::string render_check_text(const CheckResult& result) {
    std::ostringstream out;
    for (const CheckLine& line : result.lines) {
        out << text::pad_right(verdict_name(line.verdict), 9) << text::pad_right(line.threshold, 17) << " "
            << text::sanitize(line.subject);
        if (line.verdict != Verdict::Skip) {
            out << " = " << line.measured;
            if (!line.interval_text.empty()) out << " " << line.interval_text;
        }
        out << "  (" << line.limit << ")";
        if (!line.note.empty()) out << "  " << line.note;
        out << "\n";
    }
    out << "result: " << verdict_name(result.worst) << " (exit " << exit_status(result.worst) << ")\n";
    return out.str();
}

nlohmann::json render_check_json(const CheckResult& result) {
    nlohmann::json lines = nlohmann::json::array();
    for (const CheckLine& line : result.lines) {
        nlohmann::json entry = {{"verdict", verdict_name(line.verdict)}, {"threshold", line.threshold},
                                {"subject", line.subject},              {"limit", line.limit},
                                {"note", line.note}};
        if (line.verdict != Verdict::Skip) {
            entry["value"] = line.value;
            entry["measured"] = line.measured;
            entry["interval"] = line.interval ? nlohmann::json{line.interval->low, line.interval->high} : nlohmann::json();
        }
        lines.push_back(entry);
    }
    return {{"result", verdict_name(result.worst)}, {"exit_status", exit_status(result.worst)}, {"lines", lines}};
}

}  // namespace validprof::thresholds
