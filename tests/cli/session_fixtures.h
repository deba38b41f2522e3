// Sessions synthesized straight into a profile database through the
// storage layer, for CLI tests of the read-only commands (diff, check)
// without privileges. The wall times are planted, so the tests know the
// true change.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/profile_database.h"

namespace validprof::testing {

constexpr std::uint64_t kFixtureMs = 1'000'000;

struct FixtureHook {
    std::string name;
    std::vector<std::uint64_t> wall_ns;  // one complete invocation each
    std::uint64_t on_cpu_ns = 0;         // per invocation, all on cpu 0
};

// A complete one-second session holding the hooks' invocations; its id.
inline std::int64_t store_fixture_session(storage::ProfileDatabase& database, const std::vector<FixtureHook>& hooks,
                                          const std::vector<std::uint64_t>& statement_ns = {}) {
    model::SessionInfo info;
    info.command = "record";
    info.target = "fixture";
    info.start_unix_ns = 1'700'000'000LL * 1'000'000'000LL;
    auto session = database.begin_session(info);
    EXPECT_TRUE(session.ok());
    if (!session.ok()) return 0;
    std::vector<model::Invocation> invocations;
    std::uint64_t start = 1'000'000'000;
    std::int32_t pid = 3000;
    for (const FixtureHook& hook : hooks) {
        for (std::uint64_t wall : hook.wall_ns) {
            model::Invocation invocation;
            invocation.hook = hook.name;
            invocation.root_pid = pid;
            invocation.start_ns = start;
            invocation.root_end_ns = invocation.last_end_ns = start + wall;
            invocation.complete = true;
            invocation.times.on_cpu_ns = hook.on_cpu_ns;
            if (hook.on_cpu_ns) invocation.times.on_cpu_ns_per_cpu[0] = hook.on_cpu_ns;
            model::ProcessRecord process;
            process.pid = pid;
            process.ppid = 1;
            process.exe = "/bin/true";
            process.argv = "/bin/true";
            process.comm = "true";
            process.start_ns = start;
            process.end_ns = start + wall;
            process.exited = true;
            process.times = invocation.times;
            invocation.processes.push_back(process);
            invocations.push_back(invocation);
            start += wall + kFixtureMs;
            ++pid;
        }
    }
    EXPECT_TRUE(database.store_invocations(*session, invocations).ok());
    if (!statement_ns.empty()) {
        // One statement per invocation, in order, inside its process.
        model::SqliteActivity activity;
        for (std::size_t i = 0; i < invocations.size(); ++i) {
            model::StatementExecution statement;
            statement.pid = statement.tid = invocations[i].root_pid;
            statement.sql = "SELECT value FROM memory WHERE key = 'k'";
            statement.start_ns = invocations[i].start_ns + 1;
            statement.end_ns = statement.start_ns + statement_ns[i % statement_ns.size()];
            statement.result_code = model::kSqliteDone;
            activity.statements.push_back(statement);
        }
        EXPECT_TRUE(database.store_sqlite_activity(*session, activity).ok());
    }
    model::SessionEnd end;
    end.end_unix_ns = info.start_unix_ns + static_cast<std::int64_t>(start);
    EXPECT_TRUE(database.finish_session(*session, end).ok());
    return *session;
}

// n wall times spread evenly over [low, low + spread), in a scrambled order.
inline std::vector<std::uint64_t> spread_walls(std::size_t n, std::uint64_t low, std::uint64_t spread) {
    std::vector<std::uint64_t> walls;
    for (std::size_t i = 0; i < n; ++i) walls.push_back(low + spread * ((i * 37) % n) / n);
    return walls;
}

}  // namespace validprof::testing
