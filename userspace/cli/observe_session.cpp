#include "cli/observe_session.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <time.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>

#include "bpf_support/kernel_features.h"
#include "cli/command_launcher.h"
#include "cli/status_line.h"
#include "cli/stop_signals.h"
#include "invocations/invocation_tracker.h"
#include "metrics/metrics_server.h"
#include "phases/phase_tracer.h"
#include "report/json_report.h"
#include "text/text_layout.h"
#include "sqlite/sqlite_tracer.h"
#include "tracer/proc_maps.h"
#include "stacks/symbolizer.h"
#include "storage/profile_database.h"
#include "tracer/hook_tracer.h"
#include "tracer/process_gate.h"

namespace validprof::cli {
namespace {

constexpr int kPollTimeoutMs = 100;
// Once record's command has exited: short rounds, so the session ends soon
// after the last exit event arrives.
constexpr int kDrainPollTimeoutMs = 10;

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
    info.wait_record_min_ns = options.timeline ? 0 : tracer::kDefaultWaitRecordMinNs;
    std::uint64_t realtime = clock_ns(CLOCK_REALTIME);
    std::uint64_t monotonic = monotonic_ns();
    info.start_unix_ns = static_cast<std::int64_t>(realtime);
    info.monotonic_to_unix_offset_ns = static_cast<std::int64_t>(realtime) - static_cast<std::int64_t>(monotonic);
    return info;
}

// Everything one observing run holds, so the loop reads as steps.
class Observer {
public:
    Observer(ObserveOptions options, std::unique_ptr<storage::ProfileDatabase> database)
        : options_(std::move(options)),
          database_(std::move(database)),
          tracker_(options_.rules, tracker_options(options_)) {}

    common::Result<ObserveOutcome> run() {
        // Bound before anything is loaded: a port in use is a one-line
        // error, not a failure after seconds of BPF loading.
        if (options_.metrics_address) {
            auto server = metrics::MetricsServer::start(*options_.metrics_address, metrics_);
            if (!server) return server.error();
            metrics_server_ = std::move(*server);
        }
        StatusLine status(options_.show_status_line);
        status.step("loading the process and scheduler probes");
        auto tracer = tracer::HookTracer::create(
            {.track_new_execs = options_.kind == ObserveOptions::Kind::Attach,
             .wait_record_min_ns = options_.timeline ? 0 : tracer::kDefaultWaitRecordMinNs,
             .gate_unchecked_executables = options_.usdt || options_.sql,
             .syscall_spans = options_.syscall_spans},
            [this](const model::ProcessEvent& event) { on_event(event); },
            [this](model::WaitInterval&& wait) { on_wait(std::move(wait)); },
            [this](model::SyscallSpan&& span) { pending_spans_.push_back(std::move(span)); });
        if (!tracer) return tracer.error();
        tracer_ = std::move(*tracer);
        if (options_.usdt) {
            status.step("loading the USDT phase probes");
            auto phases = phases::PhaseTracer::create(tracer_->tracked_threads_fd());
            if (!phases) return phases.error();
            phase_tracer_ = std::move(*phases);
            auto added = tracer_->add_ring_buffer(phase_tracer_->ring_buffer_fd(), [this](const void* data, std::size_t size) {
                auto phase = phase_tracer_->decode(data, size);
                if (phase) pending_phases_.push_back(std::move(*phase));
            });
            if (!added) return added.error();
        }
        if (options_.sql) {
            status.step("loading the SQLite probes");
            auto sqlite = sqlite::SqliteTracer::create({}, tracer_->tracked_threads_fd(), tracer_->gate_maps());
            if (!sqlite) return sqlite.error();
            sqlite_tracer_ = std::move(*sqlite);
            auto added = tracer_->add_ring_buffer(sqlite_tracer_->ring_buffer_fd(), [this](const void* data, std::size_t size) {
                sqlite_tracer_->handle_record(data, size);
            });
            if (!added) return added.error();
        }
        if (options_.stacks) {
            status.step("loading the stack sampler");
            stacks::StackOptions stack_options = *options_.stacks;
            if (phase_tracer_) stack_options.thread_phases_fd = phase_tracer_->thread_phases_fd();
            auto collector = stacks::StackCollector::create(stack_options, tracer_->tracked_threads_fd());
            if (!collector) return collector.error();
            stack_collector_ = std::move(*collector);
            if (int fd = stack_collector_->copy_ring_buffer_fd(); fd >= 0) {
                auto added = tracer_->add_ring_buffer(fd, [this](const void* data, std::size_t size) {
                    stack_collector_->handle_copy(data, size);
                });
                if (!added) return added.error();
            }
        }

        if (options_.usdt || options_.sql) {
            auto gate = tracer::ProcessGate::open(tracer_->gate_maps(),
                                                  [this](const std::string& path) { return attach_probes(path); });
            if (!gate) return gate.error();
            gate_ = std::move(*gate);
            // Before the command is forked: the watchdog must not be its sibling in the tracked tree.
            if (auto started = gate_->start_watchdog(); !started) return started.error();
            // Files earlier sessions inspected and that are unchanged: attached
            // to now, never held for.
            if (auto known = database_->load_inspected_files(); known) {
                model::FileInspection need;
                need.usdt_checked = options_.usdt;
                need.sqlite_checked = options_.sql;
                std::size_t taken = gate_->preload(*known, need);
                spdlog::debug("gate: {} of {} files known from earlier sessions taken as inspected", taken,
                              known->size());
            } else {
                spdlog::warn("{}", known.error().message);
            }
        }

        model::SessionInfo info = describe_session(options_);
        session_start_unix_ns_ = info.start_unix_ns;
        session_info_ = info;
        auto session = database_->begin_session(info);
        if (!session) return session.error();
        session_id_ = *session;
        started_ns_ = monotonic_ns();
        if (metrics_server_) {
            metrics_.set_session(session_id_);
            std::fprintf(stderr, "validprof: metrics at http://%s/metrics\n", metrics_server_->bound_address().c_str());
        }
        if (options_.stacks) {
            // The settings now, the stacks at the end (they are aggregated in
            // the kernel): a session whose recorder is killed still says it
            // was recorded with --stacks.
            model::StackProfile settings_only;
            settings_only.settings.frequency_hz = options_.stacks->frequency_hz;
            settings_only.settings.offcpu_min_ns = options_.stacks->offcpu_min_ns;
            if (auto stored = database_->store_stack_profile(session_id_, settings_only); !stored)
                return stored.error();
        }

        // The command is tracked from its fork (its first run-queue wait
        // included, as /proc/PID/schedstat counts it) and held before its
        // exec only for as long as it takes to release it.
        std::optional<LaunchedCommand> command;
        if (options_.kind == ObserveOptions::Kind::Record) {
            if (auto marked = tracer_->track_children_of_calling_thread(true); !marked) return marked.error();
            auto launched = LaunchedCommand::fork_stopped(options_.command);
            (void)tracer_->track_children_of_calling_thread(false);
            if (!launched) return launched.error();
            command.emplace(std::move(*launched));
            tracker_.set_record_root(command->pid(), monotonic_ns());
            command->release();
        }

        status.mark(command ? "ready: observing, the command released" : "ready: observing");
        StopSignals stop;
        std::optional<std::uint64_t> command_exit_ns;
        while (true) {
            auto polled = tracer_->poll(command_exit_ns ? kDrainPollTimeoutMs : kPollTimeoutMs);
            if (!polled) return polled.error();
            for (const invocations::UntrackRequest& request : tracker_.take_untrack_requests())
                tracer_->untrack_thread(request.tid, request.judged_exec_ns, request.seen_by_ns);
            if (auto stored = store(tracker_.take_finished(monotonic_ns())); !stored) return stored.error();
            if (auto stored = store_phases(); !stored) return stored.error();
            if (auto stored = store_waits(); !stored) return stored.error();
            continue_gated_mappings();
            if (auto stored = store_sqlite(false); !stored) return stored.error();
            if (stack_collector_) stack_collector_->drain_mappings();
            // The lost-event counters are per-CPU map reads: once a second
            // is as fresh as any scrape interval needs, not every 100 ms round.
            if (metrics_server_ && monotonic_ns() - metrics_lost_read_ns_ >= 1'000'000'000ull) {
                metrics_.set_lost_events(running_lost_events());
                metrics_lost_read_ns_ = monotonic_ns();
            }
            status.update(progress());

            if (stop.requested()) {
                if (command) command->forward_signal(stop.signal_number());
                break;
            }
            if (json_lines_closed_) break;
            std::uint64_t now = monotonic_ns();
            if (options_.duration_seconds &&
                static_cast<double>(now - started_ns_) / 1e9 >= *options_.duration_seconds)
                break;
            if (command) {
                if (!command_exit_ns && command->reap_if_exited()) {
                    command_exit_ns = now;
                    status.mark("the command exited");
                }
                // Wait for the command's descendants, up to the drain
                // timeout: until every process seen has its exit read (the
                // command's own final switch comes after wait4 returns).
                if (command_exit_ns) {
                    double since_exit = static_cast<double>(now - *command_exit_ns) / 1e9;
                    if (tracker_.live_processes() == 0 || since_exit >= options_.drain_timeout_seconds) break;
                }
            }
        }
        status.step("draining the last events");

        // No new holds from here: whatever is held now is continued below,
        // even if its event is never read.
        if (gate_) gate_->close();
        // Drain what the kernel already queued, then close what is still open.
        while (true) {
            auto polled = tracer_->poll(0);
            if (!polled || *polled == 0) break;
        }
        continue_gated_mappings();
        if (gate_) gate_->release_everyone();
        std::vector<invocations::LiveThread> live;
        for (const tracer::LiveThreadTimes& thread : tracer_->live_threads())
            live.push_back({thread.pid, thread.tid, thread.times});
        if (auto stored = store(tracker_.finish(monotonic_ns(), live)); !stored) return stored.error();
        if (auto stored = store_phases(); !stored) return stored.error();
        if (auto stored = store_waits(); !stored) return stored.error();
        continue_gated_mappings();
        if (auto stored = store_sqlite(true); !stored) return stored.error();

        model::SessionEnd end;
        end.end_unix_ns = static_cast<std::int64_t>(clock_ns(CLOCK_REALTIME));
        end.lost_events = tracer_->lost_events();
        // The tracker's own doubts, as notes: events no invocation claimed,
        // and threads whose exit never came (their last slice is missing).
        end.lost_events["note_unattributed_events"] = tracker_.counters().unattributed_events;
        end.lost_events["note_thread_exit_unseen"] = tracker_.counters().thread_exits_unseen;
        end.events_received = tracer_->events_received();
        std::vector<stacks::RawStack> raw_stacks;
        std::map<std::uint32_t, std::string> phase_names;  // sampler's phase value → name
        if (stack_collector_) {
            status.step("reading the stack maps");
            raw_stacks = stack_collector_->read();
            mapped_files_ = stack_collector_->mapped_files();
            const stacks::StackCollector::UnwindStats& unwind = stack_collector_->unwind_stats();
            spdlog::debug("stacks: {} copies unwound, {} frames by CFI, {} by frame pointer, {} KiB copied",
                          unwind.samples, unwind.cfi_steps, unwind.fp_steps, unwind.copy_bytes / 1024);
            if (phase_tracer_)
                for (const stacks::RawStack& stack : raw_stacks)
                    if (stack.phase) phase_names.emplace(stack.phase, phase_tracer_->phase_name(stack.phase - 1));
            for (const auto& [reason, count] : stack_collector_->lost_samples()) end.lost_events[reason] = count;
        }
        if (phase_tracer_)
            for (const auto& [reason, count] : phase_tracer_->lost_events()) end.lost_events[reason] = count;
        if (sqlite_tracer_)
            for (const auto& [reason, count] : sqlite_tracer_->lost_events()) end.lost_events[reason] = count;
        if (gate_) {
            // The observer's cost in held processes, as notes (not losses).
            tracer::GateStatistics held = gate_->statistics();
            end.lost_events["note_gate_holds"] = held.holds;
            end.lost_events["note_gate_held_us"] = held.held_ns / 1000;
            end.lost_events["note_gate_released_at_close"] = held.released_at_close;
            if (auto stored = database_->store_inspected_files(gate_->inspected()); !stored)
                spdlog::warn("{}", stored.error().message);
        }
        if (metrics_server_) metrics_.set_lost_events(end.lost_events);
        stack_collector_.reset();  // detach before anything else can fail
        phase_tracer_.reset();
        sqlite_tracer_.reset();
        tracer_.reset();
        if (options_.stacks) {
            status.step("symbolizing the stacks");
            if (auto stored = store_stacks(raw_stacks, phase_names, end); !stored) return stored.error();
        }
        status.clear();
        if (auto finished = database_->finish_session(session_id_, end); !finished) return finished.error();
        status.mark("the session is stored");

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

    void on_event(const model::ProcessEvent& event) {
        if (const auto* exec = std::get_if<model::ExecEvent>(&event)) {
            // Executables seen are where the symbolizer looks for build-ids first.
            if (options_.stacks) executables_.insert(exec->filename);
            if (exec->gated && gate_) {
                const std::uint64_t held = gate_->release_exec(exec->pid, exec->filename, exec->device, exec->inode);
                tracker_.on_event(event);
                tracker_.note_gate_hold(exec->pid, held);
                return;
            }
        }
        tracker_.on_event(event);
    }

    // A wait with its reason: kept for `validprof explain`.
    void on_wait(model::WaitInterval&& wait) {
        wait.woken_by_observer = model::ended_by_observer(wait, own_pid_);
        pending_waits_.push_back(std::move(wait));
    }

    common::Result<void> store_waits() {
        if (!pending_spans_.empty()) {
            auto stored = database_->store_syscall_spans(session_id_, pending_spans_);
            pending_spans_.clear();
            if (!stored) return stored;
        }
        if (pending_waits_.empty()) return common::success();
        auto stored = database_->store_waits(session_id_, pending_waits_);
        pending_waits_.clear();
        return stored;
    }

    // Processes held at an executable mapping (ld.so loading a library,
    // dlopen of an addon): their events come through the SQLite probes.
    void continue_gated_mappings() {
        if (!sqlite_tracer_ || !gate_) return;
        for (const sqlite::GatedMapping& gated : sqlite_tracer_->take_gated_mappings())
            tracker_.note_gate_hold(gated.pid, gate_->release_mapping(gated.pid, gated.device, gated.inode));
    }

    // Once per file, before the processes held for it continue: attach to
    // its USDT phases and to the SQLite API if it has either.
    // A kind whose attach failed counts as not checked, so the file is not
    // remembered as having nothing to probe.
    model::FileInspection attach_probes(const std::string& path) {
        model::FileInspection found;
        if (phase_tracer_) {
            auto attached = phase_tracer_->attach_executable(path);
            if (attached) {
                found.usdt_checked = true;
                found.usdt_phases = *attached;
            } else {
                spdlog::warn("{}", attached.error().message);
            }
        }
        if (sqlite_tracer_) {
            auto attached = sqlite_tracer_->attach_file(path);
            if (attached) {
                found.sqlite_checked = true;
                found.sqlite_functions = *attached;
            } else {
                spdlog::warn("{}", attached.error().message);
            }
        }
        return found;
    }

    // Statement executions every round; per-process totals and file I/O,
    // read from the kernel's maps, once at the end.
    common::Result<void> store_sqlite(bool final_round) {
        if (!sqlite_tracer_) return common::success();
        model::SqliteActivity activity;
        if (final_round) activity = sqlite_tracer_->read_totals();
        activity.statements = sqlite_tracer_->take_statements();
        // Empty rounds are skipped; the final one is stored even when empty,
        // so the session shows as recorded with --sql (and nothing seen).
        if (!final_round && activity.statements.empty()) return common::success();
        if (metrics_server_) metrics_.add_sqlite(activity);
        return database_->store_sqlite_activity(session_id_, activity);
    }

    common::Result<void> store_phases() {
        if (pending_phases_.empty()) return common::success();
        if (metrics_server_) metrics_.add_phases(pending_phases_);
        auto stored = database_->store_phase_executions(session_id_, pending_phases_);
        pending_phases_.clear();
        return stored;
    }

    // Symbolized now that the processes have exited: the point of storing
    // build-id + offset in the kernel (see userspace/stacks/symbolizer.h).
    // With --usdt a sample taken inside a phase gets the phase as its root
    // frame ("[phase] validcore:consensus"), so flame graphs split by phase.
    // Stacks cut short ("[truncated: REASON]" frames) are counted per reason
    // in the session notes.
    common::Result<void> store_stacks(const std::vector<stacks::RawStack>& raw,
                                      const std::map<std::uint32_t, std::string>& phase_names, model::SessionEnd& end) {
        stacks::Symbolizer symbolizer;
        for (const std::string& path : executables_) symbolizer.add_known_file(path);
        // Every object the sampled processes mapped (dlopen'ed addons too).
        for (const auto& [build_id, path] : mapped_files_) symbolizer.add_mapped_file(build_id, path);
        model::StackProfile profile;
        profile.settings.frequency_hz = options_.stacks->frequency_hz;
        profile.settings.offcpu_min_ns = options_.stacks->offcpu_min_ns;
        std::uint64_t period = 1'000'000'000ull / options_.stacks->frequency_hz;
        for (const stacks::RawStack& stack : raw) {
            model::StackSample sample = symbolizer.symbolize(stack, period);
            // Only the gate stops processes in a session that gates (--usdt,
            // --sql); a hook's own SIGSTOP elsewhere stays do_signal_stop.
            if (options_.usdt || options_.sql) stacks::mark_gate_stop(sample);
            if (auto name = phase_names.find(stack.phase); name != phase_names.end() && !name->second.empty())
                sample.frames.insert(sample.frames.begin(), {"[phase] " + name->second, "[phase]"});
            profile.samples.push_back(std::move(sample));
        }
        for (const auto& [reason, samples] : symbolizer.truncations())
            end.lost_events[stacks::truncation_note(reason)] = samples;
        return database_->store_stack_profile(session_id_, profile);
    }

    common::Result<void> store(const std::vector<model::Invocation>& batch) {
        if (batch.empty()) return common::success();
        std::vector<std::int64_t> ids;
        if (auto stored = database_->store_invocations(session_id_, batch, options_.json_lines ? &ids : nullptr); !stored)
            return stored.error();
        stored_invocations_ += batch.size();
        if (options_.json_lines) stream_json_lines(batch, ids);
        if (metrics_server_) metrics_.add_invocations(batch);
        return common::success();
    }

    // One line per invocation, flushed as it is stored, so a reader sees
    // each hook as it finishes. When the output fails the session ends as
    // on SIGINT (SIGPIPE is ignored while streaming, see observe()): a
    // reader that went away (EPIPE, `| head -5`) is a normal end, exit 0;
    // any other failure (a full disk) keeps stdout's error so the command
    // exits non-zero (check_output_written).
    void stream_json_lines(const std::vector<model::Invocation>& batch, const std::vector<std::int64_t>& ids) {
        for (std::size_t i = 0; i < batch.size() && !json_lines_closed_; ++i) {
            nlohmann::json line = report::invocation_fields_json(batch[i], session_info_);
            line["id"] = i < ids.size() ? ids[i] : 0;
            line["session"] = session_id_;
            const std::string text = line.dump() + "\n";
            errno = 0;
            if (std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0) continue;
            const int error = errno;
            json_lines_closed_ = true;
            if (error == EPIPE) {
                std::fprintf(stderr, "validprof: the reader of --json-lines went away; detaching\n");
                if (!std::freopen("/dev/null", "w", stdout)) std::clearerr(stdout);
            } else {
                std::fprintf(stderr, "validprof: cannot write --json-lines: %s; detaching\n",
                             error ? std::strerror(error) : "write error");
            }
        }
    }

    // What the tracers have counted so far (the end of the session adds
    // the stack collector's and the gate's figures).
    std::map<std::string, std::uint64_t> running_lost_events() const {
        std::map<std::string, std::uint64_t> counters = tracer_->lost_events();
        if (phase_tracer_)
            for (const auto& [reason, count] : phase_tracer_->lost_events()) counters[reason] = count;
        if (sqlite_tracer_)
            for (const auto& [reason, count] : sqlite_tracer_->lost_events()) counters[reason] = count;
        return counters;
    }

    ObserveProgress progress() const {
        ObserveProgress progress;
        progress.elapsed_seconds = static_cast<double>(monotonic_ns() - started_ns_) / 1e9;
        progress.invocations_seen = tracker_.counters().invocations_started;
        progress.invocations_finished = stored_invocations_;
        progress.events = tracer_->events_received();
        progress.lost_events = model::total_lost(tracer_->lost_events());
        return progress;
    }

    void print_summary(const model::SessionEnd& end, int stop_signal) const {
        // The stored session's duration, so that this line and `sessions` agree.
        double seconds = static_cast<double>(end.end_unix_ns - session_start_unix_ns_) / 1e9;
        std::uint64_t lost = model::total_lost(end.lost_events);
        std::fprintf(stderr, "validprof: session %lld%s: %llu invocations in %.1f s, %llu events, %llu lost\n",
                     static_cast<long long>(session_id_), stop_signal ? " (stopped by signal)" : "",
                     static_cast<unsigned long long>(stored_invocations_), seconds,
                     static_cast<unsigned long long>(end.events_received), static_cast<unsigned long long>(lost));
        if (lost > 0)
            std::fprintf(stderr, "validprof: warning: %llu events were lost; `validprof report` lists them by reason\n",
                         static_cast<unsigned long long>(lost));
        std::fprintf(stderr, "validprof: see `validprof report --session %lld --db %s`\n",
                     static_cast<long long>(session_id_), text::sanitize(database_->path()).c_str());
    }

    ObserveOptions options_;
    // The server reads the registry from its thread: declared after it,
    // so destroyed (thread joined) first.
    metrics::MetricsRegistry metrics_;
    std::unique_ptr<metrics::MetricsServer> metrics_server_;
    std::uint64_t metrics_lost_read_ns_ = 0;  // last refresh of the lost-event metrics
    std::unique_ptr<storage::ProfileDatabase> database_;
    invocations::InvocationTracker tracker_;
    std::unique_ptr<tracer::HookTracer> tracer_;
    std::unique_ptr<stacks::StackCollector> stack_collector_;
    std::unique_ptr<phases::PhaseTracer> phase_tracer_;
    std::unique_ptr<sqlite::SqliteTracer> sqlite_tracer_;
    // Declared after the tracers it attaches through: destroyed first, so
    // its last sweep runs while they still exist.
    std::unique_ptr<tracer::ProcessGate> gate_;
    std::vector<model::PhaseExecution> pending_phases_;
    std::vector<model::WaitInterval> pending_waits_;
    std::vector<model::SyscallSpan> pending_spans_;
    const std::int32_t own_pid_ = static_cast<std::int32_t>(::getpid());
    std::set<std::string> executables_;
    std::map<std::string, std::string> mapped_files_;  // build-id → path, from the mmap records
    std::int64_t session_id_ = 0;
    std::int64_t session_start_unix_ns_ = 0;
    model::SessionInfo session_info_;
    bool json_lines_closed_ = false;
    std::uint64_t started_ns_ = 0;
    std::uint64_t stored_invocations_ = 0;
};

}  // namespace

common::Result<ObserveOutcome> observe(ObserveOptions options) {
    // Privileges and kernel support first, then the database: each failure
    // is reported before anything is created or loaded.
    if (auto privileges = bpf_support::check_tracing_privileges(); !privileges) return privileges.error();
    if (auto support = bpf_support::check_kernel_support(); !support) return support.error();
    auto database = storage::ProfileDatabase::open(options.database_path, storage::OpenMode::ReadWrite);
    if (!database) return database.error();
    // A reader of --json-lines that goes away must end the session cleanly
    // (detach, continue held processes, store), not kill validprof.
    if (options.json_lines) ::signal(SIGPIPE, SIG_IGN);
    Observer observer(std::move(options), std::move(*database));
    return observer.run();
}

}  // namespace validprof::cli
