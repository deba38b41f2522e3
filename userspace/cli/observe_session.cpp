#include "cli/observe_session.h"

#include <sys/utsname.h>
#include <time.h>

#include <cstdio>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "cli/command_launcher.h"
#include "cli/status_line.h"
#include "cli/stop_signals.h"
#include "invocations/invocation_tracker.h"
#include "storage/profile_database.h"
#include "tracer/hook_tracer.h"
#include "tracer/kernel_features.h"

namespace validprof::cli {
namespace {

constexpr int kPollTimeoutMs = 100;

std::uint64_t clock_ns(clockid_t clock) {
    timespec now{};
    ::clock_gettime(clock, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(now.tv_nsec);
}

std::uint64_t monotonic_ns() { return clock_ns(CLOCK_MONOTONIC); }

std::string join(const std::vector<std::string>& words) {
    std::string joined;
    for (const std::string& word : words) {
        if (!joined.empty()) joined += ' ';
        joined += word;
    }
    return joined;
}

model::SessionInfo describe_session(const ObserveOptions& options) {
    model::SessionInfo info;
    info.command = options.kind == ObserveOptions::Kind::Record ? "record" : "attach";
    info.target = options.kind == ObserveOptions::Kind::Record ? join(options.command) : "system-wide";
    utsname names{};
    if (::uname(&names) == 0) {
        info.host = names.nodename;
        info.kernel_release = names.release;
    }
    info.rules = options.rules.describe();
    std::uint64_t realtime = clock_ns(CLOCK_REALTIME);
    std::uint64_t monotonic = monotonic_ns();
    info.start_unix_ns = static_cast<std::int64_t>(realtime);
    info.monotonic_to_unix_offset_ns = static_cast<std::int64_t>(realtime) - static_cast<std::int64_t>(monotonic);
    return info;
}

std::uint64_t count_lost(const std::map<std::string, std::uint64_t>& counters) {
    std::uint64_t lost = 0;
    for (const auto& [reason, value] : counters)
        if (reason != "cpu_id_folded") lost += value;  // folded CPU time is kept, not lost
    return lost;
}

// Everything one observing run holds, so the loop reads as steps.
class Observer {
public:
    Observer(ObserveOptions options, std::unique_ptr<storage::ProfileDatabase> database)
        : options_(std::move(options)),
          database_(std::move(database)),
          tracker_(options_.rules, tracker_options(options_)) {}

    common::Result<ObserveOutcome> run() {
        auto tracer = tracer::HookTracer::create(
            {.track_new_execs = options_.kind == ObserveOptions::Kind::Attach},
            [this](const model::ProcessEvent& event) { tracker_.on_event(event); });
        if (!tracer) return tracer.error();
        tracer_ = std::move(*tracer);

        std::optional<LaunchedCommand> command;
        if (options_.kind == ObserveOptions::Kind::Record) {
            auto launched = LaunchedCommand::fork_stopped(options_.command);
            if (!launched) return launched.error();
            command.emplace(std::move(*launched));
            if (auto tracked = tracer_->track_process(command->pid()); !tracked) return tracked.error();
            tracker_.set_record_root(command->pid(), monotonic_ns());
        }

        auto session = database_->begin_session(describe_session(options_));
        if (!session) return session.error();
        session_id_ = *session;
        started_ns_ = monotonic_ns();
        if (command) command->release();

        StopSignals stop;
        StatusLine status(options_.show_status_line);
        std::optional<std::uint64_t> command_exit_ns;
        while (true) {
            auto polled = tracer_->poll(kPollTimeoutMs);
            if (!polled) return polled.error();
            for (std::int32_t tid : tracker_.take_untrack_requests()) tracer_->untrack_thread(tid);
            if (auto stored = store(tracker_.take_finished(monotonic_ns())); !stored) return stored.error();
            status.update(progress());

            if (stop.requested()) {
                if (command) command->forward_signal(stop.signal_number());
                break;
            }
            std::uint64_t now = monotonic_ns();
            if (options_.duration_seconds &&
                static_cast<double>(now - started_ns_) / 1e9 >= *options_.duration_seconds)
                break;
            if (command) {
                if (!command_exit_ns && command->reap_if_exited()) command_exit_ns = now;
                // Wait for the command's descendants (and a last round of
                // late events), up to the drain timeout.
                if (command_exit_ns) {
                    double since_exit = static_cast<double>(now - *command_exit_ns) / 1e9;
                    bool drained = tracker_.open_invocations() == 0 && since_exit > 0.05;
                    if (drained || since_exit >= options_.drain_timeout_seconds) break;
                }
            }
        }
        status.clear();

        // Drain what the kernel already queued, then close what is still open.
        while (true) {
            auto polled = tracer_->poll(0);
            if (!polled || *polled == 0) break;
        }
        std::vector<invocations::LiveThread> live;
        for (const tracer::LiveThreadTimes& thread : tracer_->live_threads())
            live.push_back({thread.pid, thread.tid, thread.times});
        if (auto stored = store(tracker_.finish(monotonic_ns(), live)); !stored) return stored.error();

        model::SessionEnd end;
        end.end_unix_ns = static_cast<std::int64_t>(clock_ns(CLOCK_REALTIME));
        end.lost_events = tracer_->lost_events();
        end.events_received = tracer_->events_received();
        tracer_.reset();  // detach before anything else can fail
        if (auto finished = database_->finish_session(session_id_, end); !finished) return finished.error();

        print_summary(end, stop.signal_number());
        ObserveOutcome outcome;
        outcome.session_id = session_id_;
        outcome.invocations = stored_invocations_;
        if (command && command->reap_if_exited() && !stop.requested()) outcome.exit_code = command->exit_code();
        return outcome;
    }

private:
    static invocations::TrackerOptions tracker_options(const ObserveOptions& options) {
        invocations::TrackerOptions tracker;
        tracker.mode = options.kind == ObserveOptions::Kind::Record ? invocations::TrackingMode::Record
                                                                   : invocations::TrackingMode::Attach;
        if (!options.command.empty())
            tracker.record_command_name = std::filesystem::path(options.command.front()).filename().string();
        return tracker;
    }

    common::Result<void> store(const std::vector<model::Invocation>& batch) {
        if (batch.empty()) return common::success();
        if (auto stored = database_->store_invocations(session_id_, batch); !stored) return stored.error();
        stored_invocations_ += batch.size();
        return common::success();
    }

    ObserveProgress progress() const {
        ObserveProgress progress;
        progress.elapsed_seconds = static_cast<double>(monotonic_ns() - started_ns_) / 1e9;
        progress.invocations_seen = tracker_.counters().invocations_started;
        progress.invocations_finished = stored_invocations_;
        progress.events = tracer_->events_received();
        progress.lost_events = count_lost(tracer_->lost_events());
        return progress;
    }

    void print_summary(const model::SessionEnd& end, int stop_signal) const {
        double seconds = static_cast<double>(monotonic_ns() - started_ns_) / 1e9;
        std::uint64_t lost = count_lost(end.lost_events);
        std::fprintf(stderr, "validprof: session %lld%s: %llu invocations in %.1f s, %llu events, %llu lost\n",
                     static_cast<long long>(session_id_), stop_signal ? " (stopped by signal)" : "",
                     static_cast<unsigned long long>(stored_invocations_), seconds,
                     static_cast<unsigned long long>(end.events_received), static_cast<unsigned long long>(lost));
        if (lost > 0)
            std::fprintf(stderr, "validprof: warning: %llu events were lost; `validprof report` lists them by reason\n",
                         static_cast<unsigned long long>(lost));
        std::fprintf(stderr, "validprof: see `validprof report --session %lld --db %s`\n",
                     static_cast<long long>(session_id_), database_->path().c_str());
    }

    ObserveOptions options_;
    std::unique_ptr<storage::ProfileDatabase> database_;
    invocations::InvocationTracker tracker_;
    std::unique_ptr<tracer::HookTracer> tracer_;
    std::int64_t session_id_ = 0;
    std::uint64_t started_ns_ = 0;
    std::uint64_t stored_invocations_ = 0;
};

}  // namespace

common::Result<ObserveOutcome> observe(ObserveOptions options) {
    // Privileges and kernel support first, then the database: each failure
    // is reported before anything is created or loaded.
    if (auto privileges = tracer::check_tracing_privileges(); !privileges) return privileges.error();
    if (auto support = tracer::check_kernel_support(); !support) return support.error();
    auto database = storage::ProfileDatabase::open(options.database_path, storage::OpenMode::ReadWrite);
    if (!database) return database.error();
    Observer observer(std::move(options), std::move(*database));
    return observer.run();
}

}  // namespace validprof::cli
