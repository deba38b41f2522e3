#include "explain/explanation.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "text/duration_format.h"
#include "report/percentiles.h"
#include "report/sql_normalize.h"
#include "text/text_layout.h"

namespace validprof::explain {
namespace {

std::string basename_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string with_pid(const std::string& name, std::int32_t pid) {
    return name + " (pid " + std::to_string(pid) + ")";
}


// Time, per distinct text, largest first: "fsync on /x (12.1 ms)".
class Tally {
public:
    void add(const std::string& text, std::uint64_t ns) {
        if (text.empty()) return;
        auto [it, added] = index_.try_emplace(text, entries_.size());
        if (added) entries_.push_back({text, 0, 0});
        entries_[it->second].ns += ns;
        entries_[it->second].count += 1;
    }

    std::vector<std::string> top(std::size_t limit, std::uint64_t divisor = 1) const {
        std::vector<Entry> sorted = entries_;
        std::stable_sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) { return a.ns > b.ns; });
        std::vector<std::string> lines;
        for (const Entry& entry : sorted) {
            if (lines.size() == limit) break;
            lines.push_back(text::sanitize(entry.text) + " (" +
                            text::format_duration(entry.ns / std::max<std::uint64_t>(divisor, 1)) +
                            (entry.count > 1 ? ", " + std::to_string(entry.count) + " times" : "") + ")");
        }
        return lines;
    }

    bool empty() const { return entries_.empty(); }

private:
    struct Entry {
        std::string text;
        std::uint64_t ns = 0;
        std::uint64_t count = 0;
    };
    std::vector<Entry> entries_;
    std::unordered_map<std::string, std::size_t> index_;
};

// What a piece says in one line, for its cause's evidence (names from the
// hooks' world are sanitized when the lines are chosen, Tally::top).
std::string describe_unsanitized(const PathSegment& piece);

std::string describe(const PathSegment& piece) { return describe_unsanitized(piece); }

std::string describe_unsanitized(const PathSegment& piece) {
    // Time the thread ran inside a traced call (an fsync's own CPU, a
    // fork's page-table copy): named by the call.
    if (piece.kind != piece.original_kind &&
        (piece.original_kind == CauseKind::Cpu || piece.original_kind == CauseKind::RunQueue ||
         piece.original_kind == CauseKind::ShortWaits))
        return piece.syscall.empty() ? "" : "running inside " + piece.syscall;
    std::string what;
    const std::string other = piece.other_comm.empty() ? ""
                                                       : piece.other_comm + " (pid " + std::to_string(piece.other_pid) +
                                                             (piece.other_tid != piece.other_pid && piece.other_tid
                                                                  ? ", thread " + std::to_string(piece.other_tid)
                                                                  : "") +
                                                             ")";
    switch (piece.kind) {
        case CauseKind::RunQueue:
            if (piece.other_pid == 0 && !piece.other_comm.empty())
                return "the CPU was idle: the wakeup took that long to run it";
            return other.empty() ? "" : "CPU held by " + other + (piece.other_tracked ? ", itself a hook thread" : "");
        case CauseKind::FileLock:
            what = piece.syscall + " on " + (piece.object.empty() ? "a file" : piece.object);
            return other.empty() ? what : what + ", released by " + other;
        case CauseKind::Pipe:
            what = piece.syscall + " on " + (piece.object.empty() ? "a pipe" : piece.object);
            return other.empty() ? what : what + ", other end " + other;
        case CauseKind::Futex:
            return other.empty() ? piece.object : piece.object + ", woken by " + other;
        case CauseKind::ChildWait:
            return other.empty() ? piece.syscall : piece.syscall + " for " + other;
        case CauseKind::Observer:
            return "held stopped by validprof until its probes were attached (its exec gate)";
        case CauseKind::Stopped:
            return other.empty() ? "stopped by a signal" : "stopped, continued by " + other;
        case CauseKind::Cpu:
        case CauseKind::ShortWaits:
        case CauseKind::ProcessSpawn:
        case CauseKind::ProcessExit:
            return piece.syscall.empty() ? "" : "in " + piece.syscall + (piece.object.empty() ? "" : " on " + piece.object);
        default:
            break;
    }
    if (piece.syscall.empty()) return piece.object.empty() ? (piece.kind == CauseKind::DiskIo ? "page faults" : "") : piece.object;
    return piece.syscall + (piece.object.empty() ? "" : " on " + piece.object);
}

std::uint64_t overlap(std::uint64_t a_start, std::uint64_t a_end, std::uint64_t b_start, std::uint64_t b_end) {
    const std::uint64_t start = std::max(a_start, b_start);
    const std::uint64_t end = std::min(a_end, b_end);
    return end > start ? end - start : 0;
}

// The session's SQL statements and phases by thread, for evidence.
class ThreadActivity {
public:
    explicit ThreadActivity(const SessionData& session) {
        for (const model::StatementExecution& statement : session.statements)
            statements_[statement.tid].push_back(&statement);
        for (const model::PhaseExecution& phase : session.phases) phases_[phase.tid].push_back(&phase);
        for (const model::StackSample& sample : session.cpu_samples)
            if (sample.kind == model::SampleKind::Cpu) samples_[sample.pid].push_back(&sample);
    }

    // A statement the thread was running during the piece.
    const model::StatementExecution* statement_during(const PathSegment& piece) const {
        auto found = statements_.find(piece.tid);
        if (found == statements_.end()) return nullptr;
        for (const model::StatementExecution* statement : found->second)
            if (overlap(statement->start_ns, statement->end_ns, piece.start_ns, piece.end_ns) > 0) return statement;
        return nullptr;
    }

    void add_evidence(const PathSegment& piece, Tally& sql, Tally& phases) const {
        if (auto found = statements_.find(piece.tid); found != statements_.end())
            for (const model::StatementExecution* statement : found->second)
                if (std::uint64_t ns = overlap(statement->start_ns, statement->end_ns, piece.start_ns, piece.end_ns))
                    sql.add("SQL: " + text::truncate(text::sanitize(report::normalize_sql(statement->sql)), 90), ns);
        if (auto found = phases_.find(piece.tid); found != phases_.end())
            for (const model::PhaseExecution* phase : found->second)
                if (std::uint64_t ns = overlap(phase->start_ns, phase->end_ns, piece.start_ns, piece.end_ns))
                    phases.add(text::sanitize("phase " + phase->provider + ":" + phase->phase), ns);
    }

    // The process's hottest functions by CPU samples (leaf frames), as
    // "stack: f ← g (35% of its CPU samples)".
    std::vector<std::string> top_frames(std::int32_t pid, std::size_t limit) const {
        auto found = samples_.find(pid);
        if (found == samples_.end()) return {};
        std::map<std::string, std::uint64_t> weight;
        std::uint64_t total = 0;
        for (const model::StackSample* sample : found->second) {
            total += sample->count;
            if (sample->frames.empty()) continue;
            const auto& leaf = sample->frames.back();
            std::string label = text::truncate(text::sanitize(leaf.name), 60);
            if (sample->frames.size() >= 2)
                label += " ← " + text::truncate(text::sanitize(sample->frames[sample->frames.size() - 2].name), 60);
            weight[label] += sample->count;
        }
        std::vector<std::pair<std::string, std::uint64_t>> sorted(weight.begin(), weight.end());
        std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        std::vector<std::string> lines;
        for (const auto& [label, count] : sorted) {
            if (lines.size() == limit || total == 0) break;
            lines.push_back("stack: " + label + " (" + std::to_string(count * 100 / total) + "% of its CPU samples)");
        }
        return lines;
    }

private:
    std::unordered_map<std::int32_t, std::vector<const model::StatementExecution*>> statements_;
    std::unordered_map<std::int32_t, std::vector<const model::PhaseExecution*>> phases_;
    std::unordered_map<std::int32_t, std::vector<const model::StackSample*>> samples_;
};

// Pieces grouped into causes: by kind and process.
struct CauseKey {
    CauseKind kind;
    std::string process;
    bool operator<(const CauseKey& other) const {
        return std::tie(kind, process) < std::tie(other.kind, other.process);
    }
};

struct CauseBuilder {
    std::string name;  // the program
    std::set<std::int32_t> pids;
    std::set<std::int32_t> tids;
    std::uint64_t ns = 0;
    Tally details;  // objects, holders, wakers
    Tally sql;
    Tally phases;
};

// Ranked causes; validprof's own cost is left out (each caller reports it
// apart: it is the observer's, not the hook's).
std::vector<Cause> rank(std::map<CauseKey, CauseBuilder>& builders, double wall_ns, std::uint64_t divisor,
                        const ThreadActivity& activity, const ExplainOptions& options, bool with_pids) {
    std::vector<Cause> causes;
    for (auto& [key, builder] : builders) {
        if (key.kind == CauseKind::Observer) continue;
        Cause cause;
        cause.kind = key.kind;
        cause.process = builder.name;
        // One process: named with its pid; several of the same program
        // (a burst of helpers) together, counted.
        const std::int32_t only_pid = builder.pids.size() == 1 ? *builder.pids.begin() : 0;
        if (with_pids) {
            cause.pid = only_pid;
            cause.tid = only_pid && builder.tids.size() == 1 ? *builder.tids.begin() : 0;
            cause.process = only_pid ? with_pid(builder.name, only_pid)
                                     : builder.name + " (" + std::to_string(builder.pids.size()) + " processes)";
        }
        cause.ns = builder.ns / std::max<std::uint64_t>(divisor, 1);
        cause.share = wall_ns > 0 ? std::min(1.0, static_cast<double>(cause.ns) / wall_ns) : 0;
        for (auto* tally : {&builder.details, &builder.sql, &builder.phases})
            for (std::string& line : tally->top(options.evidence_lines, divisor)) cause.evidence.push_back(std::move(line));
        if (key.kind == CauseKind::Cpu && only_pid)
            for (std::string& line : activity.top_frames(only_pid, 2)) cause.evidence.push_back(std::move(line));
        causes.push_back(std::move(cause));
    }
    std::stable_sort(causes.begin(), causes.end(), [](const Cause& a, const Cause& b) {
        return a.ns != b.ns ? a.ns > b.ns : a.kind < b.kind;
    });
    return causes;
}

// A program that ran in more processes than this in one invocation (a
// burst of helpers) is one cause for all of them; fewer, each process is
// its own (a parent and the child it forked are told apart).
constexpr std::size_t kProcessesMergedAbove = 3;

// The program name of each process of an invocation, computed once.
class ProcessNames {
public:
    explicit ProcessNames(const model::Invocation& invocation) {
        for (const model::ProcessRecord& process : invocation.processes) names_.emplace(process.pid, process_name(process));
    }
    const std::string& of(std::int32_t pid) {
        auto [it, added] = names_.try_emplace(pid);
        if (added) it->second = "pid " + std::to_string(pid);
        return it->second;
    }
    // The program a piece is counted for: its subject when that is a
    // process of the invocation (the child a fork made), else its own.
    std::int32_t subject_of(const PathSegment& piece) const {
        return piece.subject_pid != 0 && names_.count(piece.subject_pid) ? piece.subject_pid : piece.pid;
    }
    const std::unordered_map<std::int32_t, std::string>& all() const { return names_; }

private:
    std::unordered_map<std::int32_t, std::string> names_;
};

// Pieces → causes, by kind and program; within one invocation
// (`per_process`) by process too, unless the program ran in many.
void add_pieces(std::map<CauseKey, CauseBuilder>& builders, const model::Invocation& invocation,
                const std::vector<PathSegment>& path, const ThreadActivity& activity, bool per_process) {
    ProcessNames names(invocation);
    std::unordered_map<std::string, std::size_t> processes_of;
    if (per_process)
        for (const auto& [pid, name] : names.all()) ++processes_of[name];
    for (const PathSegment& piece : path) {
        const std::int32_t pid = names.subject_of(piece);
        const std::string& name = names.of(pid);
        std::string key_name = name;
        if (per_process && processes_of[name] <= kProcessesMergedAbove) key_name += "\n" + std::to_string(pid);
        CauseBuilder& builder = builders[CauseKey{piece.kind, key_name}];
        builder.name = name;
        builder.pids.insert(pid);
        builder.tids.insert(piece.tid);
        builder.ns += piece.duration_ns();
        builder.details.add(describe(piece), piece.duration_ns());
        activity.add_evidence(piece, builder.sql, builder.phases);
    }
}

// SQLite sleeps in one place only: its busy handler, waiting for another
// connection's lock (sqlite3_busy_timeout retries inside sqlite3_step, so
// the statement need not return SQLITE_BUSY). With --sql, a sleep inside a
// statement is that.
void mark_sqlite_busy(std::vector<PathSegment>& path, const ThreadActivity& activity) {
    for (PathSegment& piece : path) {
        if (piece.kind != CauseKind::Sleep) continue;
        if (const model::StatementExecution* statement = activity.statement_during(piece)) {
            piece.kind = CauseKind::SqliteBusy;
            piece.object = statement->database.empty() ? statement->sql : statement->database;
        }
    }
}

std::uint64_t begins(const model::WaitInterval& wait) { return wait.off_ns; }
std::uint64_t ends(const model::WaitInterval& wait) { return wait.on_ns; }
std::uint64_t begins(const model::SyscallSpan& span) { return span.start_ns; }
std::uint64_t ends(const model::SyscallSpan& span) { return span.end_ns; }

// Records of the invocation's processes, inside each one's life (pids are
// reused across a session).
template <typename Record>
std::vector<const Record*> records_of(const model::Invocation& invocation,
                                      const std::unordered_map<std::int32_t, std::vector<const Record*>>& by_pid) {
    std::vector<const Record*> records;
    for (const model::ProcessRecord& process : invocation.processes) {
        auto found = by_pid.find(process.pid);
        if (found == by_pid.end()) continue;
        const std::uint64_t end = process.exited ? process.end_ns : invocation.last_end_ns;
        for (const Record* record : found->second)
            if (ends(*record) >= process.start_ns && begins(*record) <= end) records.push_back(record);
    }
    return records;
}

template <typename Record>
std::unordered_map<std::int32_t, std::vector<const Record*>> by_pid(const std::vector<Record>& records) {
    std::unordered_map<std::int32_t, std::vector<const Record*>> index;
    for (const Record& record : records) index[record.pid].push_back(&record);
    return index;
}

// Mean ns per invocation of each (kind, process name) over `selected`.
std::map<CauseKey, double> mean_by_cause(const std::vector<const InvocationExplanation*>& selected,
                                         const std::map<std::int64_t, const model::Invocation*>& invocations) {
    std::map<CauseKey, double> means;
    if (selected.empty()) return means;
    for (const InvocationExplanation* explained : selected) {
        ProcessNames names(*invocations.at(explained->id));
        for (const PathSegment& piece : explained->path)
            means[{piece.kind, names.of(names.subject_of(piece))}] += static_cast<double>(piece.duration_ns());
    }
    for (auto& [key, ns] : means) ns /= static_cast<double>(selected.size());
    return means;
}

std::vector<CauseChange> changes(const std::map<CauseKey, double>& before, const std::map<CauseKey, double>& after) {
    std::set<CauseKey> keys;
    for (const auto& [key, ns] : before) keys.insert(key);
    for (const auto& [key, ns] : after) keys.insert(key);
    std::vector<CauseChange> result;
    for (const CauseKey& key : keys) {
        if (key.kind == CauseKind::Observer) continue;  // validprof's own cost is reported apart
        CauseChange change;
        change.kind = key.kind;
        change.process = key.process;
        if (auto found = before.find(key); found != before.end()) change.before_ns = found->second;
        if (auto found = after.find(key); found != after.end()) change.after_ns = found->second;
        result.push_back(change);
    }
    std::stable_sort(result.begin(), result.end(),
                     [](const CauseChange& a, const CauseChange& b) { return a.change_ns() > b.change_ns(); });
    return result;
}

}  // namespace

std::string process_name(const model::ProcessRecord& process) {
    if (!process.exe.empty()) return text::sanitize(basename_of(process.exe));
    if (!process.comm.empty()) return text::sanitize(process.comm);
    return "pid " + std::to_string(process.pid);
}

namespace {

InvocationExplanation explain_one(const model::Invocation& invocation, const std::vector<const model::WaitInterval*>& waits,
                                  const std::vector<const model::SyscallSpan*>& spans, const ThreadActivity& activity,
                                  const ExplainOptions& options) {
    InvocationExplanation explained;
    explained.id = invocation.id;
    explained.hook = invocation.hook;
    explained.root_pid = invocation.root_pid;
    explained.start_ns = invocation.start_ns;
    explained.wall_ns = invocation.wall_ns();
    explained.complete = invocation.complete;
    explained.path = critical_path(invocation, waits, spans);
    mark_sqlite_busy(explained.path, activity);
    for (const PathSegment& piece : explained.path) {
        explained.explained_ns += piece.duration_ns();
        if (piece.kind == CauseKind::Observer) explained.observer_ns += piece.duration_ns();
    }
    std::map<CauseKey, CauseBuilder> builders;
    add_pieces(builders, invocation, explained.path, activity, true);
    explained.causes = rank(builders, static_cast<double>(explained.wall_ns), 1, activity, options, true);
    return explained;
}

}  // namespace

InvocationExplanation explain_invocation(const model::Invocation& invocation,
                                         const std::vector<const model::WaitInterval*>& waits,
                                         const std::vector<const model::SyscallSpan*>& spans,
                                         const SessionData& session, const ExplainOptions& options) {
    return explain_one(invocation, waits, spans, ThreadActivity(session), options);
}

Explanation explain_session(const SessionData& session, const ExplainOptions& options, const SessionData* baseline) {
    Explanation explanation;
    explanation.session_id = session.session_id;
    ThreadActivity activity(session);
    const auto waits_by_pid = by_pid(session.waits);
    const auto spans_by_pid = by_pid(session.spans);

    std::map<std::string, std::vector<const model::Invocation*>> by_hook;
    for (const model::Invocation& invocation : session.invocations) {
        if (!invocation.complete) continue;  // no end: no path to walk back from
        if (options.hook && invocation.hook != *options.hook) continue;
        if (options.invocation_id && invocation.id != *options.invocation_id) continue;
        by_hook[invocation.hook].push_back(&invocation);
    }

    // The baseline's per-hook means, computed the same way.
    std::map<std::string, std::pair<std::map<CauseKey, double>, std::pair<std::size_t, double>>> baseline_means;
    if (baseline) {
        ExplainOptions baseline_options = options;
        baseline_options.invocation_id.reset();
        Explanation before = explain_session(*baseline, baseline_options, nullptr);
        std::map<std::int64_t, const model::Invocation*> baseline_invocations;
        for (const model::Invocation& invocation : baseline->invocations) baseline_invocations[invocation.id] = &invocation;
        for (const HookExplanation& hook : before.hooks) {
            std::vector<const InvocationExplanation*> all;
            for (const InvocationExplanation& detail : hook.details) all.push_back(&detail);
            baseline_means[hook.hook] = {mean_by_cause(all, baseline_invocations), {hook.invocations, hook.wall_mean_ns}};
        }
    }

    for (const auto& [hook_name, invocations] : by_hook) {
        HookExplanation hook;
        hook.hook = hook_name;
        hook.invocations = invocations.size();
        std::vector<std::uint64_t> walls;
        std::map<std::int64_t, const model::Invocation*> index;
        std::map<CauseKey, CauseBuilder> builders;
        double wall_sum = 0;
        double observer_sum = 0;
        for (const model::Invocation* invocation : invocations) {
            InvocationExplanation explained =
                explain_one(*invocation, records_of(*invocation, waits_by_pid), records_of(*invocation, spans_by_pid),
                            activity, options);
            observer_sum += static_cast<double>(explained.observer_ns);
            add_pieces(builders, *invocation, explained.path, activity, false);
            walls.push_back(explained.wall_ns);
            wall_sum += static_cast<double>(explained.wall_ns);
            index[invocation->id] = invocation;
            hook.details.push_back(std::move(explained));
        }
        std::sort(walls.begin(), walls.end());
        hook.wall_p50_ns = report::percentile_nearest_rank(walls, 50);
        hook.wall_p90_ns = report::percentile_nearest_rank(walls, 90);
        hook.wall_mean_ns = wall_sum / static_cast<double>(invocations.size());
        hook.observer_mean_ns = observer_sum / static_cast<double>(invocations.size());
        hook.causes = rank(builders, hook.wall_mean_ns, invocations.size(), activity, options, false);

        if (invocations.size() >= 2) {
            // The slowest tenth (at least one) against the rest.
            std::vector<const InvocationExplanation*> by_wall;
            for (const InvocationExplanation& detail : hook.details) by_wall.push_back(&detail);
            std::stable_sort(by_wall.begin(), by_wall.end(),
                             [](const auto* a, const auto* b) { return a->wall_ns > b->wall_ns; });
            const std::size_t slow_count = std::max<std::size_t>(1, by_wall.size() / 10);
            std::vector<const InvocationExplanation*> slow(by_wall.begin(), by_wall.begin() + slow_count);
            std::vector<const InvocationExplanation*> typical(by_wall.begin() + slow_count, by_wall.end());
            hook.slow_invocations = slow.size();
            if (!typical.empty()) hook.slow_vs_typical = changes(mean_by_cause(typical, index), mean_by_cause(slow, index));
        }
        if (baseline) {
            hook.baseline_session = baseline->session_id;
            std::vector<const InvocationExplanation*> all;
            for (const InvocationExplanation& detail : hook.details) all.push_back(&detail);
            auto found = baseline_means.find(hook_name);
            std::map<CauseKey, double> before = found == baseline_means.end() ? std::map<CauseKey, double>{} : found->second.first;
            if (found != baseline_means.end()) {
                hook.baseline_invocations = found->second.second.first;
                hook.baseline_wall_mean_ns = found->second.second.second;
            }
            hook.since_baseline = changes(before, mean_by_cause(all, index));
        }
        explanation.hooks.push_back(std::move(hook));
    }
    return explanation;
}

}  // namespace validprof::explain
