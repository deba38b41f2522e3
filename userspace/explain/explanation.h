// From critical paths to answers: per invocation and per hook, the causes
// of the wall time, ranked, each with the process it happened in, its time
// and share of the wall, and evidence (files, sockets, who held a CPU or a
// lock, SQL statements with --sql, USDT phases with --usdt, stack frames
// with --stacks). Then the contrast: what slow invocations (the slowest
// tenth, at least one) spend more on than the others, and what grew since
// a baseline session.
// Pure computation over model structs (userspace/cli loads them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "explain/cause_kind.h"
#include "explain/critical_path.h"
#include "model/invocation.h"
#include "model/phase.h"
#include "model/sqlite_activity.h"
#include "model/stack_sample.h"
#include "model/wait.h"

namespace validprof::explain {

// Everything explain reads of one session.
struct SessionData {
    std::int64_t session_id = 0;
    std::vector<model::Invocation> invocations;  // with processes and threads
    std::vector<model::WaitInterval> waits;
    std::vector<model::SyscallSpan> spans;
    std::vector<model::PhaseExecution> phases;                 // --usdt, else empty
    std::vector<model::StatementExecution> statements;         // --sql, else empty
    std::vector<model::StackSample> cpu_samples;               // --stacks CPU samples, else empty
};

struct Cause {
    CauseKind kind = CauseKind::Cpu;
    // "node (pid 123)" for an invocation ("vp_noop (500 processes)" for
    // several of one program), "node" for a hook.
    std::string process;
    std::int32_t pid = 0;       // invocation causes in one process only
    std::int32_t tid = 0;       // ... and in one thread of it (0: several)
    std::uint64_t ns = 0;       // for a hook: mean per invocation
    double share = 0;           // of the wall time (a hook: of the mean wall time), in [0, 1]
    std::vector<std::string> evidence;
};

struct InvocationExplanation {
    std::int64_t id = 0;
    std::string hook;
    std::int32_t root_pid = 0;
    std::uint64_t start_ns = 0;
    std::uint64_t wall_ns = 0;
    bool complete = true;
    std::uint64_t explained_ns = 0;  // the path's parts added up (equals wall_ns)
    std::vector<Cause> causes;       // by time, largest first; validprof's own cost apart:
    std::uint64_t observer_ns = 0;   // time validprof held the hook (its exec gate)
    std::vector<PathSegment> path;
};

// A cause's mean time per invocation in two groups of invocations.
struct CauseChange {
    CauseKind kind = CauseKind::Cpu;
    std::string process;
    double before_ns = 0;  // typical invocations, or the baseline session
    double after_ns = 0;   // slow invocations, or this session
    double change_ns() const { return after_ns - before_ns; }
};

struct HookExplanation {
    std::string hook;
    std::size_t invocations = 0;  // complete ones, the ones explained
    std::uint64_t wall_p50_ns = 0;
    std::uint64_t wall_p90_ns = 0;
    double wall_mean_ns = 0;
    std::vector<Cause> causes;                    // mean per invocation, largest first (observer apart)
    double observer_mean_ns = 0;                  // validprof's own cost per invocation
    std::size_t slow_invocations = 0;             // the slowest tenth, at least one
    std::vector<CauseChange> slow_vs_typical;     // largest growth first; empty below 2 invocations
    std::optional<std::int64_t> baseline_session;
    std::size_t baseline_invocations = 0;
    double baseline_wall_mean_ns = 0;
    std::vector<CauseChange> since_baseline;      // largest growth first
    std::vector<InvocationExplanation> details;   // every explained invocation, in start order
};

struct Explanation {
    std::int64_t session_id = 0;
    std::vector<HookExplanation> hooks;  // by hook name
};

struct ExplainOptions {
    std::optional<std::string> hook;           // only this hook
    std::optional<std::int64_t> invocation_id; // only this invocation
    std::size_t evidence_lines = 4;            // per cause
};

InvocationExplanation explain_invocation(const model::Invocation& invocation,
                                         const std::vector<const model::WaitInterval*>& waits,
                                         const std::vector<const model::SyscallSpan*>& spans,
                                         const SessionData& session, const ExplainOptions& options);

// The whole session (or the selection in options), with the contrast
// against `baseline` when one is given.
Explanation explain_session(const SessionData& session, const ExplainOptions& options,
                            const SessionData* baseline = nullptr);

// "node (pid 123)" / "node": the process's command name for people.
std::string process_name(const model::ProcessRecord& process);

}  // namespace validprof::explain
