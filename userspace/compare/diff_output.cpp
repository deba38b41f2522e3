#include "compare/diff_output.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "text/duration_format.h"
#include "text/text_layout.h"

namespace validprof::compare {
namespace {

std::string format_p(double p) {
    char text[32];
    if (p < 0.0001)
        std::snprintf(text, sizeof(text), "p<0.0001");
    else
        std::snprintf(text, sizeof(text), "p=%.4f", p);
    return text;
}

void change_line(std::ostringstream& out, const std::string& label, const Change& change, Unit unit) {
    out << "    " << text::pad_right(label, 34) << " " << describe_change(change, unit) << "\n";
}

}  // namespace

std::string format_value(double value, Unit unit) {
    if (unit == Unit::Nanoseconds) return text::format_duration(value);
    return text::format_count(value);
}

std::string format_signed(double value, Unit unit) {
    const std::string magnitude = format_value(std::abs(value), unit);
    return (value < 0 ? "-" : "+") + magnitude;
}

std::string format_signed_percent(double fraction) {
    char text[32];
    const double percent = fraction * 100.0;
    std::snprintf(text, sizeof(text), "%+.1f%%", std::abs(percent) < 0.05 ? 0.0 : percent);
    return text;
}

std::string describe_change(const Change& change, Unit unit) {
    std::ostringstream out;
    out << format_value(change.base, unit) << " -> " << format_value(change.candidate, unit) << "  "
        << format_signed(change.difference, unit);
    if (change.relative) out << " (" << format_signed_percent(*change.relative) << ")";
    if (!change.computable) {
        out << "  too few samples for an interval (" << change.base_count << " vs " << change.candidate_count << ")";
        return out.str();
    }
    out << "  [" << format_signed(change.difference_interval.low, unit) << ", "
        << format_signed(change.difference_interval.high, unit) << "]";
    if (change.relative_interval)
        out << " [" << format_signed_percent(change.relative_interval->low) << ", "
            << format_signed_percent(change.relative_interval->high) << "]";
    out << "  " << format_p(change.p_value);
    if (change.detected) {
        out << "  " << (change.difference > 0 ? "INCREASED" : "DECREASED");
    } else {
        out << "  no detectable change (would detect ±" << format_value(change.detectable, unit);
        if (change.detectable_relative) {
            char percent[32];
            std::snprintf(percent, sizeof(percent), "%.1f%%", *change.detectable_relative * 100.0);
            out << ", ±" << percent;
        }
        out << ")";
    }
    return out.str();
}

std::string render_diff_text(const Comparison& comparison) {
    std::ostringstream out;
    out << "validprof diff: session " << comparison.base_session << " (base) -> session "
        << comparison.candidate_session << " (candidate)\n";
    char header[200];
    std::snprintf(header, sizeof(header),
                  "%.0f%% bootstrap intervals over complete invocations (%zu resamples, fixed seed); "
                  "p: Mann-Whitney U, two-sided\n",
                  comparison.options.confidence * 100.0, comparison.options.resamples);
    out << header;
    if (comparison.hooks.empty()) out << "\nno invocations in either session\n";
    for (const HookComparison& hook : comparison.hooks) {
        out << "\n" << text::sanitize(hook.hook) << ": " << hook.base_invocations << " -> "
            << hook.candidate_invocations << " complete invocations\n";
        if (hook.base_invocations == 0 || hook.candidate_invocations == 0) {
            out << "    only in the " << (hook.base_invocations == 0 ? "candidate" : "base")
                << " session: nothing to compare\n";
            continue;
        }
        for (const Change& wall : hook.wall) change_line(out, "wall " + wall.statistic.name(), wall, Unit::Nanoseconds);
        change_line(out, "on-CPU per invocation", hook.on_cpu, Unit::Nanoseconds);
        for (const CoreChange& core : hook.cores)
            change_line(out, "  on cpu" + std::to_string(core.cpu), core.on_cpu, Unit::Nanoseconds);
        if (!hook.phases.empty()) out << "  phases (USDT):\n";
        for (const PhaseChange& phase : hook.phases) {
            const std::string name = text::sanitize(phase.provider + ":" + phase.phase);
            change_line(out, name + " p50", phase.duration, Unit::Nanoseconds);
            change_line(out, name + " runs/inv", phase.executions, Unit::Count);
        }
        if (!hook.sql_compared) {
            out << "  SQLite: not compared (both sessions need --sql)\n";
            continue;
        }
        out << "  SQLite statements (normalized), per invocation:\n";
        for (const StatementChange& statement : hook.statements) {
            out << "    " << text::truncate(text::sanitize(statement.sql), 100) << "\n";
            change_line(out, "  executions", statement.executions, Unit::Count);
            change_line(out, "  time", statement.time, Unit::Nanoseconds);
        }
        if (hook.statements_omitted) out << "    ... " << hook.statements_omitted << " more statements (--top)\n";
        change_line(out, "fsyncs per invocation", hook.fsyncs, Unit::Count);
        change_line(out, "fsync time per invocation", hook.fsync_time, Unit::Nanoseconds);
    }
    return out.str();
}

nlohmann::json change_json(const Change& change, Unit unit) {
    nlohmann::json json = {{"metric", change.metric},
                           {"statistic", change.statistic.name()},
                           {"unit", unit == Unit::Nanoseconds ? "ns" : "count"},
                           {"base_samples", change.base_count},
                           {"candidate_samples", change.candidate_count},
                           {"base", change.base},
                           {"candidate", change.candidate},
                           {"difference", change.difference},
                           {"relative", change.relative ? nlohmann::json(*change.relative) : nlohmann::json()},
                           {"computable", change.computable},
                           {"p_value", change.p_value}};
    if (change.computable) {
        json["interval"] = {change.difference_interval.low, change.difference_interval.high};
        json["relative_interval"] = change.relative_interval
                                        ? nlohmann::json{change.relative_interval->low, change.relative_interval->high}
                                        : nlohmann::json();
        json["detected"] = change.detected;
        json["detectable"] = change.detected ? nlohmann::json() : nlohmann::json(change.detectable);
        json["detectable_relative"] = change.detected || !change.detectable_relative
                                          ? nlohmann::json()
                                          : nlohmann::json(*change.detectable_relative);
    }
    return json;
}

nlohmann::json render_diff_json(const Comparison& comparison) {
    nlohmann::json hooks = nlohmann::json::array();
    for (const HookComparison& hook : comparison.hooks) {
        nlohmann::json entry = {{"hook", hook.hook},
                                {"base_invocations", hook.base_invocations},
                                {"candidate_invocations", hook.candidate_invocations}};
        nlohmann::json wall = nlohmann::json::object();
        for (const Change& change : hook.wall) wall[change.statistic.name()] = change_json(change, Unit::Nanoseconds);
        entry["wall"] = wall;
        entry["on_cpu"] = change_json(hook.on_cpu, Unit::Nanoseconds);
        nlohmann::json cores = nlohmann::json::array();
        for (const CoreChange& core : hook.cores)
            cores.push_back({{"cpu", core.cpu}, {"on_cpu", change_json(core.on_cpu, Unit::Nanoseconds)}});
        entry["on_cpu_per_core"] = cores;
        nlohmann::json phases = nlohmann::json::array();
        for (const PhaseChange& phase : hook.phases)
            phases.push_back({{"provider", phase.provider},
                              {"phase", phase.phase},
                              {"duration_p50", change_json(phase.duration, Unit::Nanoseconds)},
                              {"executions_per_invocation", change_json(phase.executions, Unit::Count)}});
        entry["phases"] = phases;
        entry["sql_compared"] = hook.sql_compared;
        if (hook.sql_compared) {
            nlohmann::json statements = nlohmann::json::array();
            for (const StatementChange& statement : hook.statements)
                statements.push_back({{"sql", statement.sql},
                                      {"executions_per_invocation", change_json(statement.executions, Unit::Count)},
                                      {"time_per_invocation", change_json(statement.time, Unit::Nanoseconds)}});
            entry["statements"] = statements;
            entry["statements_omitted"] = hook.statements_omitted;
            entry["fsyncs_per_invocation"] = change_json(hook.fsyncs, Unit::Count);
            entry["fsync_time_per_invocation"] = change_json(hook.fsync_time, Unit::Nanoseconds);
        }
        hooks.push_back(std::move(entry));
    }
    return {{"base_session", comparison.base_session},
            {"candidate_session", comparison.candidate_session},
            {"confidence", comparison.options.confidence},
            {"resamples", comparison.options.resamples},
            {"seed", comparison.options.seed},
            {"hooks", hooks}};
}

}  // namespace validprof::compare
