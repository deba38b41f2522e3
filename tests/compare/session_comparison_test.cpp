// compare_sessions on synthetic sessions: each figure is planted per
// invocation, so the expected base and candidate values are known exactly;
// attribution by pid and time decides which invocation a phase, a
// statement or a sync belongs to.
#include <gtest/gtest.h>

#include "compare/session_comparison.h"
#include "report/synthetic.h"

namespace validprof::compare {
namespace {

using report::testing::at;
using report::testing::invocation;
using report::testing::kMs;
using report::testing::times;

constexpr std::size_t kRuns = 30;

// kRuns complete invocations of post-edit, 100 ms apart, each with one
// process (pid 2000 + i), plus an incomplete one whose figures must not
// count. cpu1_ns: on-CPU on core 1 per invocation; with_phase: one
// validcore:consensus phase of 5 ms each; inserts: INSERT executions per
// invocation (1 ms each), with one fsync per invocation when non-zero.
SessionSample make_session(std::int64_t id, std::uint64_t wall_ms, std::uint64_t cpu1_ns, bool with_phase,
                           int inserts) {
    SessionSample session;
    session.session_id = id;
    session.sqlite = model::SqliteActivity{};
    for (std::size_t i = 0; i < kRuns; ++i) {
        const std::uint64_t start = at(i * 100 * kMs);
        std::map<std::uint32_t, std::uint64_t> per_cpu{{0, 1 * kMs}};
        if (cpu1_ns) per_cpu[1] = cpu1_ns;
        model::Invocation inv = invocation("post-edit", start, (wall_ms + i % 3) * kMs, true, 0,
                                           times(1 * kMs + cpu1_ns, 0, 0, 0, 0, 0, per_cpu));
        inv.root_pid = 2000 + static_cast<std::int32_t>(i);
        inv.processes[0].pid = inv.root_pid;
        session.invocations.push_back(inv);
        if (with_phase) {
            model::PhaseExecution phase;
            phase.pid = phase.tid = inv.root_pid;
            phase.provider = "validcore";
            phase.phase = "consensus";
            phase.start_ns = start + 1 * kMs;
            phase.end_ns = start + 6 * kMs;
            session.phases.push_back(phase);
        }
        for (int k = 0; k < inserts; ++k) {
            model::StatementExecution statement;
            statement.pid = statement.tid = inv.root_pid;
            statement.sql = "INSERT INTO memory VALUES (" + std::to_string(k) + ")";
            statement.start_ns = start + (2 + static_cast<std::uint64_t>(k)) * kMs;
            statement.end_ns = statement.start_ns + 1 * kMs;
            statement.result_code = model::kSqliteDone;
            session.sqlite->statements.push_back(statement);
        }
        if (inserts) {
            model::DatabaseFileActivity file;
            file.pid = inv.root_pid;
            file.path = ".swarm/memory.db";
            file.role = "wal";
            file.syncs = 1;
            file.sync_ns = 3 * kMs;
            session.sqlite->files.push_back(file);
        }
    }
    // Incomplete: a huge wall time and a statement that must be ignored.
    model::Invocation incomplete = invocation("post-edit", at(10 * 1000 * kMs), 900 * kMs, false);
    incomplete.root_pid = 9000;
    incomplete.processes[0].pid = 9000;
    session.invocations.push_back(incomplete);
    model::StatementExecution stray;
    stray.pid = 9000;
    stray.sql = "DELETE FROM memory";
    stray.start_ns = at(10 * 1000 * kMs + kMs);
    stray.end_ns = stray.start_ns + 50 * kMs;
    session.sqlite->statements.push_back(stray);
    return session;
}

const HookComparison& only_hook(const Comparison& comparison) {
    EXPECT_EQ(comparison.hooks.size(), 1u);
    return comparison.hooks.front();
}

TEST(CompareSessions, EveryFigureHasItsPlantedValues) {
    const SessionSample base = make_session(1, 20, 0, false, 0);
    const SessionSample candidate = make_session(2, 30, 2 * kMs, true, 2);
    const Comparison comparison = compare_sessions(base, candidate, {});
    const HookComparison& hook = only_hook(comparison);
    EXPECT_EQ(hook.base_invocations, kRuns);
    EXPECT_EQ(hook.candidate_invocations, kRuns);

    ASSERT_EQ(hook.wall.size(), 3u);
    EXPECT_EQ(hook.wall[0].statistic.name(), "p50");
    EXPECT_EQ(hook.wall[0].difference, 10.0 * kMs);  // every wall 10 ms longer
    EXPECT_TRUE(hook.wall[0].detected);
    EXPECT_EQ(hook.wall[2].statistic.name(), "p99");

    ASSERT_EQ(hook.cores.size(), 2u);
    EXPECT_EQ(hook.cores[0].cpu, 0u);
    EXPECT_FALSE(hook.cores[0].on_cpu.detected);  // 1 ms on cpu0 in both
    EXPECT_EQ(hook.cores[1].cpu, 1u);
    EXPECT_EQ(hook.cores[1].on_cpu.base, 0);
    EXPECT_EQ(hook.cores[1].on_cpu.candidate, 2.0 * kMs);
    EXPECT_TRUE(hook.cores[1].on_cpu.detected);

    ASSERT_EQ(hook.phases.size(), 1u);
    EXPECT_EQ(hook.phases[0].phase, "consensus");
    EXPECT_EQ(hook.phases[0].executions.base, 0);
    EXPECT_EQ(hook.phases[0].executions.candidate, 1);
    EXPECT_EQ(hook.phases[0].duration.candidate, 5.0 * kMs);

    ASSERT_TRUE(hook.sql_compared);
    // The two INSERTs normalize to one statement; the incomplete
    // invocation's DELETE does not count.
    ASSERT_EQ(hook.statements.size(), 1u);
    EXPECT_EQ(hook.statements[0].executions.base, 0);
    EXPECT_EQ(hook.statements[0].executions.candidate, 2);
    EXPECT_EQ(hook.statements[0].time.candidate, 2.0 * kMs);
    EXPECT_EQ(hook.fsyncs.candidate, 1);
    EXPECT_EQ(hook.fsync_time.candidate, 3.0 * kMs);
    EXPECT_EQ(hook.fsyncs.base, 0);
}

TEST(CompareSessions, IdenticalSessionsHaveNoDetectableChange) {
    const SessionSample session = make_session(1, 20, 1 * kMs, true, 1);
    const Comparison comparison = compare_sessions(session, session, {});
    const HookComparison& hook = only_hook(comparison);
    for (const Change& wall : hook.wall) EXPECT_FALSE(wall.detected) << wall.statistic.name();
    for (const CoreChange& core : hook.cores) EXPECT_FALSE(core.on_cpu.detected);
    EXPECT_FALSE(hook.phases[0].duration.detected);
    EXPECT_FALSE(hook.statements[0].time.detected);
    EXPECT_FALSE(hook.fsyncs.detected);
}

TEST(CompareSessions, WithoutSqlOnOneSideSqlIsNotCompared) {
    SessionSample base = make_session(1, 20, 0, false, 1);
    base.sqlite.reset();
    const Comparison comparison = compare_sessions(base, make_session(2, 20, 0, false, 1), {});
    EXPECT_FALSE(only_hook(comparison).sql_compared);
    EXPECT_TRUE(only_hook(comparison).statements.empty());
}

TEST(CompareSessions, HookFilterAndHooksOnOneSide) {
    SessionSample base = make_session(1, 20, 0, false, 0);
    SessionSample candidate = make_session(2, 20, 0, false, 0);
    candidate.invocations.push_back(invocation("notify", at(50 * 1000 * kMs), 3 * kMs));
    Comparison all = compare_sessions(base, candidate, {});
    ASSERT_EQ(all.hooks.size(), 2u);
    EXPECT_EQ(all.hooks[0].hook, "notify");
    EXPECT_EQ(all.hooks[0].base_invocations, 0u);
    EXPECT_EQ(all.hooks[0].candidate_invocations, 1u);
    ComparisonRequest request;
    request.hook = "notify";
    EXPECT_EQ(compare_sessions(base, candidate, request).hooks.size(), 1u);
}

}  // namespace
}  // namespace validprof::compare
