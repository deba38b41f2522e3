#include "timeline/chrome_trace.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "explain/cause_kind.h"
#include "explain/critical_path.h"
#include "explain/syscalls.h"
#include "report/exit_status.h"
#include "report/json_report.h"
#include "report/sql_normalize.h"
#include "text/text_layout.h"

namespace validprof::timeline {
namespace {

using nlohmann::json;

std::string text(std::string_view raw) { return text::to_valid_utf8(raw); }

std::string_view basename_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// What a process is called on its track: its comm (what ps shows), else
// the basename of what it exec'd.
std::string process_name(const model::ProcessRecord& process) {
    if (!process.comm.empty()) return text(process.comm);
    if (!process.exe.empty()) return text(basename_of(process.exe));
    return "pid " + std::to_string(process.pid);
}

std::string invocation_name(const model::Invocation& invocation) {
    return text(invocation.hook) + " #" + std::to_string(invocation.id);
}

std::string thread_name(std::int32_t pid, std::int32_t tid) {
    return tid == pid ? "main" : "thread " + std::to_string(tid);
}

std::string state_name(model::WaitState state) {
    switch (state) {
        case model::WaitState::Runnable: return "runnable";
        case model::WaitState::Sleeping: return "sleeping";
        case model::WaitState::Blocked: return "blocked";
        case model::WaitState::Stopped: return "stopped";
    }
    return "unknown";
}

// CLOCK_MONOTONIC of a stored wall-clock time, when the session says how
// the two clocks relate; nullopt otherwise.
std::optional<std::uint64_t> monotonic_of(std::int64_t unix_ns, const model::SessionInfo& info) {
    if (info.monotonic_to_unix_offset_ns == 0 || unix_ns <= info.monotonic_to_unix_offset_ns) return std::nullopt;
    return static_cast<std::uint64_t>(unix_ns - info.monotonic_to_unix_offset_ns);
}

std::optional<std::uint64_t> session_end_ns(const model::SessionSummary& session) {
    if (!session.complete) return std::nullopt;
    return monotonic_of(session.end.end_unix_ns, session.info);
}

// Where a slice that has not ended (a process or thread alive at the end of
// the session, or one whose exit was lost) is drawn to: the invocation's
// last end (for an incomplete invocation, when it was stored), else the
// session's end, else nowhere past its start.
std::uint64_t unfinished_end(const model::Invocation& invocation, const model::SessionSummary& session,
                             std::uint64_t start_ns) {
    std::uint64_t end = invocation.last_end_ns;
    if (end == 0) end = session_end_ns(session).value_or(0);
    return std::max(end, start_ns);
}

// Track ids. Viewers key threads by tid alone (Perfetto's JSON importer
// names a thread by tid) and keep pid and tid in 32 bits, so an OS id names
// one task only: the first to claim it. A pid or tid that an earlier task
// of the trace already used (reuse within the session) gets a synthetic id
// at or above PID_MAX_LIMIT, which no OS id reaches; so do the tracks that
// are not threads (an invocation's, overflow lanes).
// Scheduler lanes sort after every thread track of their process.
constexpr std::int64_t kSchedulerLaneSortBase = 1'000'000;

class TrackIds {
public:
    std::int64_t claim(std::int32_t os_id) {
        if (os_id > 0 && os_id < kFirstSynthetic && used_.insert(os_id).second) return os_id;
        return fresh();
    }
    std::int64_t fresh() { return next_++; }

private:
    static constexpr std::int64_t kFirstSynthetic = 4'194'304;  // PID_MAX_LIMIT on 64-bit kernels
    std::set<std::int64_t> used_;
    std::int64_t next_ = kFirstSynthetic;
};

// One process as drawn: its track group, its threads' tracks, and the
// span in which the session's per-thread records belong to it.
struct ProcessTrack {
    const model::Invocation* invocation = nullptr;
    const model::ProcessRecord* process = nullptr;
    std::int64_t track_pid = 0;
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
    bool ended = false;  // it exited while observed
    std::map<std::int32_t, std::int64_t> thread_tracks;  // OS tid → track tid
};

// A thread track's name and place, for its metadata and its overflow lanes.
struct ThreadTrack {
    std::string name;
    std::int64_t sort_index = 0;
};

// Collects the slices, lays each thread's out so that they nest, then
// writes the trace array once.
class TraceBuilder {
public:
    TraceBuilder(const TimelineInput& input, std::uint64_t origin_ns) : input_(input), origin_ns_(origin_ns) {}

    json build() {
        place_processes();
        for (ProcessTrack& track : tracks_) add_process(track);
        add_invocations();
        for (const model::PhaseExecution& phase : input_.phases) add_phase(phase);
        for (const model::StatementExecution& statement : input_.statements) add_statement(statement);
        for (const model::SyscallSpan& span : input_.spans) add_span(span);
        for (const model::WaitInterval& wait : input_.waits) add_wait(wait);
        if (input_.session.info.wait_record_min_ns == 0) add_scheduler_lanes();
        lay_out_slices();
        return take_events();
    }

private:
    struct Slice {
        std::int64_t pid = 0;
        std::int64_t tid = 0;  // its thread's track; an overflow lane's after lay_out_slices
        std::uint64_t start_ns = 0;
        std::uint64_t end_ns = 0;
        std::size_t order = 0;
        json event;
    };

    void place_processes() {
        std::vector<const model::Invocation*> ordered;
        ordered.reserve(input_.invocations.size());
        for (const model::Invocation& invocation : input_.invocations) ordered.push_back(&invocation);
        std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
            return std::tie(a->start_ns, a->id) < std::tie(b->start_ns, b->id);
        });
        for (const model::Invocation* invocation : ordered) {
            for (const model::ProcessRecord& process : invocation->processes) {
                ProcessTrack track;
                track.invocation = invocation;
                track.process = &process;
                track.track_pid = ids_.claim(process.pid);
                track.thread_tracks[process.pid] = track.track_pid;  // the main thread's track
                track.start_ns = process.start_ns;
                track.ended = process.exited && process.end_ns != 0;
                track.end_ns =
                    track.ended ? process.end_ns : unfinished_end(*invocation, input_.session, process.start_ns);
                by_pid_[process.pid].push_back(tracks_.size());
                tracks_.push_back(std::move(track));
            }
        }
    }

    // The drawn process that had pid at timestamp_ns, if any.
    ProcessTrack* owner(std::int32_t pid, std::uint64_t timestamp_ns) {
        auto found = by_pid_.find(pid);
        if (found == by_pid_.end()) return nullptr;
        for (std::size_t index : found->second) {
            ProcessTrack& track = tracks_[index];
            if (timestamp_ns >= track.start_ns && timestamp_ns <= track.end_ns) return &track;
        }
        return nullptr;
    }

    void add_metadata(std::int64_t pid, std::optional<std::int64_t> tid, const char* name, json args) {
        json event = {{"name", name}, {"ph", "M"}, {"ts", 0}, {"pid", pid}};
        if (tid) event["tid"] = *tid;
        event["args"] = std::move(args);
        metadata_.push_back(std::move(event));
    }

    void name_thread_track(std::int64_t pid, std::int64_t tid, std::string name, std::int64_t sort_index) {
        add_metadata(pid, tid, "thread_name", {{"name", name}});
        add_metadata(pid, tid, "thread_sort_index", {{"sort_index", sort_index}});
        thread_tracks_[{pid, tid}] = {std::move(name), sort_index};
    }

    // The track of one of the process's threads, named when first used.
    std::int64_t thread_track(ProcessTrack& track, std::int32_t tid, std::int64_t sort_index) {
        auto [found, inserted] = track.thread_tracks.try_emplace(tid, 0);
        if (inserted) found->second = ids_.claim(tid);
        if (thread_tracks_.count({track.track_pid, found->second}) == 0)
            name_thread_track(track.track_pid, found->second, thread_name(track.process->pid, tid), sort_index);
        return found->second;
    }

    void add_slice(std::int64_t pid, std::int64_t tid, std::uint64_t start_ns, std::uint64_t end_ns, std::string name,
                   const char* category, json args) {
        // Nothing before time 0, nothing that ends before it begins.
        if (start_ns < origin_ns_ || end_ns < start_ns) return;
        Slice slice;
        slice.pid = pid;
        slice.tid = tid;
        slice.start_ns = start_ns;
        slice.end_ns = end_ns;
        slice.order = slices_.size();
        slice.event = {{"name", std::move(name)},
                       {"cat", category},
                       {"ph", "X"},
                       {"ts", microseconds(start_ns - origin_ns_)},
                       {"dur", microseconds(end_ns - start_ns)},
                       {"pid", pid},
                       {"args", std::move(args)}};
        slices_.push_back(std::move(slice));
    }

    // Nanoseconds as microseconds: the quotient rounded to the nearest
    // double, which prints as the exact three-decimal value (below 2^53 ns).
    static double microseconds(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

    void add_process(ProcessTrack& track) {
        const model::ProcessRecord& process = *track.process;
        const model::Invocation& invocation = *track.invocation;
        const std::int64_t pid = track.track_pid;
        add_metadata(pid, std::nullopt, "process_name",
                     {{"name", invocation_name(invocation) + " \xc2\xb7 " + process_name(process) + " (pid " +
                                   std::to_string(process.pid) + ")"}});
        add_metadata(pid, std::nullopt, "process_sort_index", {{"sort_index", process_sort_index_++}});
        const std::int64_t main = thread_track(track, process.pid, 0);
        for (std::size_t index = 0; index < process.thread_records.size(); ++index)
            thread_track(track, process.thread_records[index].tid, static_cast<std::int64_t>(index) + 1);

        json args = {{"pid", process.pid},
                     {"ppid", process.ppid},
                     {"exe", text(process.exe)},
                     {"argv", text(process.argv)},
                     {"comm", text(process.comm)},
                     {"threads", process.threads},
                     {"invocation_id", invocation.id},
                     {"hook", text(invocation.hook)}};
        if (track.ended) {
            args["exit_status"] = report::describe_exit_status(process.exit_code);
            args["exit_code"] = process.exit_code;
        } else {
            args["incomplete"] = true;
        }
        if (process.exec_ns >= process.start_ns && process.exec_ns != 0)
            args["exec_after_start_ns"] = process.exec_ns - process.start_ns;
        args = report::times_fields(std::move(args), process.times);
        args["on_cpu_ns_per_cpu"] = report::per_cpu_json(process.times.on_cpu_ns_per_cpu);
        add_slice(pid, main, track.start_ns, track.end_ns, process_name(process), "process", std::move(args));

        for (const model::ThreadRecord& thread : process.thread_records) add_thread(track, thread);
    }

    void add_thread(ProcessTrack& track, const model::ThreadRecord& thread) {
        const std::uint64_t start = thread.start_ns ? thread.start_ns : track.start_ns;
        const bool ended = thread.end_ns != 0;
        const std::uint64_t end = ended ? thread.end_ns : std::max(track.end_ns, start);
        json args = {{"tid", thread.tid}, {"creator_tid", thread.creator_tid}};
        if (thread.exiting_ns >= start && thread.exiting_ns != 0) args["exit_path_after_start_ns"] = thread.exiting_ns - start;
        if (!ended) args["incomplete"] = true;
        args = report::times_fields(std::move(args), thread.times);
        add_slice(track.track_pid, track.thread_tracks.at(thread.tid), start, end,
                  thread_name(track.process->pid, thread.tid), "thread", std::move(args));
    }

    // Each invocation on a track of its own, first in its root process's
    // group. Not on the root's main thread: the invocation begins at the
    // root's exec, inside the root's execve system call, so the two slices
    // would overlap without nesting, which viewers do not draw.
    void add_invocations() {
        std::set<const model::Invocation*> drawn;
        for (const ProcessTrack& track : tracks_) {
            const model::Invocation& invocation = *track.invocation;
            // Roots come first in each invocation: the first drawn process
            // with the root's pid is it.
            if (track.process->pid != invocation.root_pid || !drawn.insert(&invocation).second) continue;
            const std::int64_t tid = ids_.fresh();
            name_thread_track(track.track_pid, tid, invocation_name(invocation), -1);
            const std::uint64_t end = invocation.complete && invocation.last_end_ns
                                          ? invocation.last_end_ns
                                          : unfinished_end(invocation, input_.session, invocation.start_ns);
            json args = {{"invocation_id", invocation.id},
                         {"hook", text(invocation.hook)},
                         {"root_pid", invocation.root_pid},
                         {"processes", invocation.processes.size()},
                         {"complete", invocation.complete},
                         {"wall_ns", end > invocation.start_ns ? end - invocation.start_ns : 0}};
            if (invocation.root_end_ns != 0) args["exit_status"] = report::describe_exit_status(invocation.exit_code);
            if (!invocation.complete) args["incomplete"] = true;
            args = report::times_fields(std::move(args), invocation.times);
            add_slice(track.track_pid, tid, invocation.start_ns, end, invocation_name(invocation), "invocation",
                      std::move(args));
        }
    }

    // The process and thread track of a per-thread record; nullptr when its
    // process is not drawn.
    ProcessTrack* track_of(std::int32_t pid, std::int32_t& tid, std::uint64_t start_ns, std::int64_t& thread) {
        if (tid == 0) tid = pid;
        ProcessTrack* track = owner(pid, start_ns);
        if (track) thread = thread_track(*track, tid, std::numeric_limits<std::int32_t>::max());
        return track;
    }

    void add_phase(const model::PhaseExecution& phase) {
        std::int32_t tid = phase.tid;
        std::int64_t thread = 0;
        const ProcessTrack* track = track_of(phase.pid, tid, phase.start_ns, thread);
        if (!track) return;
        json args = {{"tid", tid},
                     {"on_cpu_ns", phase.on_cpu_ns},
                     {"on_cpu_ns_per_cpu", report::per_cpu_json(phase.on_cpu_ns_per_cpu)}};
        add_slice(track->track_pid, thread, phase.start_ns, phase.end_ns, text(phase.provider) + ":" + text(phase.phase),
                  "phase", std::move(args));
    }

    void add_statement(const model::StatementExecution& statement) {
        std::int32_t tid = statement.tid;
        std::int64_t thread = 0;
        const ProcessTrack* track = track_of(statement.pid, tid, statement.start_ns, thread);
        if (!track) return;
        std::string name = text(report::normalize_sql(statement.sql));
        if (name.empty()) name = "(empty SQL)";
        json args = {{"tid", tid},
                     {"sql", text(statement.sql)},
                     {"sql_truncated", statement.sql_truncated},
                     {"database", text(statement.database)},
                     {"rows", statement.rows},
                     {"result_code", statement.result_code},
                     {"busy_results", statement.busy_results},
                     {"locked_results", statement.locked_results},
                     {"from_exec", statement.from_exec}};
        add_slice(track->track_pid, thread, statement.start_ns, statement.end_ns, std::move(name), "sql",
                  std::move(args));
    }

    void add_span(const model::SyscallSpan& span) {
        std::int32_t tid = span.tid;
        std::int64_t thread = 0;
        const ProcessTrack* track = track_of(span.pid, tid, span.start_ns, thread);
        if (!track) return;
        json args = {{"tid", tid},
                     {"syscall", span.syscall},
                     {"result", span.result},
                     {"failed", span.result < 0},
                     {"arg0", span.arg0},
                     {"arg1", span.arg1}};
        add_slice(track->track_pid, thread, span.start_ns, span.end_ns, text(explain::syscall_name(span.syscall)),
                  "syscall", std::move(args));
    }

    void add_wait(const model::WaitInterval& wait) {
        std::int32_t tid = wait.tid;
        std::int64_t thread = 0;
        const ProcessTrack* track = track_of(wait.pid, tid, wait.off_ns, thread);
        if (!track) return;
        const explain::PathSegment reason = explain::classify_wait(wait);
        const std::string cause = wait.woken_by_observer && wait.state == model::WaitState::Stopped
                                      ? std::string("observer")
                                      : std::string(explain::cause_kind_name(reason.kind));
        std::string name = cause + (reason.syscall.empty() ? "" : " (" + text(reason.syscall) + ")");
        json args = {{"tid", tid},
                     {"cause", cause},
                     {"state", state_name(wait.state)},
                     {"waiting_ns", wait.waiting_ns()},
                     {"run_queue_ns", wait.run_queue_ns()},
                     {"woken_by_observer", wait.woken_by_observer}};
        if (!reason.syscall.empty()) args["syscall"] = text(reason.syscall);
        if (!reason.object.empty()) args["object"] = text(reason.object);
        if (wait.waker_tid != 0) {
            args["waker_pid"] = wait.waker_pid;
            args["waker_tid"] = wait.waker_tid;
            args["waker_comm"] = text(wait.waker_comm);
            args["waker_in_interrupt"] = wait.waker_in_interrupt;
        }
        if (wait.holder_tid != 0) {
            args["cpu_holder_pid"] = wait.holder_pid;
            args["cpu_holder_tid"] = wait.holder_tid;
            args["cpu_holder_comm"] = text(wait.holder_comm);
            args["cpu_holder_tracked"] = wait.holder_tracked;
        }
        add_slice(track->track_pid, thread, wait.off_ns, wait.on_ns, std::move(name), "off-cpu", std::move(args));
    }

    // Sessions recorded with --timeline hold every off-CPU wait, so a
    // thread's life splits exactly into on-CPU stretches (between waits),
    // and per wait the time asleep or blocked (to its wakeup) and in the
    // run queue (wakeup, or preemption, to running again). Each thread gets
    // a lane of its own ("main · scheduler") with these slices, which
    // never overlap and together cover the thread's drawn lifetime.
    void add_scheduler_lanes() {
        std::map<std::pair<std::int32_t, std::int32_t>, std::vector<const model::WaitInterval*>> by_thread;
        for (const model::WaitInterval& wait : input_.waits)
            by_thread[{wait.pid, wait.tid ? wait.tid : wait.pid}].push_back(&wait);
        for (auto& [key, waits] : by_thread)
            std::sort(waits.begin(), waits.end(), [](const auto* a, const auto* b) { return a->off_ns < b->off_ns; });
        std::int64_t lane_index = 0;
        for (ProcessTrack& track : tracks_) {
            for (const model::ThreadRecord& thread : track.process->thread_records) {
                const std::uint64_t start = thread.start_ns ? thread.start_ns : track.start_ns;
                const std::uint64_t end = thread.end_ns ? thread.end_ns : std::max(track.end_ns, start);
                const std::int64_t lane = ids_.fresh();
                name_thread_track(track.track_pid, lane, thread_name(track.process->pid, thread.tid) + " \xc2\xb7 scheduler",
                                  kSchedulerLaneSortBase + lane_index++);
                std::uint64_t cursor = start;
                bool first = true;
                auto on_cpu = [&](std::uint64_t until) {
                    if (until <= cursor) return;
                    json args = {{"tid", thread.tid}};
                    // A new thread waits for a CPU after its fork before it
                    // first runs; no wait record covers that.
                    if (first) args["includes_first_run_queue_wait"] = true;
                    add_slice(track.track_pid, lane, cursor, until, "on-CPU", "sched", std::move(args));
                    first = false;
                };
                auto found = by_thread.find({track.process->pid, thread.tid});
                if (found != by_thread.end()) {
                    for (const model::WaitInterval* wait : found->second) {
                        if (wait->off_ns < start || wait->off_ns >= end || wait->off_ns < cursor) continue;
                        on_cpu(wait->off_ns);
                        first = false;
                        const std::uint64_t ran_again = std::min(std::max(wait->on_ns, wait->off_ns), end);
                        const bool preempted = wait->state == model::WaitState::Runnable || wait->woken_ns == 0;
                        const std::uint64_t woken = preempted ? wait->off_ns : std::clamp(wait->woken_ns, wait->off_ns, ran_again);
                        if (woken > wait->off_ns)
                            add_slice(track.track_pid, lane, wait->off_ns, woken, state_name(wait->state), "sched",
                                      {{"tid", thread.tid}});
                        if (ran_again > woken)
                            add_slice(track.track_pid, lane, woken, ran_again, "run queue", "sched",
                                      {{"tid", thread.tid}, {"preempted", preempted}});
                        cursor = ran_again;
                    }
                }
                on_cpu(end);
            }
        }
    }

    // Viewers draw a thread's slices as a stack: each must lie within the
    // one it starts in (Perfetto drops or cuts the others). The records
    // nest by construction almost always, but not every time (SQLite
    // statements stepped in turn, a record cut short by a lost event), so
    // each thread's slices are placed in start order, longest first, on the
    // thread's own track while they nest there, and on an overflow lane of
    // the thread ("main (overlapping 1)") otherwise: nothing is lost.
    void lay_out_slices() {
        std::sort(slices_.begin(), slices_.end(), [](const Slice& a, const Slice& b) {
            return std::tie(a.pid, a.tid, a.start_ns, b.end_ns, a.order) <
                   std::tie(b.pid, b.tid, b.start_ns, a.end_ns, b.order);
        });
        std::size_t first = 0;
        while (first < slices_.size()) {
            std::size_t last = first;
            while (last < slices_.size() && slices_[last].pid == slices_[first].pid &&
                   slices_[last].tid == slices_[first].tid)
                ++last;
            lay_out_thread(first, last);
            first = last;
        }
    }

    void lay_out_thread(std::size_t first, std::size_t last) {
        const std::int64_t pid = slices_[first].pid;
        const std::int64_t home = slices_[first].tid;
        std::vector<std::int64_t> lane_tids = {home};
        std::vector<std::vector<std::uint64_t>> open_ends(1);  // per lane, the ends of the slices open there
        for (std::size_t index = first; index < last; ++index) {
            Slice& slice = slices_[index];
            std::size_t lane = 0;
            for (;; ++lane) {
                if (lane == lane_tids.size()) {
                    lane_tids.push_back(ids_.fresh());
                    open_ends.emplace_back();
                    const ThreadTrack& thread = thread_tracks_[{pid, home}];
                    name_thread_track(pid, lane_tids.back(),
                                      thread.name + " (overlapping " + std::to_string(lane) + ")", thread.sort_index);
                }
                std::vector<std::uint64_t>& ends = open_ends[lane];
                while (!ends.empty() && ends.back() <= slice.start_ns) ends.pop_back();
                if (ends.empty() || slice.end_ns <= ends.back()) break;
            }
            open_ends[lane].push_back(slice.end_ns);
            slice.tid = lane_tids[lane];
        }
    }

    json take_events() {
        // Overflow lanes moved slices: order by track again.
        std::stable_sort(slices_.begin(), slices_.end(), [](const Slice& a, const Slice& b) {
            return std::tie(a.pid, a.tid) < std::tie(b.pid, b.tid);
        });
        json events = json::array();
        for (json& event : metadata_) events.push_back(std::move(event));
        for (Slice& slice : slices_) {
            slice.event["tid"] = slice.tid;
            events.push_back(std::move(slice.event));
        }
        metadata_.clear();
        slices_.clear();
        return events;
    }

    const TimelineInput& input_;
    const std::uint64_t origin_ns_;
    TrackIds ids_;
    std::vector<ProcessTrack> tracks_;
    std::map<std::int32_t, std::vector<std::size_t>> by_pid_;  // earliest drawn first
    std::map<std::pair<std::int64_t, std::int64_t>, ThreadTrack> thread_tracks_;
    std::int64_t process_sort_index_ = 0;
    std::vector<json> metadata_;
    std::vector<Slice> slices_;
};

json other_data(const TimelineInput& input, std::uint64_t origin_ns) {
    const model::SessionSummary& session = input.session;
    json out = {{"producer", "validprof"},
                {"session", session.id},
                {"command", text(session.info.command)},
                {"target", text(session.info.target)},
                {"host", text(session.info.host)},
                {"kernel_release", text(session.info.kernel_release)},
                {"session_start_unix_ns", session.info.start_unix_ns},
                {"session_complete", session.complete},
                {"session_in_progress", session.in_progress},
                {"selection", text(input.selection_label)},
                {"invocations", input.invocations.size()},
                {"lost_events", model::total_lost(session.end.lost_events)},
                {"clock", "ts and dur: microseconds after origin_monotonic_ns (CLOCK_MONOTONIC)"},
                {"origin_monotonic_ns", origin_ns}};
    if (session.info.monotonic_to_unix_offset_ns != 0)
        out["origin_unix_ns"] = static_cast<std::int64_t>(origin_ns) + session.info.monotonic_to_unix_offset_ns;
    return out;
}

}  // namespace

std::vector<model::Invocation> select_invocations(std::vector<model::Invocation> invocations,
                                                  const Selection& selection) {
    std::erase_if(invocations, [&](const model::Invocation& invocation) {
        if (selection.hook && invocation.hook != *selection.hook) return true;
        if (selection.invocation_id && invocation.id != *selection.invocation_id) return true;
        return false;
    });
    return invocations;
}

std::uint64_t trace_origin_ns(const TimelineInput& input) {
    std::uint64_t origin = std::numeric_limits<std::uint64_t>::max();
    auto consider = [&origin](std::uint64_t ns) {
        if (ns != 0) origin = std::min(origin, ns);
    };
    if (auto start = monotonic_of(input.session.info.start_unix_ns, input.session.info)) consider(*start);
    for (const model::Invocation& invocation : input.invocations) {
        consider(invocation.start_ns);
        for (const model::ProcessRecord& process : invocation.processes) {
            consider(process.start_ns);
            for (const model::ThreadRecord& thread : process.thread_records) consider(thread.start_ns);
        }
    }
    return origin == std::numeric_limits<std::uint64_t>::max() ? 0 : origin;
}

nlohmann::json chrome_trace(const TimelineInput& input) {
    const std::uint64_t origin = trace_origin_ns(input);
    json trace = json::object();
    trace["traceEvents"] = TraceBuilder(input, origin).build();
    trace["displayTimeUnit"] = "ms";
    trace["otherData"] = other_data(input, origin);
    return trace;
}

}  // namespace validprof::timeline
