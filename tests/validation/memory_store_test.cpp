// The memory database: the modelled schema and pragmas, upsert and lookup
// semantics, and each hook's statements and commits counted by SQLite's own
// trace and commit hooks.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "validation/hooks/hook_runner.h"
#include "validation/memory/memory_store.h"
#include "validation_test_support.h"

namespace validprof::validation {
namespace {

using testing::query;
using testing::TempDir;

TEST(MemoryStore, CreatesTheModelledSchemaIdempotently) {
    TempDir dir;
    const std::string path = dir.file(".swarm/memory.db");
    for (int run = 0; run < 2; ++run) {  // the second open re-runs CREATE ... IF NOT EXISTS
        auto store = MemoryStore::open(path);
        ASSERT_TRUE(store.ok()) << store.error().message;
    }
    std::vector<std::string> columns;
    for (const auto& row : query(path, "SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info('memory_entries')")) {
        columns.push_back(row[0] + " " + row[1] + (row[2] == "1" ? " NOT NULL" : "") +
                          (row[3] != "NULL" ? " DEFAULT " + row[3] : ""));
    }
    const std::vector<std::string> expected = {
        "id INTEGER",
        "key TEXT NOT NULL",
        "value TEXT NOT NULL",
        "namespace TEXT NOT NULL DEFAULT 'default'",
        "metadata TEXT",
        "created_at INTEGER NOT NULL DEFAULT strftime('%s', 'now')",
        "updated_at INTEGER NOT NULL DEFAULT strftime('%s', 'now')",
        "accessed_at INTEGER NOT NULL DEFAULT strftime('%s', 'now')",
        "access_count INTEGER NOT NULL DEFAULT 0",
        "ttl INTEGER",
        "expires_at INTEGER",
    };
    EXPECT_EQ(columns, expected);
    std::map<std::string, std::string> indexes;
    for (const auto& row : query(path, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'memory_entries'")) {
        indexes[row[0]] = row[1];
    }
    EXPECT_TRUE(indexes.count("idx_memory_namespace"));
    EXPECT_TRUE(indexes.count("idx_memory_expires"));
    EXPECT_TRUE(indexes.count("idx_memory_accessed"));
    EXPECT_EQ(indexes.size(), 4u);  // the three plus UNIQUE(key, namespace)'s automatic index
    EXPECT_EQ(query(path, "PRAGMA journal_mode")[0][0], "wal");
}

TEST(MemoryStore, PragmasOnTheHooksConnection) {
    TempDir dir;
    auto store = MemoryStore::open(dir.file("m.db"));
    ASSERT_TRUE(store.ok());
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(store->connection().get(), "PRAGMA synchronous", -1, &statement, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(statement, 0), 1);  // NORMAL
    sqlite3_finalize(statement);
}

TEST(MemoryStore, UpsertLookupListAndExpiry) {
    TempDir dir;
    const std::string path = dir.file("m.db");
    auto store = MemoryStore::open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store->upsert({"k", "v1", "ns", std::nullopt, std::nullopt}, 1000).ok());
    ASSERT_TRUE(store->upsert({"k", "v2", "ns", "{\"m\":1}", std::nullopt}, 2000).ok());
    ASSERT_TRUE(store->upsert({"k", "other", "ns2", std::nullopt, 10}, 1500).ok());
    auto entry = store->get("k", "ns");
    ASSERT_TRUE(entry.ok() && *entry);
    EXPECT_EQ((*entry)->value, "v2");
    EXPECT_EQ((*entry)->created_at, 1000);  // kept by the upsert
    EXPECT_EQ((*entry)->updated_at, 2000);
    EXPECT_EQ((*entry)->metadata, "{\"m\":1}");
    ASSERT_TRUE(store->touch("k", "ns", 3000).ok());
    ASSERT_TRUE(store->touch("k", "ns", 3001).ok());
    EXPECT_EQ((*store->get("k", "ns"))->access_count, 2);
    EXPECT_EQ((*store->get("k", "ns"))->accessed_at, 3001);
    EXPECT_FALSE(*store->get("absent", "ns"));

    ASSERT_TRUE(store->upsert({"k2", "v", "ns", std::nullopt, std::nullopt}, 2500).ok());
    auto listed = store->list("ns", 1);
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].key, "k2");  // newest first
    EXPECT_EQ(*store->count("ns"), 2);

    EXPECT_EQ(*store->delete_expired(1509), 0);
    EXPECT_EQ(*store->delete_expired(1511), 1);  // ns2/k expired at 1510
    EXPECT_EQ(query(path, "SELECT COUNT(*) FROM memory_entries")[0][0], "2");
}

TEST(MemoryStore, AgentOutcomesAccumulate) {
    TempDir dir;
    const std::string path = dir.file("m.db");
    auto store = MemoryStore::open(path);
    ASSERT_TRUE(store.ok());
    for (double credit : {1.0, 1.0, 0.0}) ASSERT_TRUE(store->record_agent_outcome("coder", credit, 1).ok());
    const auto rows = query(path, "SELECT json_extract(value, '$.validations'), json_extract(value, '$.clean') "
                                  "FROM memory_entries WHERE key = 'agent/coder' AND namespace = 'completion-validation-performance'");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0], "3");
    EXPECT_EQ(rows[0][1], "2");
    // A validation with nothing to check adds half: stored exactly, and a
    // whole count is stored as an integer again.
    ASSERT_TRUE(store->record_agent_outcome("coder", 0.5, 2).ok());
    EXPECT_EQ(query(path, "SELECT value FROM memory_entries WHERE key = 'agent/coder'")[0][0], "{\"validations\":4,\"clean\":2.5}");
    ASSERT_TRUE(store->record_agent_outcome("coder", 0.5, 3).ok());
    EXPECT_EQ(query(path, "SELECT value FROM memory_entries WHERE key = 'agent/coder'")[0][0], "{\"validations\":5,\"clean\":3}");
}

TEST(MemoryStore, ManyFirstOpensOfANewDatabaseAllSucceed) {
    // Threads stand in for the first hooks of a session, all opening a
    // database that does not exist yet: every open must succeed, and the
    // database ends in WAL with the schema.
    for (int round = 0; round < 5; ++round) {
        TempDir dir;
        const std::string path = dir.file(".swarm/memory.db");
        std::vector<std::thread> threads;
        std::atomic<int> failures{0};
        std::string first_error;
        std::mutex error_mutex;
        for (int i = 0; i < 16; ++i) {
            threads.emplace_back([&] {
                auto store = MemoryStore::open(path);
                if (!store) {
                    ++failures;
                    std::lock_guard lock(error_mutex);
                    first_error = store.error().message;
                    return;
                }
                if (!store->upsert({"k", "v", "ns", std::nullopt, std::nullopt}, 1).ok()) ++failures;
            });
        }
        for (auto& thread : threads) thread.join();
        EXPECT_EQ(failures.load(), 0) << first_error;
        EXPECT_EQ(query(path, "PRAGMA journal_mode")[0][0], "wal");
        EXPECT_EQ(query(path, "SELECT COUNT(*) FROM memory_entries")[0][0], "1");
    }
}

// SQLite's view of a hook: statements it ran (trace) and commits.
struct SqliteCounts {
    int statements = 0;
    int commits = 0;
    int begins = 0;
};

int count_statement(unsigned, void* context, void* statement, void*) {
    auto* counts = static_cast<SqliteCounts*>(context);
    const std::string sql = sqlite3_sql(static_cast<sqlite3_stmt*>(statement));
    if (sql.starts_with("BEGIN")) {
        ++counts->begins;
    } else if (!sql.starts_with("COMMIT") && !sql.starts_with("ROLLBACK")) {
        ++counts->statements;
    }
    return 0;
}

int count_commit(void* context) {
    ++static_cast<SqliteCounts*>(context)->commits;
    return 0;
}

SqliteCounts run_counted(const std::string& database, HookInput input, bool batched, HookOutcome* outcome_out = nullptr) {
    SqliteCounts counts;
    HookRequest request;
    request.input = std::move(input);
    request.database_path = database;
    request.batched = batched;
    request.on_store_open = [&counts](MemoryStore& store) {
        sqlite3_trace_v2(store.connection().get(), SQLITE_TRACE_STMT, count_statement, &counts);
        sqlite3_commit_hook(store.connection().get(), count_commit, &counts);
    };
    auto outcome = run_hook(request);
    EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message);
    if (outcome.ok()) {
        EXPECT_EQ(outcome->statements, counts.statements) << hook_name(request.input.kind);
        if (outcome_out) *outcome_out = *outcome;
    }
    return counts;
}

TEST(HookRows, StatementsAndCommitsPerHook) {
    TempDir dir;
    const std::string database = dir.file(".swarm/memory.db");
    const std::string file = dir.write("a.c", "int x;\n");
    HookInput base;
    base.now_ms = 1'700'000'000'000;
    base.pid = 4242;
    // begins: the read-modify-writes (post-command's metrics totals,
    // post-task's task record) run inside BEGIN IMMEDIATE even in
    // autocommit mode, so that parallel hooks cannot lose updates.
    struct Case {
        HookKind kind;
        int statements;
        int begins = 0;
    } cases[] = {
        {HookKind::PreTask, 2},     {HookKind::PreEdit, 2},      {HookKind::PostEdit, 4},
        {HookKind::PreEdit, 3},  // file history exists now: lookup + access update
        {HookKind::PreCommand, 2},  {HookKind::PostCommand, 6, 1},  // first run: no metrics row to touch
        {HookKind::PostCommand, 7, 1}, {HookKind::PostTask, 4, 1},  {HookKind::Notify, 2},
        {HookKind::SessionEnd, 7},
    };
    for (const Case& c : cases) {
        HookInput input = base;
        input.kind = c.kind;
        input.task_id = "t1";
        input.command = "make";
        input.files = {file};
        ++base.now_ms;
        const SqliteCounts autocommit = run_counted(database, input, false);
        EXPECT_EQ(autocommit.statements, c.statements) << hook_name(c.kind);
        EXPECT_EQ(autocommit.begins, c.begins) << hook_name(c.kind);
        // Every write statement commits on its own in autocommit mode.
        EXPECT_GE(autocommit.commits, 1) << hook_name(c.kind);
    }
}

TEST(HookRows, BatchedIsOneTransaction) {
    TempDir dir;
    const std::string database = dir.file("m.db");
    HookInput input;
    input.kind = HookKind::PostEdit;
    input.files = {dir.write("a.json", "{}")};
    input.now_ms = 1'700'000'000'000;
    const SqliteCounts autocommit = run_counted(database, input, false);
    EXPECT_EQ(autocommit.commits, 4);
    EXPECT_EQ(autocommit.begins, 0);
    ++input.now_ms;
    const SqliteCounts batched = run_counted(database, input, true);
    EXPECT_EQ(batched.statements, 4);
    EXPECT_EQ(batched.begins, 1);
    EXPECT_EQ(batched.commits, 1);
}

TEST(HookRows, ValidationResultIsItsOwnTransaction) {
    TempDir dir;
    const std::string database = dir.file("m.db");
    HookRequest request;
    request.input.kind = HookKind::PostEdit;
    request.input.files = {dir.write("a.c", "int main(void) {\n    return 0;\n}\n")};
    request.input.agent = "coder";
    request.input.now_ms = 1'700'000'000'000;
    request.database_path = database;
    request.rollout_percent = 100;
    request.user = "alice";
    request.mode = Mode::Development;
    SqliteCounts counts;
    request.on_store_open = [&counts](MemoryStore& store) {
        sqlite3_trace_v2(store.connection().get(), SQLITE_TRACE_STMT, count_statement, &counts);
        sqlite3_commit_hook(store.connection().get(), count_commit, &counts);
    };
    auto outcome = run_hook(request);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_TRUE(outcome->validation);
    EXPECT_EQ(outcome->validation->consensus.decision, Decision::Approve);
    // 4 hook upserts (4 commits), 1 agent history read, then one
    // transaction with 3 result rows (1 commit).
    EXPECT_EQ(counts.statements, 4 + 1 + 3);
    EXPECT_EQ(counts.begins, 1);
    EXPECT_EQ(counts.commits, 5);
}

}  // namespace
}  // namespace validprof::validation
