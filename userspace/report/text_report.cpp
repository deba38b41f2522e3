#include "report/text_report.h"

#include "report/phase_summary.h"

#include <cmath>
#include <sstream>

#include "text/duration_format.h"
#include "report/exit_status.h"
#include "report/report_data.h"
#include "report/sqlite_text.h"
#include "text/text_layout.h"

namespace validprof::report {

// The text helpers (userspace/text) are this module's vocabulary.
using namespace validprof::text;

namespace {

// Long enough for "/usr/bin/python3 .git/hooks/pre-commit --all-files".
constexpr std::size_t kCommandWidth = 48;

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

std::string session_duration_text(const SessionSpan& span) {
    if (!span.known) return "unknown (no invocation stored yet)";
    if (span.lower_bound) {
        return "at least " + format_duration(span.duration_ns) + " (to the last stored event)";
    }
    return format_duration(span.duration_ns);
}

void write_session(std::ostream& out, const ReportInput& input, const ReportData& data) {
    const std::size_t width = input.width;
    const model::SessionSummary& s = input.session;
    out << "Session " << s.id << ": " << sanitize(s.info.command);
    if (!s.info.target.empty()) out << " " << sanitize(s.info.target);
    out << "\n";
    out << "  host      " << sanitize(s.info.host) << ", kernel " << sanitize(s.info.kernel_release)
        << "\n";
    out << "  started   " << format_local_time(s.info.start_unix_ns) << "\n";
    out << "  duration  " << session_duration_text(data.span) << "\n";
    if (s.complete) {
        out << "  status    complete\n";
        out << "  events    " << s.end.events_received << " received\n";
    } else if (s.in_progress) {
        out << "  status    IN PROGRESS: still being recorded; what is stored so far\n";
    } else {
        out << "  status    INCOMPLETE: the recorder died before the session ended;\n"
               "            invocations still running then are missing or incomplete\n";
    }

    // Every reason is printed when anything was lost: a reader should be
    // able to tell a full ring buffer from a full tracking map.
    out << "  lost events: " << data.lost_events_total;
    if (s.in_progress) out << " (counted when the session ends)";
    else if (!s.complete) out << " (as last reported; losses after the recorder died are unknown)";
    out << "\n";
    if (data.lost_events_total > 0) {
        TextTable reasons({"reason", "lost"}, {Align::kLeft, Align::kRight});
        for (const auto& [reason, count] : s.end.lost_events) {
            if (model::counts_as_lost(reason)) reasons.add_row({sanitize(reason), std::to_string(count)});
        }
        out << reasons.render("    ", width);
        out << "  WARNING: " << data.lost_events_total
            << " events were lost; some invocations may be missing, merged or"
               " shorter than they really were.\n";
    }
    // Notes: handled, not lost; shown only when they happened.
    for (const auto& [reason, count] : s.end.lost_events)
        if (!model::counts_as_lost(reason) && count > 0)
            out << "  note: " << sanitize(reason.substr(5)) << " " << count << "\n";
}

std::string wall_cell(const HookSummary& h, std::uint64_t ns) {
    return h.complete == 0 ? "-" : format_duration(ns);
}

void write_hook_table(std::ostream& out, const ReportData& data, std::size_t width) {
    out << "\nHooks: wall time from the root's exec to the last descendant's exit;\n"
           "exact nearest-rank percentiles over complete invocations\n";
    TextTable table({"hook", "runs", "failed", "incomplete", "p50", "p90", "p95", "p99", "max"},
                    {Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
                     Align::kRight, Align::kRight, Align::kRight, Align::kRight});
    for (const auto& h : data.hooks) {
        table.add_row({sanitize(h.hook), std::to_string(h.count), std::to_string(h.failed),
                       std::to_string(h.incomplete()), wall_cell(h, h.p50_ns),
                       wall_cell(h, h.p90_ns), wall_cell(h, h.p95_ns), wall_cell(h, h.p99_ns),
                       wall_cell(h, h.max_ns)});
    }
    table.set_elastic(0, 12);
    table.set_drop_order({5, 6, 3, 8});  // p90, p95, incomplete, max
    out << table.render("  ", width);
}

void write_hook_detail(std::ostream& out, const HookSummary& h, const SessionSpan& span, std::size_t width) {
    out << "\n" << sanitize(h.hook) << ": ";
    if (h.complete == 0) {
        out << "no complete invocation, so no wall-time breakdown\n";
    } else {
        out << "mean per complete invocation (" << h.complete << ")\n";
        out << "  wall " << format_duration(h.mean_ns) << " (min " << format_duration(h.min_ns)
            << ")\n";
        out << "  on-CPU " << format_duration(h.mean_on_cpu_ns) << ", run-queue wait "
            << format_duration(h.mean_run_queue_wait_ns) << ", sleeping "
            << format_duration(h.mean_off_cpu_sleep_ns) << ", blocked (D, mostly I/O) "
            << format_duration(h.mean_off_cpu_blocked_ns) << "\n";
        out << "  context switches " << format_count(h.mean_voluntary_switches) << " voluntary, "
            << format_count(h.mean_involuntary_switches) << " involuntary; processes "
            << format_count(h.mean_processes) << "\n";
        if (h.max_process_rss_bytes > 0)
            out << "  memory: largest process's peak resident set "
                << format_bytes(static_cast<std::uint64_t>(std::llround(h.mean_largest_process_rss_bytes)))
                << " (max " << format_bytes(h.max_process_rss_bytes) << ")\n";
        if (h.max_gate_held_ns > 0)
            out << "  validprof's gate held its processes " << format_count(h.mean_gate_holds) << " times for "
                << format_duration(h.mean_gate_held_ns) << " (max " << format_duration(h.max_gate_held_ns)
                << "), inspecting files for probes; included above\n";
        out << "  (summed over every thread of every process; processes overlap in time,\n"
               "   so these need not add up to the wall time)\n";
        if (h.has_other_threads) {
            const auto& main = h.mean_main_threads;
            const auto& others = h.mean_other_threads;
            out << "  main threads: on-CPU " << format_duration(main.on_cpu_ns) << ", run-queue wait "
                << format_duration(main.run_queue_wait_ns) << ", sleeping " << format_duration(main.off_cpu_sleep_ns)
                << ", blocked " << format_duration(main.off_cpu_blocked_ns) << "\n";
            out << "  other threads (" << format_count(h.mean_other_thread_count) << " per run): on-CPU "
                << format_duration(others.on_cpu_ns) << ", run-queue wait "
                << format_duration(others.run_queue_wait_ns) << ", sleeping "
                << format_duration(others.off_cpu_sleep_ns) << ", blocked "
                << format_duration(others.off_cpu_blocked_ns) << "\n";
            out << "  (idle workers sleep through a run without delaying it: `validprof explain`\n"
                   "   shows which waits were on the critical path)\n";
        }
    }

    if (h.on_cpu_ns_per_cpu.empty()) {
        out << "  CPU per core: no on-CPU time recorded\n";
        return;
    }
    out << "  CPU per core: on-CPU time over all " << h.count << " runs, total "
        << format_duration(h.total_on_cpu_ns());
    if (span.known && span.lower_bound) {
        out << ";\n  share of the session, which lasted at least "
            << format_duration(span.duration_ns) << " (so shares are upper bounds)";
    } else if (span.known) {
        out << "; share of the " << format_duration(span.duration_ns) << " session";
    }
    out << "\n";
    TextTable cpus({"cpu", "on-CPU", "share"}, {Align::kRight, Align::kRight, Align::kRight});
    for (const auto& [cpu, ns] : h.on_cpu_ns_per_cpu) {
        std::string share = "-";
        if (span.known && span.duration_ns > 0) {
            share = format_percent(100.0 * static_cast<double>(ns) /
                                   static_cast<double>(span.duration_ns));
        }
        cpus.add_row({std::to_string(cpu), format_duration(ns), share});
    }
    out << cpus.render("    ", width);
}

// Cut to kCommandWidth unless nothing is to be cut (--wide); the table
// cuts it further to fit a narrow terminal.
std::string command_text(const model::ProcessRecord& p, std::size_t width) {
    std::string command = !p.argv.empty() ? p.argv : !p.exe.empty() ? p.exe : "[" + p.comm + "]";
    return width == 0 ? sanitize(command) : truncate(sanitize(command), kCommandWidth);
}

void write_invocation(std::ostream& out, std::size_t rank, const model::Invocation& inv,
                      const ReportInput& input) {
    out << "\n#" << rank << "  " << sanitize(inv.hook) << "  wall " << format_duration(inv.wall_ns())
        << "  " << (inv.exit_code == 0 ? "exit 0" : describe_exit_status(inv.exit_code))
        << "  root pid " << inv.root_pid
        << "  started " << format_local_time(to_unix_ns(input.session.info, inv.start_ns));
    if (inv.id != 0) out << "  id " << inv.id;
    out << "\n";

    TextTable table({"pid", "ppid", "command", "start", "dur", "on-CPU", "runq", "sleep",
                     "blocked", "exit"},
                    {Align::kRight, Align::kRight, Align::kLeft, Align::kRight, Align::kRight,
                     Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kLeft});
    const std::size_t shown = input.max_processes_shown == 0
                                  ? inv.processes.size()
                                  : std::min(inv.processes.size(), input.max_processes_shown);
    for (std::size_t i = 0; i < shown; ++i) {
        const model::ProcessRecord& p = inv.processes[i];
        const auto duration = process_duration_ns(p);
        table.add_row({std::to_string(p.pid), std::to_string(p.ppid), command_text(p, input.width),
                       format_signed_duration(start_offset_ns(p, inv)),
                       duration ? format_duration(*duration) : "-",
                       format_duration(p.times.on_cpu_ns), format_duration(p.times.run_queue_wait_ns),
                       format_duration(p.times.off_cpu_sleep_ns),
                       format_duration(p.times.off_cpu_blocked_ns),
                       p.exited ? describe_exit_status(p.exit_code) : "running"});
        // A multi-threaded process: its main thread, then the rest together.
        if (p.thread_records.size() > 1) {
            model::SchedTimes main, others;
            std::size_t other_count = 0;
            for (const model::ThreadRecord& thread : p.thread_records) {
                if (thread.tid == p.pid) {
                    main.add(thread.times);
                } else {
                    others.add(thread.times);
                    ++other_count;
                }
            }
            auto row = [&](const std::string& label, const model::SchedTimes& t) {
                table.add_row({"", "", label, "", "", format_duration(t.on_cpu_ns), format_duration(t.run_queue_wait_ns),
                               format_duration(t.off_cpu_sleep_ns), format_duration(t.off_cpu_blocked_ns), ""});
            };
            row("  main thread", main);
            row("  " + std::to_string(other_count) + (other_count == 1 ? " other thread" : " other threads"), others);
        }
    }
    table.set_elastic(2, 16);
    table.set_drop_order({1, 3, 8, 7});  // ppid, start, blocked, sleep
    out << table.render("    ", input.width);
    if (shown < inv.processes.size()) {
        out << "    ... " << inv.processes.size() - shown
            << " more processes (--json lists them all)\n";
    }
}

void write_slowest(std::ostream& out, const ReportInput& input, const ReportData& data) {
    out << "\nSlowest complete invocations";
    if (input.hook_filter) out << " of " << sanitize(*input.hook_filter);
    if (data.slowest.empty()) {
        out << ": none (no invocation completed)\n";
        return;
    }
    out << " (top " << data.slowest.size() << ")\n";
    out << "  Legend: start = offset from the invocation start (negative: forked before\n"
           "  the hook's exec); dur = fork to exit; on-CPU, runq (run-queue wait), sleep\n"
           "  (S) and blocked (D, mostly I/O) = that process's own threads. Processes\n"
           "  overlap, so the columns do not add up to the wall time.\n";
    for (std::size_t i = 0; i < data.slowest.size(); ++i) {
        write_invocation(out, i + 1, *data.slowest[i], input);
    }
}

std::string cpu_share(std::uint64_t ns, std::uint64_t wall_ns) {
    return wall_ns ? format_percent(100.0 * static_cast<double>(ns) / static_cast<double>(wall_ns)) : "-";
}

void write_phases(std::ostringstream& out, const ReportInput& input, const ReportData& data) {
    std::vector<model::Invocation> selected;
    for (const model::Invocation& invocation : input.invocations)
        if (!input.hook_filter || invocation.hook == *input.hook_filter) selected.push_back(invocation);
    std::vector<model::PhaseExecution> phases;
    std::vector<std::string> owners = attribute_phases(input.invocations, input.phases);
    for (std::size_t i = 0; i < input.phases.size(); ++i)
        if (!input.hook_filter || owners[i] == *input.hook_filter) phases.push_back(input.phases[i]);
    if (phases.empty()) return;
    std::uint64_t wall = data.span.known ? data.span.duration_ns : 0;
    PhaseReport report = summarize_phases(selected, phases, wall);

    out << "\nPhases (USDT probe pairs), per hook: latency from NAME_start to NAME_end on\n"
           "one thread; share = phase time over the hook's summed wall time (threads in\n"
           "parallel can exceed 100%)\n";
    TextTable table({"hook", "phase", "count", "p50", "p99", "max", "share", "on-CPU"},
                    {Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
                     Align::kRight, Align::kRight});
    for (const PhaseSummary& phase : report.phases)
        table.add_row({sanitize(phase.hook), sanitize(phase.provider + ":" + phase.phase), format_count(static_cast<double>(phase.count)),
                       format_duration(phase.p50_ns), format_duration(phase.p99_ns), format_duration(phase.max_ns),
                       format_percent(phase.share_of_hook_wall_percent), format_duration(phase.on_cpu_ns)});
    table.set_elastic(1, 16);
    table.set_drop_order({5, 7});  // max, on-CPU
    out << table.render("  ", input.width);

    out << "\nCPU per core: on-CPU time over the session's wall time" << (wall ? "" : " (unknown)")
        << ";\n  validation = inside phases other than \"hook\" and \"db_write\", nested phases counted once\n";
    TextTable cpu({"cpu", "validation", "share", "hooks", "share"},
                  {Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight});
    std::map<std::uint32_t, bool> cpus;
    for (const auto& [id, ns] : report.cpu.validation_on_cpu_ns) cpus[id] = true;
    for (const auto& [id, ns] : report.cpu.hooks_on_cpu_ns) cpus[id] = true;
    for (const auto& [id, unused] : cpus) {
        std::uint64_t validation = report.cpu.validation_on_cpu_ns.count(id) ? report.cpu.validation_on_cpu_ns.at(id) : 0;
        std::uint64_t hooks = report.cpu.hooks_on_cpu_ns.count(id) ? report.cpu.hooks_on_cpu_ns.at(id) : 0;
        cpu.add_row({std::to_string(id), format_duration(validation), cpu_share(validation, wall), format_duration(hooks),
                     cpu_share(hooks, wall)});
    }
    out << cpu.render("  ", input.width);
}

}  // namespace

std::string render_text(const ReportInput& input) {
    const ReportData data = analyze(input);
    std::ostringstream out;
    write_session(out, input, data);

    if (data.selected_count == 0) {
        if (input.hook_filter && !data.all_hooks.empty()) {
            out << "\nno invocations of hook '" << sanitize(*input.hook_filter)
                << "' recorded; hooks in this session: " << sanitize(join(data.all_hooks, ", "))
                << "\n";
        } else {
            out << "\nno invocations recorded\n";
        }
        return out.str();
    }

    write_hook_table(out, data, input.width);
    for (const auto& h : data.hooks) write_hook_detail(out, h, data.span, input.width);
    out << database_section_text(input);
    write_slowest(out, input, data);
    if (!input.phases.empty()) write_phases(out, input, data);
    return wrap_lines(out.str(), input.width);
}

}  // namespace validprof::report
