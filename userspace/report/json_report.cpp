#include "report/json_report.h"

#include "report/phase_summary.h"

#include <cmath>

#include "report/exit_status.h"
#include "report/report_data.h"
#include "report/sqlite_json.h"
#include "text/text_layout.h"

namespace validprof::report {

// The text helpers (userspace/text) are this module's vocabulary.
using namespace validprof::text;

nlohmann::json times_fields(nlohmann::json object, const model::SchedTimes& t) {
    object["on_cpu_ns"] = t.on_cpu_ns;
    object["run_queue_wait_ns"] = t.run_queue_wait_ns;
    object["off_cpu_sleep_ns"] = t.off_cpu_sleep_ns;
    object["off_cpu_blocked_ns"] = t.off_cpu_blocked_ns;
    object["voluntary_switches"] = t.voluntary_switches;
    object["involuntary_switches"] = t.involuntary_switches;
    return object;
}

nlohmann::json per_cpu_json(const std::map<std::uint32_t, std::uint64_t>& per_cpu) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [cpu, ns] : per_cpu) out[std::to_string(cpu)] = ns;
    return out;
}

namespace {

using nlohmann::json;

std::uint64_t round_ns(double ns) { return ns > 0 ? static_cast<std::uint64_t>(std::llround(ns)) : 0; }

json session_json(const ReportInput& input, const ReportData& data) {
    const model::SessionSummary& s = input.session;
    json out = {
        {"id", s.id},
        {"command", to_valid_utf8(s.info.command)},
        {"target", to_valid_utf8(s.info.target)},
        {"host", to_valid_utf8(s.info.host)},
        {"kernel_release", to_valid_utf8(s.info.kernel_release)},
        {"rules", to_valid_utf8(s.info.rules)},
        {"start_unix_ns", s.info.start_unix_ns},
        {"end_unix_ns", s.complete ? json(s.end.end_unix_ns) : json(nullptr)},
        {"duration_ns", data.span.known ? json(data.span.duration_ns) : json(nullptr)},
        {"duration_is_lower_bound", data.span.lower_bound},
        {"complete", s.complete},
        {"in_progress", s.in_progress},
        {"events_received", s.end.events_received},
        {"invocation_count", s.invocation_count},
    };
    return out;
}

json lost_events_json(const ReportInput& input, const ReportData& data) {
    json by_reason = json::object();
    for (const auto& [reason, count] : input.session.end.lost_events) {
        by_reason[to_valid_utf8(reason)] = count;
    }
    return {{"total", data.lost_events_total}, {"by_reason", std::move(by_reason)}};
}

json hook_json(const HookSummary& h, const SessionSpan& span) {
    // Null rather than 0 when nothing completed: 0 ns would read as "fast".
    const auto wall = [&h](std::uint64_t ns) { return h.complete ? json(ns) : json(nullptr); };
    json cpus = json::array();
    for (const auto& [cpu, ns] : h.on_cpu_ns_per_cpu) {
        json share = nullptr;
        if (span.known && span.duration_ns > 0) {
            share = 100.0 * static_cast<double>(ns) / static_cast<double>(span.duration_ns);
        }
        cpus.push_back({{"cpu", cpu}, {"on_cpu_ns", ns}, {"session_share_percent", share}});
    }
    return {
        {"hook", to_valid_utf8(h.hook)},
        {"count", h.count},
        {"complete", h.complete},
        {"incomplete", h.incomplete()},
        {"failed", h.failed},
        {"p50_ns", wall(h.p50_ns)},
        {"p90_ns", wall(h.p90_ns)},
        {"p95_ns", wall(h.p95_ns)},
        {"p99_ns", wall(h.p99_ns)},
        {"max_ns", wall(h.max_ns)},
        {"min_ns", wall(h.min_ns)},
        {"mean_ns", wall(h.mean_ns)},
        {"mean_on_cpu_ns", wall(round_ns(h.mean_on_cpu_ns))},
        {"mean_run_queue_wait_ns", wall(round_ns(h.mean_run_queue_wait_ns))},
        {"mean_off_cpu_sleep_ns", wall(round_ns(h.mean_off_cpu_sleep_ns))},
        {"mean_off_cpu_blocked_ns", wall(round_ns(h.mean_off_cpu_blocked_ns))},
        {"mean_voluntary_switches", h.complete ? json(h.mean_voluntary_switches) : json(nullptr)},
        {"mean_involuntary_switches",
         h.complete ? json(h.mean_involuntary_switches) : json(nullptr)},
        {"mean_processes", h.complete ? json(h.mean_processes) : json(nullptr)},
        {"mean_largest_process_rss_bytes",
         h.complete ? json(std::llround(h.mean_largest_process_rss_bytes)) : json(nullptr)},
        {"max_process_rss_bytes", h.complete ? json(h.max_process_rss_bytes) : json(nullptr)},
        {"mean_gate_holds", h.complete ? json(h.mean_gate_holds) : json(nullptr)},
        {"mean_gate_held_ns", h.complete ? json(std::llround(h.mean_gate_held_ns)) : json(nullptr)},
        {"max_gate_held_ns", h.complete ? json(h.max_gate_held_ns) : json(nullptr)},
        {"total_on_cpu_ns", h.total_on_cpu_ns()},
        {"cpu_per_core", std::move(cpus)},
        // Means per complete invocation, main threads against the others.
        {"mean_main_threads", h.complete ? times_fields(json::object(), h.mean_main_threads) : json(nullptr)},
        {"mean_other_threads", h.complete ? times_fields(json::object(), h.mean_other_threads) : json(nullptr)},
        {"mean_other_thread_count", h.complete ? json(h.mean_other_thread_count) : json(nullptr)},
    };
}

json process_json(const model::ProcessRecord& p, const model::Invocation& inv) {
    const auto duration = process_duration_ns(p);
    json out = {
        {"pid", p.pid},
        {"ppid", p.ppid},
        {"exe", to_valid_utf8(p.exe)},
        {"argv", to_valid_utf8(p.argv)},
        {"comm", to_valid_utf8(p.comm)},
        {"threads", p.threads},
        {"peak_rss_bytes", p.peak_rss_bytes},
        {"gate_holds", p.gate_holds},
        {"gate_held_ns", p.gate_held_ns},
        {"start_offset_ns", start_offset_ns(p, inv)},
        {"duration_ns", duration ? json(*duration) : json(nullptr)},
        {"exited", p.exited},
        {"exit_code", p.exited ? json(p.exit_code) : json(nullptr)},
        {"exit", p.exited ? json(describe_exit_status(p.exit_code)) : json("running")},
    };
    json threads = json::array();
    for (const model::ThreadRecord& thread : p.thread_records) {
        json entry = {{"tid", thread.tid},
                      {"main", thread.tid == p.pid},
                      {"creator_tid", thread.creator_tid},
                      {"start_offset_ns", static_cast<std::int64_t>(thread.start_ns) - static_cast<std::int64_t>(inv.start_ns)},
                      {"exited", thread.exited},
                      {"duration_ns", thread.exited && thread.end_ns >= thread.start_ns ? json(thread.end_ns - thread.start_ns)
                                                                                       : json(nullptr)}};
        threads.push_back(times_fields(std::move(entry), thread.times));
    }
    out = times_fields(std::move(out), p.times);
    out["thread_details"] = std::move(threads);
    return out;
}

json invocation_json(std::size_t rank, const model::Invocation& inv, const ReportInput& input) {
    json out = invocation_fields_json(inv, input.session.info);
    out["rank"] = rank;
    return out;
}


json phases_json(const ReportInput& input, const ReportData& data) {
    std::vector<model::Invocation> selected;
    for (const model::Invocation& invocation : input.invocations)
        if (!input.hook_filter || invocation.hook == *input.hook_filter) selected.push_back(invocation);
    std::vector<model::PhaseExecution> phases;
    std::vector<std::string> owners = attribute_phases(input.invocations, input.phases);
    for (std::size_t i = 0; i < input.phases.size(); ++i)
        if (!input.hook_filter || owners[i] == *input.hook_filter) phases.push_back(input.phases[i]);
    PhaseReport report = summarize_phases(selected, phases, data.span.known ? data.span.duration_ns : 0);
    json list = json::array();
    for (const PhaseSummary& phase : report.phases)
        list.push_back({{"hook", to_valid_utf8(phase.hook)},
                        {"provider", to_valid_utf8(phase.provider)},
                        {"phase", to_valid_utf8(phase.phase)},
                        {"count", phase.count},
                        {"p50_ns", phase.p50_ns},
                        {"p99_ns", phase.p99_ns},
                        {"max_ns", phase.max_ns},
                        {"total_ns", phase.total_ns},
                        {"share_of_hook_wall_percent", phase.share_of_hook_wall_percent},
                        {"on_cpu_ns", phase.on_cpu_ns},
                        {"on_cpu_ns_per_cpu", per_cpu_json(phase.on_cpu_ns_per_cpu)}});
    return {{"phases", std::move(list)},
            {"cpu_per_core",
             {{"session_wall_ns", data.span.known ? json(report.cpu.session_wall_ns) : json(nullptr)},
              {"validation_on_cpu_ns", per_cpu_json(report.cpu.validation_on_cpu_ns)},
              {"hooks_on_cpu_ns", per_cpu_json(report.cpu.hooks_on_cpu_ns)}}}};
}

}  // namespace

json invocation_fields_json(const model::Invocation& inv, const model::SessionInfo& session) {
    json processes = json::array();
    for (const auto& p : inv.processes) processes.push_back(process_json(p, inv));
    json out = {
        {"id", inv.id},
        {"hook", to_valid_utf8(inv.hook)},
        {"root_pid", inv.root_pid},
        {"start_ns", inv.start_ns},
        {"start_unix_ns", to_unix_ns(session, inv.start_ns)},
        {"wall_ns", inv.wall_ns()},
        {"complete", inv.complete},
        {"exit_code", inv.exit_code},
        {"exit", describe_exit_status(inv.exit_code)},
        {"process_count", inv.processes.size()},
    };
    out = times_fields(std::move(out), inv.times);
    out["processes"] = std::move(processes);
    return out;
}

nlohmann::json render_json(const ReportInput& input) {
    const ReportData data = analyze(input);
    json hooks = json::array();
    for (const auto& h : data.hooks) hooks.push_back(hook_json(h, data.span));
    json slowest = json::array();
    for (std::size_t i = 0; i < data.slowest.size(); ++i) {
        slowest.push_back(invocation_json(i + 1, *data.slowest[i], input));
    }
    return {
        {"session", session_json(input, data)},
        {"lost_events", lost_events_json(input, data)},
        {"hook_filter", input.hook_filter ? json(to_valid_utf8(*input.hook_filter)) : json(nullptr)},
        {"invocations_selected", data.selected_count},
        {"hooks", std::move(hooks)},
        {"slowest", std::move(slowest)},
        {"phases", phases_json(input, data)},
        {"database", database_json(input)},
    };
}

}  // namespace validprof::report
