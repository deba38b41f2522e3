// SQLite activity round-trips exactly, repeated store calls append
// statements and add up totals, each call is one transaction (witnessed by
// SQLite's own commit hook), and an old database gains the tables.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "storage/profile_database.h"
#include "storage/schema_migrations.h"
#include "storage/sqlite_handle.h"
#include "storage_test_support.h"

namespace validprof::storage {
namespace {

using namespace validprof::storage::testing;

constexpr std::uint64_t kMaxUnsigned = std::numeric_limits<std::uint64_t>::max();

model::StatementExecution statement(std::int32_t pid, std::uint64_t start_ns, std::string sql) {
    model::StatementExecution s;
    s.pid = pid;
    s.tid = pid + 1;
    s.sql = std::move(sql);
    s.database = "/home/u/.cache/hooks/state.db";
    s.start_ns = start_ns;
    s.end_ns = start_ns + 1500;
    s.rows = 3;
    s.result_code = model::kSqliteDone;
    return s;
}

model::SqliteProcessTotals totals(std::int32_t pid, std::uint64_t seed) {
    return {pid, 10 + seed, 1000 + seed, 1 + seed, 2 + seed, 3 + seed, 4 + seed, 5 + seed, 6 + seed, 7 + seed};
}

model::DatabaseFileActivity file(std::int32_t pid, std::string path, std::string role, std::uint64_t seed) {
    model::DatabaseFileActivity f;
    f.pid = pid;
    f.path = std::move(path);
    f.role = std::move(role);
    f.opens = 1 + seed;
    f.reads = 2 + seed;
    f.read_bytes = 4096 * (2 + seed);
    f.writes = 3 + seed;
    f.write_bytes = 4096 * (3 + seed);
    f.io_ns = 5000 + seed;
    f.syncs = 4 + seed;
    f.sync_ns = 6000 + seed;
    f.lock_calls = 5 + seed;
    f.lock_failures = 1 + seed;
    f.lock_wait_ns = 7000 + seed;
    f.truncates = seed;
    f.unlinks = 2 * seed;
    return f;
}

// Every field set, extremes included: bit-pattern uint64s, negative and
// non-standard result codes, non-UTF-8 and NUL bytes in texts.
model::SqliteActivity full_activity() {
    model::SqliteActivity activity;
    auto first = statement(100, 1000, "INSERT INTO kv(k, v) VALUES ('a', 1) ON CONFLICT(k) DO UPDATE SET v = v + 1");
    first.rows = 0;
    first.busy_results = 2;
    first.locked_results = 1;
    first.result_code = model::kSqliteDone;
    auto cut = statement(100, 2000, std::string("SELECT '\xff\xfe", 10) + std::string(1, '\0') + "x");
    cut.sql_truncated = true;
    cut.database = std::string("/tmp/caf\xe9.db");
    cut.rows = kMaxUnsigned;
    cut.result_code = 0;  // reset before done
    cut.busy_results = std::numeric_limits<std::uint32_t>::max();
    cut.locked_results = std::numeric_limits<std::uint32_t>::max();
    auto exec = statement(101, kMaxSigned, "BEGIN; DELETE FROM t; COMMIT;");
    exec.end_ns = kMaxUnsigned;
    exec.from_exec = true;
    exec.database = "";
    exec.result_code = -1;
    exec.tid = std::numeric_limits<std::int32_t>::max();
    auto error = statement(102, kMaxUnsigned, "SELECT * FROM missing");
    error.end_ns = kMaxUnsigned;
    error.result_code = 1;  // SQLITE_ERROR
    activity.statements = {first, cut, exec, error};

    activity.processes = {totals(101, 0), totals(100, kMaxSigned), totals(102, 1)};
    activity.processes[1].in_sqlite_ns = kMaxUnsigned;

    activity.files = {file(100, "/home/u/.cache/hooks/state.db", "main", 0),
                      file(100, "/home/u/.cache/hooks/state.db-wal", "wal", 1),
                      file(101, "/home/u/.cache/hooks/state.db", "main", 2),
                      file(100, std::string("/tmp/caf\xe9.db-journal"), "journal", kMaxSigned)};
    activity.files[3].write_bytes = kMaxUnsigned;
    return activity;
}

struct Fixture {
    TempDir dir;
    std::unique_ptr<ProfileDatabase> database;
    std::int64_t session = 0;

    Fixture() {
        auto opened = ProfileDatabase::open(dir.file("p.db"), OpenMode::ReadWrite);
        EXPECT_TRUE(opened.ok()) << opened.error().message;
        if (!opened.ok()) return;
        database = std::move(opened).value();
        auto begun = database->begin_session(sample_session_info());
        EXPECT_TRUE(begun.ok());
        if (begun.ok()) session = *begun;
    }
};

void expect_same(const model::SqliteActivity& expected, const model::SqliteActivity& actual) {
    ASSERT_EQ(expected.statements.size(), actual.statements.size());
    for (std::size_t i = 0; i < expected.statements.size(); ++i)
        EXPECT_EQ(expected.statements[i], actual.statements[i]) << "statement " << i;
    EXPECT_EQ(expected.processes, actual.processes);
    EXPECT_EQ(expected.files, actual.files);
}

TEST(SqliteActivityStore, RoundTripsEveryFieldExactly) {
    Fixture f;
    ASSERT_TRUE(f.database);
    const model::SqliteActivity activity = full_activity();
    auto stored = f.database->store_sqlite_activity(f.session, activity);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    auto loaded = f.database->load_sqlite_activity(f.session);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    expect_same(activity, *loaded);

    // And through a fresh read-only connection, as `validprof report` reads.
    auto reader = ProfileDatabase::open(f.database->path(), OpenMode::ReadOnly);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    auto reread = (*reader)->load_sqlite_activity(f.session);
    ASSERT_TRUE(reread.ok()) << reread.error().message;
    expect_same(activity, *reread);
}

TEST(SqliteActivityStore, RepeatedCallsAppendStatementsAndAddUpTotals) {
    Fixture f;
    ASSERT_TRUE(f.database);
    model::SqliteActivity first;
    first.statements = {statement(10, 500, "INSERT INTO t VALUES (1)"), statement(10, 900, "INSERT INTO t VALUES (2)")};
    first.processes = {totals(10, 0), totals(11, 5)};
    first.files = {file(10, "/d/x.db", "main", 0), file(10, "/d/x.db-wal", "wal", 1)};
    model::SqliteActivity second;
    // Starts between the first call's two: the load puts it there.
    second.statements = {statement(11, 700, "SELECT 1")};
    second.processes = {totals(10, 100)};
    second.processes[0].in_sqlite_ns = kMaxSigned;
    // Same pid and path, another role: a row of its own. Same (pid, path,
    // role): added up.
    second.files = {file(10, "/d/x.db", "journal", 2), file(10, "/d/x.db-wal", "wal", 3)};

    ASSERT_TRUE(f.database->store_sqlite_activity(f.session, first).ok());
    ASSERT_TRUE(f.database->store_sqlite_activity(f.session, second).ok());
    auto loaded = f.database->load_sqlite_activity(f.session);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;

    ASSERT_EQ(loaded->statements.size(), 3u);
    EXPECT_EQ(loaded->statements[0], first.statements[0]);
    EXPECT_EQ(loaded->statements[1], second.statements[0]);
    EXPECT_EQ(loaded->statements[2], first.statements[1]);

    // pid 10: seeds 0 and 100, summed field by field (worked out by hand).
    model::SqliteProcessTotals pid10{10, 10 + 110, 1000 + kMaxSigned, 1 + 101, 2 + 102, 3 + 103, 4 + 104, 5 + 105,
                                     6 + 106, 7 + 107};
    ASSERT_EQ(loaded->processes.size(), 2u);
    EXPECT_EQ(loaded->processes[0], pid10);
    EXPECT_EQ(loaded->processes[1], totals(11, 5));

    ASSERT_EQ(loaded->files.size(), 3u);
    EXPECT_EQ(loaded->files[0], file(10, "/d/x.db", "main", 0));
    model::DatabaseFileActivity wal = file(10, "/d/x.db-wal", "wal", 1);
    wal.opens = 2 + 4;
    wal.reads = 3 + 5;
    wal.read_bytes = 4096 * 3 + 4096 * 5;
    wal.writes = 4 + 6;
    wal.write_bytes = 4096 * 4 + 4096 * 6;
    wal.io_ns = 5001 + 5003;
    wal.syncs = 5 + 7;
    wal.sync_ns = 6001 + 6003;
    wal.lock_calls = 6 + 8;
    wal.lock_failures = 2 + 4;
    wal.lock_wait_ns = 7001 + 7003;
    wal.truncates = 1 + 3;
    wal.unlinks = 2 + 6;
    EXPECT_EQ(loaded->files[1], wal);
    EXPECT_EQ(loaded->files[2], file(10, "/d/x.db", "journal", 2));
}

TEST(SqliteActivityStore, SumsAboveTheSignedRangeDoNotOverflowSql) {
    // Two halves of the unsigned range: SQL SUM() would fail with "integer
    // overflow"; the load adds them as uint64.
    Fixture f;
    ASSERT_TRUE(f.database);
    model::SqliteActivity half;
    half.processes = {totals(7, 0)};
    half.processes[0].in_sqlite_ns = kMaxSigned;
    ASSERT_TRUE(f.database->store_sqlite_activity(f.session, half).ok());
    ASSERT_TRUE(f.database->store_sqlite_activity(f.session, half).ok());
    auto loaded = f.database->load_sqlite_activity(f.session);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    ASSERT_EQ(loaded->processes.size(), 1u);
    EXPECT_EQ(loaded->processes[0].in_sqlite_ns, kMaxUnsigned - 1);
}

TEST(SqliteActivityStore, EachCallIsOneTransaction) {
    Fixture f;
    ASSERT_TRUE(f.database);
    int commits = 0;
    sqlite3_commit_hook(
        f.database->native_handle(),
        [](void* counter) {
            ++*static_cast<int*>(counter);
            return 0;
        },
        &commits);
    ASSERT_TRUE(f.database->store_sqlite_activity(f.session, full_activity()).ok());
    EXPECT_EQ(commits, 1);
    sqlite3_commit_hook(f.database->native_handle(), nullptr, nullptr);
}

TEST(SqliteActivityStore, SessionWithoutActivityLoadsEmptyAndTellsWhetherItWasRecorded) {
    Fixture f;
    ASSERT_TRUE(f.database);
    auto loaded = f.database->load_sqlite_activity(f.session);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_TRUE(loaded->statements.empty());
    EXPECT_TRUE(loaded->processes.empty());
    EXPECT_TRUE(loaded->files.empty());
    auto recorded = f.database->sqlite_activity_recorded(f.session);
    ASSERT_TRUE(recorded.ok());
    EXPECT_FALSE(*recorded);

    ASSERT_TRUE(f.database->store_sqlite_activity(f.session, {}).ok());
    recorded = f.database->sqlite_activity_recorded(f.session);
    ASSERT_TRUE(recorded.ok());
    EXPECT_TRUE(*recorded) << "traced with nothing seen";
    loaded = f.database->load_sqlite_activity(f.session);
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded->statements.empty() && loaded->processes.empty() && loaded->files.empty());

    // Another session's activity does not leak into this one.
    auto other = f.database->begin_session(sample_session_info());
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(f.database->store_sqlite_activity(*other, full_activity()).ok());
    loaded = f.database->load_sqlite_activity(f.session);
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded->statements.empty() && loaded->processes.empty() && loaded->files.empty());
}

TEST(SqliteActivityStore, UnknownSessionIsAnError) {
    Fixture f;
    ASSERT_TRUE(f.database);
    const std::int64_t unknown = f.session + 41;
    auto stored = f.database->store_sqlite_activity(unknown, full_activity());
    ASSERT_FALSE(stored.ok());
    EXPECT_NE(stored.error().message.find("no session " + std::to_string(unknown)), std::string::npos)
        << stored.error().message;
    auto loaded = f.database->load_sqlite_activity(unknown);
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.error().message.find("no session"), std::string::npos) << loaded.error().message;
    EXPECT_FALSE(f.database->sqlite_activity_recorded(unknown).ok());
    // The refused store left nothing behind.
    sqlite3_stmt* raw = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(f.database->native_handle(),
                                 "SELECT (SELECT count(*) FROM sql_executions) + "
                                 "(SELECT count(*) FROM sql_process_totals) + "
                                 "(SELECT count(*) FROM sql_file_activity)",
                                 -1, &raw, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(raw), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(raw, 0), 0);
    sqlite3_finalize(raw);
}

TEST(SqliteActivityStore, DeletingTheSessionDeletesItsActivity) {
    Fixture f;
    ASSERT_TRUE(f.database);
    ASSERT_TRUE(f.database->store_sqlite_activity(f.session, full_activity()).ok());
    ASSERT_EQ(sqlite3_exec(f.database->native_handle(), "DELETE FROM sessions", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_stmt* raw = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(f.database->native_handle(),
                                 "SELECT (SELECT count(*) FROM sql_executions) + "
                                 "(SELECT count(*) FROM sql_process_totals) + "
                                 "(SELECT count(*) FROM sql_file_activity) + "
                                 "(SELECT count(*) FROM sql_recordings)",
                                 -1, &raw, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(raw), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(raw, 0), 0);
    sqlite3_finalize(raw);
}

TEST(SqliteActivityStore, Version4DatabaseGainsTheTablesWithItsDataIntact) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    std::int64_t session = 0;
    {
        // What a validprof that knew up to version 4 would have written.
        auto connection = SqliteConnection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        ASSERT_TRUE(connection.ok());
        auto migrated = migrate_schema(*connection, path, 4);
        ASSERT_TRUE(migrated.ok()) << migrated.error().message;
        ASSERT_EQ(*migrated, 4);
        ASSERT_TRUE(connection
                        ->exec("INSERT INTO sessions VALUES (9, 'record', 'make', 'h', '6.1', '', 100, 0, 200, 1, 3);"
                               "INSERT INTO phase_executions VALUES (1, 9, 5, 5, 'validcore', 'checks', 10, 20, 7);")
                        .ok());
        session = 9;
    }
    auto db = ProfileDatabase::open(path, OpenMode::ReadWrite);
    ASSERT_TRUE(db.ok()) << db.error().message;
    EXPECT_GE((*db)->schema_version(), 5);
    auto phases = (*db)->load_phase_executions(session);
    ASSERT_TRUE(phases.ok());
    ASSERT_EQ(phases->size(), 1u);
    EXPECT_EQ((*phases)[0].phase, "checks");
    auto recorded = (*db)->sqlite_activity_recorded(session);
    ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    EXPECT_FALSE(*recorded);
    ASSERT_TRUE((*db)->store_sqlite_activity(session, full_activity()).ok());
    auto loaded = (*db)->load_sqlite_activity(session);
    ASSERT_TRUE(loaded.ok());
    expect_same(full_activity(), *loaded);
}

}  // namespace
}  // namespace validprof::storage
