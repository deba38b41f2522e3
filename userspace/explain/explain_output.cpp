#include "explain/explain_output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "text/duration_format.h"
#include "text/text_layout.h"

namespace validprof::explain {
namespace {

std::string percent(double share) {
    char text[16];
    std::snprintf(text, sizeof(text), "%.0f%%", share * 100);
    return text;
}

std::string signed_duration(double ns) {
    return (ns < 0 ? "-" : "+") + text::format_duration(std::fabs(ns));
}

// What each kind means, for the line under a cause.
const char* meaning(CauseKind kind) {
    switch (kind) {
        case CauseKind::Cpu: return "running on a CPU";
        case CauseKind::RunQueue: return "ready to run, waiting for a CPU";
        case CauseKind::DiskIo: return "waiting for the disk (reads, page faults)";
        case CauseKind::Fsync: return "waiting for data to reach the disk (fsync)";
        case CauseKind::FileLock: return "waiting for a file lock";
        case CauseKind::SqliteBusy: return "SQLite's busy handler, waiting for another connection's lock";
        case CauseKind::Network: return "waiting on the network";
        case CauseKind::Pipe: return "waiting on a pipe or socket to another process";
        case CauseKind::ChildWait: return "waiting for a child process";
        case CauseKind::Sleep: return "sleeping (a timer)";
        case CauseKind::Futex: return "waiting on a lock or condition of its own threads";
        case CauseKind::Poll: return "waiting in poll/epoll";
        case CauseKind::ProcessSpawn: return "starting processes (fork, exec)";
        case CauseKind::ProcessExit: return "processes exiting";
        case CauseKind::ExecFailed: return "failed execs";
        case CauseKind::Observer: return "validprof's own cost";
        case CauseKind::Stopped: return "stopped by a signal";
        case CauseKind::ShortWaits: return "short waits (under the recording threshold)";
        case CauseKind::OtherWait: return "other waits";
    }
    return "";
}

// An evidence line fitted to `room` columns: its description is cut with
// "…" so that the figures at its end ("(85.7 µs, 3 times)") stay on the line.
std::string fit_evidence(const std::string& evidence, std::size_t room) {
    if (room == 0 || text::display_width(evidence) <= room) return evidence;
    const auto figures = evidence.rfind(" (");
    if (figures == std::string::npos || text::display_width(evidence.substr(figures)) * 2 > room)
        return text::truncate(evidence, room);
    const std::string tail = evidence.substr(figures);
    return text::truncate(evidence.substr(0, figures), room - text::display_width(tail)) + tail;
}

void write_causes(std::ostringstream& out, const std::vector<Cause>& causes, std::size_t limit, const char* indent,
                  std::size_t width) {
    std::size_t shown = 0;
    for (const Cause& cause : causes) {
        if (shown == limit) break;
        ++shown;
        char line[256];
        std::string where = text::sanitize(cause.process);
        if (cause.tid && cause.tid != cause.pid) where += ", thread " + std::to_string(cause.tid);
        std::snprintf(line, sizeof(line), "%s%zu. %-13s %4s %9s  %s\n", indent, shown,
                      std::string(cause_kind_name(cause.kind)).c_str(), percent(cause.share).c_str(),
                      text::format_duration(cause.ns).c_str(), where.c_str());
        out << line;
        out << indent << "   " << meaning(cause.kind) << "\n";
        const std::size_t lead = std::strlen(indent) + 5;
        for (const std::string& evidence : cause.evidence)
            out << indent << "     " << fit_evidence(evidence, width > lead ? width - lead : 0) << "\n";
    }
    if (causes.size() > shown) {
        std::uint64_t rest = 0;
        double share = 0;
        for (std::size_t i = shown; i < causes.size(); ++i) {
            rest += causes[i].ns;
            share += causes[i].share;
        }
        out << indent << "   (" << causes.size() - shown << " more causes: " << text::format_duration(rest) << ", "
            << percent(share) << ")\n";
    }
}

void write_changes(std::ostringstream& out, const std::vector<CauseChange>& changes, std::size_t limit) {
    std::size_t shown = 0;
    for (const CauseChange& change : changes) {
        if (shown == limit || change.change_ns() <= 0) break;
        ++shown;
        out << "    " << signed_duration(change.change_ns()) << "  " << cause_kind_name(change.kind) << " in "
            << change.process << " (" << text::format_duration(change.before_ns) << " -> "
            << text::format_duration(change.after_ns) << ")\n";
    }
    if (shown == 0) out << "    nothing grew\n";
}

nlohmann::json causes_json(const std::vector<Cause>& causes, bool with_pid) {
    nlohmann::json list = nlohmann::json::array();
    for (const Cause& cause : causes) {
        nlohmann::json item = {{"kind", cause_kind_name(cause.kind)},
                               {"process", text::to_valid_utf8(cause.process)},
                               {"ns", cause.ns},
                               {"share", cause.share},
                               {"evidence", cause.evidence}};
        if (with_pid) {
            item["pid"] = cause.pid;
            item["tid"] = cause.tid;
        }
        list.push_back(std::move(item));
    }
    return list;
}

nlohmann::json changes_json(const std::vector<CauseChange>& changes) {
    nlohmann::json list = nlohmann::json::array();
    for (const CauseChange& change : changes)
        list.push_back({{"kind", cause_kind_name(change.kind)},
                        {"process", change.process},
                        {"before_ns", std::llround(change.before_ns)},
                        {"after_ns", std::llround(change.after_ns)},
                        {"change_ns", std::llround(change.change_ns())}});
    return list;
}

}  // namespace

std::string explanation_text(const Explanation& explanation, const TextOptions& options) {
    std::ostringstream out;
    out << "Session " << explanation.session_id << ": why the hooks took their time\n"
        << "(the critical path of each invocation: the chain of waits from its last exit\n"
        << " back to its start; shares are of the wall time, means over complete\n"
        << " invocations)\n";
    if (explanation.hooks.empty()) out << "\nno complete invocations to explain\n";
    for (const HookExplanation& hook : explanation.hooks) {
        out << "\n" << text::sanitize(hook.hook) << ": " << hook.invocations << (hook.invocations == 1 ? " invocation" : " invocations")
            << ", wall p50 " << text::format_duration(hook.wall_p50_ns) << ", p90 "
            << text::format_duration(hook.wall_p90_ns) << ", mean " << text::format_duration(hook.wall_mean_ns)
            << "\n";
        write_causes(out, hook.causes, options.top_causes, "  ", options.width);
        if (hook.observer_mean_ns > 0)
            out << "  validprof's own cost, apart: " << text::format_duration(hook.observer_mean_ns)
                << " per invocation held by its exec gate (" << percent(hook.observer_mean_ns / hook.wall_mean_ns)
                << " of the wall)\n";
        if (!hook.slow_vs_typical.empty()) {
            out << "  the slowest " << (hook.slow_invocations == 1 ? "invocation" : std::to_string(hook.slow_invocations) + " invocations")
                << " (the slowest tenth) spent more than the others on:\n";
            write_changes(out, hook.slow_vs_typical, 3);
        }
        if (hook.baseline_session) {
            out << "  since session " << *hook.baseline_session << " (" << hook.baseline_invocations
                << " invocations, mean wall " << text::format_duration(hook.baseline_wall_mean_ns) << " -> "
                << text::format_duration(hook.wall_mean_ns) << "):\n";
            write_changes(out, hook.since_baseline, 3);
        }
        std::vector<const InvocationExplanation*> slowest;
        for (const InvocationExplanation& detail : hook.details) slowest.push_back(&detail);
        std::stable_sort(slowest.begin(), slowest.end(),
                         [](const auto* a, const auto* b) { return a->wall_ns > b->wall_ns; });
        const std::size_t count = std::min(options.slow_invocations, slowest.size());
        if (count > 0) out << "  slowest " << (count == 1 ? "invocation" : std::to_string(count) + " invocations") << ":\n";
        for (std::size_t i = 0; i < count; ++i) {
            const InvocationExplanation& detail = *slowest[i];
            out << "  #" << detail.id << " wall " << text::format_duration(detail.wall_ns) << ", root pid "
                << detail.root_pid << "\n";
            write_causes(out, detail.causes, 3, "      ", options.width);
        }
    }
    return text::wrap_lines(out.str(), options.width);
}

nlohmann::json explanation_json(const Explanation& explanation, bool with_paths) {
    nlohmann::json hooks = nlohmann::json::array();
    nlohmann::json invocations = nlohmann::json::array();
    for (const HookExplanation& hook : explanation.hooks) {
        for (const InvocationExplanation& detail : hook.details) {
            nlohmann::json item = {{"id", detail.id},
                                   {"hook", text::to_valid_utf8(detail.hook)},
                                   {"root_pid", detail.root_pid},
                                   {"start_ns", detail.start_ns},
                                   {"wall_ns", detail.wall_ns},
                                   {"explained_ns", detail.explained_ns},
                                   {"observer_ns", detail.observer_ns},
                                   {"causes", causes_json(detail.causes, true)}};
            if (with_paths) {
                nlohmann::json path = nlohmann::json::array();
                for (const PathSegment& piece : detail.path)
                    path.push_back({{"start_ns", piece.start_ns},
                                    {"end_ns", piece.end_ns},
                                    {"pid", piece.pid},
                                    {"tid", piece.tid},
                                    {"kind", cause_kind_name(piece.kind)},
                                    {"syscall", piece.syscall},
                                    {"object", piece.object},
                                    {"other_pid", piece.other_pid},
                                    {"other_comm", piece.other_comm}});
                item["path"] = std::move(path);
            }
            invocations.push_back(std::move(item));
        }
        nlohmann::json entry = {{"hook", text::to_valid_utf8(hook.hook)},
                                {"invocations", hook.invocations},
                                {"wall_p50_ns", hook.wall_p50_ns},
                                {"wall_p90_ns", hook.wall_p90_ns},
                                {"wall_mean_ns", std::llround(hook.wall_mean_ns)},
                                {"causes", causes_json(hook.causes, false)},
                                {"observer_mean_ns", std::llround(hook.observer_mean_ns)},
                                {"slow_invocations", hook.slow_invocations},
                                {"slow_vs_typical", changes_json(hook.slow_vs_typical)}};
        if (hook.baseline_session)
            entry["baseline"] = {{"session", *hook.baseline_session},
                                 {"invocations", hook.baseline_invocations},
                                 {"wall_mean_ns", std::llround(hook.baseline_wall_mean_ns)},
                                 {"changes", changes_json(hook.since_baseline)}};
        hooks.push_back(std::move(entry));
    }
    return {{"session", explanation.session_id}, {"hooks", std::move(hooks)}, {"invocations", std::move(invocations)}};
}

}  // namespace validprof::explain
