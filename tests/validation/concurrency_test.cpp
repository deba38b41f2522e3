// Many hook processes at once on one memory database, as parallel agent
// tools run them: N real validcore processes of each hook kind started
// together (N = 8 and 32), half of them --batched, on a new database (every
// kind's burst in a fresh directory, so each kind meets the first-open race)
// and on an existing one. Every process must succeed (exit 0, nothing on
// stderr) and the database must hold exactly what N hooks write: counts
// read back with SQLite itself. post-command's totals are a
// read-modify-write, so they show lost updates; fresh directories show the
// set-up race (switch to WAL, schema creation).
//
// One round per case here (the CI time budget); VALIDCORE_CONCURRENCY_ROUNDS
// sets more (docs/validation-core.md has the 20-round run).
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "validation_test_support.h"

namespace validprof::validation {
namespace {

using testing::CommandResult;
using testing::query;
using testing::run_all_at_once;
using testing::run_in;
using testing::TempDir;

// VALIDCORE_BINARY_UNDER_TEST runs the same bursts against another build
// (how the defects of the previous version were shown).
const std::string kValidcore =
    std::getenv("VALIDCORE_BINARY_UNDER_TEST") != nullptr ? std::getenv("VALIDCORE_BINARY_UNDER_TEST") : VALIDCORE_BINARY;
const char* kCleanC = "int main(void) {\n    return 0;\n}\n";

int rounds() {
    const char* value = std::getenv("VALIDCORE_CONCURRENCY_ROUNDS");
    const int parsed = value != nullptr ? std::atoi(value) : 0;
    return parsed > 0 ? parsed : 1;
}

std::string scalar(const std::string& database, const std::string& sql) {
    const auto rows = query(database, sql);
    return rows.empty() || rows[0].empty() ? "NULL" : rows[0][0];
}

long number(const std::string& database, const std::string& sql) {
    const std::string text = scalar(database, sql);
    return text == "NULL" ? 0 : std::stol(text);
}

// One hook kind's burst: the argv of process i, and the exact change the
// N processes must leave in the database.
struct Burst {
    std::string kind;
    std::function<std::vector<std::string>(int i)> argv;
    std::function<long(const std::string& database)> measure;  // read before and after
    std::function<long(int n, bool fresh)> expected_change;
};

std::vector<Burst> bursts(const std::string& tag) {
    auto hook = [](std::string name, std::vector<std::string> args, int i) {
        std::vector<std::string> argv = {kValidcore, "hooks", std::move(name)};
        argv.insert(argv.end(), args.begin(), args.end());
        if (i % 2 == 1) argv.push_back("--batched");
        return argv;
    };
    const std::string t = tag;
    return {
        {"pre-task", [=](int i) { return hook("pre-task", {"--task-id", t + "-" + std::to_string(i)}, i); },
         [=](const std::string& db) { return number(db, "SELECT COUNT(*) FROM memory_entries WHERE namespace = 'tasks' AND key LIKE 'task/" + t + "-%'"); },
         [](int n, bool) { return n; }},
        {"post-task", [=](int i) { return hook("post-task", {"--task-id", t + "-" + std::to_string(i)}, i); },
         [=](const std::string& db) { return number(db, "SELECT COUNT(*) FROM memory_entries WHERE namespace = 'task-history' AND key LIKE 'completed/" + t + "-%'"); },
         [](int n, bool) { return n; }},
        {"post-edit", [=](int i) {
             return hook("post-edit", {"--file", "shared.c", "--agent", "agent-" + t, "--rollout-percent", "100",
                                       "--mode", "development", "--view-timeout-ms", "200"}, i);
         },
         [=](const std::string& db) {
             // Validations recorded for this agent, all certified approvals
             // of a clean file; and the agent's track record.
             const long results = number(db, "SELECT COUNT(*) FROM memory_entries WHERE namespace = 'completion-validation-results' "
                                             "AND json_extract(value, '$.agent') = 'agent-" + t + "' AND json_extract(value, '$.certified') = 1 "
                                             "AND json_extract(value, '$.decision') = 'approve'");
             const long history = number(db, "SELECT json_extract(value, '$.validations') FROM memory_entries WHERE key = 'agent/agent-" + t + "'");
             const long clean = number(db, "SELECT json_extract(value, '$.clean') FROM memory_entries WHERE key = 'agent/agent-" + t + "'");
             return results * 1'000'000 + history * 1'000 + clean;
         },
         [](int n, bool) { return n * 1'000'000L + n * 1'000L + n; }},
        {"pre-edit", [=](int i) { return hook("pre-edit", {"--file", "shared.c", "--file", "new-" + t + "-" + std::to_string(i) + ".c"}, i); },
         // One edit intent per new file; and where shared.c has a history
         // (the existing database), every pre-edit adds one access to it
         // (an UPDATE ... + 1, atomic in SQL).
         [=](const std::string& db) {
             return number(db, "SELECT access_count FROM memory_entries WHERE key = 'file-history/shared.c'") * 1000 +
                    number(db, "SELECT COUNT(*) FROM memory_entries WHERE key LIKE 'edit-intent/new-" + t + "-%'");
         },
         [](int n, bool fresh) { return (fresh ? 0L : n * 1000L) + n; }},
        {"pre-command", [=](int i) { return hook("pre-command", {"--command", "make " + t, "--validate-safety", "true"}, i); },
         [=](const std::string& db) { return number(db, "SELECT COUNT(*) FROM memory_entries WHERE namespace = 'commands' AND json_extract(value, '$.command') = 'make " + t + "'"); },
         [](int n, bool) { return n; }},
        {"post-command", [=](int i) {
             return hook("post-command", {"--command", "make " + t, "--exit-code", i % 3 == 0 ? "2" : "0"}, i);
         },
         // The read-modify-write: commands and failures totals.
         [=](const std::string& db) {
             return number(db, "SELECT json_extract(value, '$.commands') FROM memory_entries WHERE key = 'command-metrics'") * 1000 +
                    number(db, "SELECT json_extract(value, '$.failures') FROM memory_entries WHERE key = 'command-metrics'");
         },
         [](int n, bool) { return n * 1000L + (n + 2) / 3; }},
        {"session-end", [=](int i) { return hook("session-end", {"--session-id", t + "-" + std::to_string(i)}, i); },
         [=](const std::string& db) { return number(db, "SELECT COUNT(*) FROM memory_entries WHERE namespace = 'sessions' AND key LIKE 'session/" + t + "-%'"); },
         [](int n, bool) { return n; }},
        {"notify", [=](int i) { return hook("notify", {"--message", "note " + t}, i); },
         [=](const std::string& db) { return number(db, "SELECT COUNT(*) FROM memory_entries WHERE namespace = 'notifications' AND json_extract(value, '$.message') = 'note " + t + "'"); },
         [](int n, bool) { return n; }},
    };
}

void expect_all_succeeded(const std::vector<CommandResult>& results, const std::string& context) {
    int failures = 0;
    for (const CommandResult& result : results) {
        if (result.exit_code != 0 || !result.err.empty()) {
            ++failures;
            ADD_FAILURE() << context << ": exit " << result.exit_code << ": " << result.err;
        }
    }
    EXPECT_EQ(failures, 0) << context;
}

// The existing database: a directory where every kind of hook already ran.
void seed(const TempDir& dir) {
    dir.write("shared.c", kCleanC);
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {kValidcore, "hooks", "pre-task", "--task-id", "seed"},
             {kValidcore, "hooks", "post-edit", "--file", "shared.c", "--rollout-percent", "100", "--mode", "development"},
             {kValidcore, "hooks", "post-command", "--command", "make", "--exit-code", "0"},
             {kValidcore, "hooks", "session-end"},
             {kValidcore, "hooks", "notify", "--message", "hello"}}) {
        const auto result = run_in(dir.path(), argv);
        ASSERT_EQ(result.exit_code, 0) << result.err;
    }
}

void run_case(int n, bool fresh_database) {
    for (int round = 0; round < rounds(); ++round) {
        TempDir existing;
        if (!fresh_database) seed(existing);
        TempDir scratch;
        const std::string tag = "r" + std::to_string(round) + "n" + std::to_string(n);
        for (const Burst& burst : bursts(tag)) {
            // A new database: a fresh directory for each kind, so every kind
            // meets the first-open race (WAL switch, schema).
            TempDir fresh;
            const TempDir& dir = fresh_database ? fresh : existing;
            if (fresh_database) dir.write("shared.c", kCleanC);
            const std::string database = dir.file(".swarm/memory.db");
            const long before = std::filesystem::exists(database) ? burst.measure(database) : 0;
            std::vector<std::vector<std::string>> argvs;
            for (int i = 0; i < n; ++i) argvs.push_back(burst.argv(i));
            const std::string context = burst.kind + " x" + std::to_string(n) + (fresh_database ? " new" : " existing") +
                                        " database, round " + std::to_string(round);
            expect_all_succeeded(run_all_at_once(dir.path().string(), scratch.path().string(), argvs), context);
            EXPECT_EQ(burst.measure(database) - before, burst.expected_change(n, fresh_database)) << context;
        }
    }
}

TEST(ConcurrentHooks, EightOfEachKindOnANewDatabase) { run_case(8, true); }
TEST(ConcurrentHooks, EightOfEachKindOnAnExistingDatabase) { run_case(8, false); }
TEST(ConcurrentHooks, ThirtyTwoOfEachKindOnANewDatabase) { run_case(32, true); }
TEST(ConcurrentHooks, ThirtyTwoOfEachKindOnAnExistingDatabase) { run_case(32, false); }

}  // namespace
}  // namespace validprof::validation
