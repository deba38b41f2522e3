// Schema versioning: the migration list is well formed, an old database is
// upgraded in place with its data intact, a newer one is refused.
#include "storage/schema_migrations.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <string>

#include "storage/profile_database.h"
#include "storage/sqlite_handle.h"
#include "storage_test_support.h"

namespace validprof::storage {
namespace {

using testing::TempDir;

std::int64_t query_int(SqliteConnection& connection, const char* sql) {
    auto statement = Statement::prepare(connection.get(), sql, false);
    EXPECT_TRUE(statement.ok()) << sql;
    if (!statement.ok()) return -1;
    auto row = statement->step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return statement->column_int(0);
}

SqliteConnection raw_connection(const std::string& path) {
    auto connection = SqliteConnection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    EXPECT_TRUE(connection.ok());
    return std::move(connection).value();
}

TEST(SchemaMigrationsTest, VersionsStartAtOneWithoutGaps) {
    const auto migrations = schema_migrations();
    ASSERT_GE(migrations.size(), 2u);
    for (std::size_t i = 0; i < migrations.size(); ++i) EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    EXPECT_EQ(latest_schema_version(), migrations.back().version);
    EXPECT_EQ(ProfileDatabase::latest_schema_version(), latest_schema_version());
}

TEST(SchemaMigrationsTest, NewDatabaseIsCreatedAtTheLatestVersion) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    {
        auto db = ProfileDatabase::open(path, OpenMode::ReadWrite);
        ASSERT_TRUE(db.ok()) << db.error().message;
        EXPECT_EQ((*db)->schema_version(), latest_schema_version());
    }
    auto connection = raw_connection(path);
    EXPECT_EQ(query_int(connection, "PRAGMA user_version"), latest_schema_version());
}

TEST(SchemaMigrationsTest, Version1DatabaseIsUpgradedWithItsDataIntact) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    {
        // What a validprof that knew only version 1 would have written.
        auto connection = raw_connection(path);
        auto migrated = migrate_schema(connection, path, 1);
        ASSERT_TRUE(migrated.ok()) << migrated.error().message;
        ASSERT_EQ(*migrated, 1);
        ASSERT_TRUE(connection
                        .exec("INSERT INTO sessions VALUES (7, 'record', 'make', 'h', '6.1', 'x=y', 100, -5, 200, 1, 3);"
                              "INSERT INTO lost_events VALUES (7, 'ringbuf_full_exec', 0);"
                              "INSERT INTO invocations VALUES (70, 7, 'x', 42, 1000, 1500, 1600, 600, 1, 256, "
                              "  11, 12, 13, 14, 15, 16, 1);"
                              "INSERT INTO invocation_cpu_times VALUES (70, 2, 11);"
                              "INSERT INTO processes VALUES (700, 70, 42, 1, '/bin/x', 'x --y', 'x', 1000, 1600, "
                              "  1, 256, 1, 11, 12, 13, 14, 15, 16);"
                              "INSERT INTO process_cpu_times VALUES (700, 2, 11);")
                        .ok());
        EXPECT_EQ(query_int(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                                        "name = 'invocations_by_session_hook'"),
                  0);
    }

    auto db = ProfileDatabase::open(path, OpenMode::ReadWrite);
    ASSERT_TRUE(db.ok()) << db.error().message;
    EXPECT_EQ((*db)->schema_version(), latest_schema_version());

    auto session = (*db)->load_session(7);
    ASSERT_TRUE(session.ok()) << session.error().message;
    EXPECT_EQ(session->info.command, "record");
    EXPECT_EQ(session->info.target, "make");
    EXPECT_EQ(session->info.monotonic_to_unix_offset_ns, -5);
    EXPECT_TRUE(session->complete);
    EXPECT_EQ(session->end.end_unix_ns, 200);
    EXPECT_EQ(session->end.events_received, 3u);
    EXPECT_EQ(session->end.lost_events, (std::map<std::string, std::uint64_t>{{"ringbuf_full_exec", 0}}));
    EXPECT_EQ(session->invocation_count, 1u);

    auto invocations = (*db)->load_invocations(7, std::string("x"), true);
    ASSERT_TRUE(invocations.ok()) << invocations.error().message;
    ASSERT_EQ(invocations->size(), 1u);
    const auto& invocation = (*invocations)[0];
    EXPECT_EQ(invocation.id, 70);
    EXPECT_EQ(invocation.exit_code, 256);
    EXPECT_EQ(invocation.times.involuntary_switches, 16u);
    EXPECT_EQ(invocation.times.on_cpu_ns_per_cpu, (std::map<std::uint32_t, std::uint64_t>{{2, 11}}));
    ASSERT_EQ(invocation.processes.size(), 1u);
    EXPECT_EQ(invocation.processes[0].argv, "x --y");
    EXPECT_EQ(invocation.processes[0].times.on_cpu_ns_per_cpu, (std::map<std::uint32_t, std::uint64_t>{{2, 11}}));

    // Checked through SQLite, not through the code under test.
    auto connection = raw_connection(path);
    EXPECT_EQ(query_int(connection, "PRAGMA user_version"), latest_schema_version());
    EXPECT_EQ(query_int(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                                    "('invocations_by_session_hook', 'invocations_by_session_start', "
                                    "'processes_by_invocation')"),
              3);
    EXPECT_EQ(query_int(connection, "SELECT COUNT(*) FROM processes"), 1);
}

TEST(SchemaMigrationsTest, MigratingTwiceIsANoOp) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    auto connection = raw_connection(path);
    auto first = migrate_schema(connection, path, latest_schema_version());
    ASSERT_TRUE(first.ok());
    auto second = migrate_schema(connection, path, latest_schema_version());
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(*second, latest_schema_version());
}

TEST(SchemaMigrationsTest, NewerDatabaseIsRefused) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    ASSERT_TRUE(ProfileDatabase::open(path, OpenMode::ReadWrite).ok());
    const int newer = latest_schema_version() + 5;
    {
        auto connection = raw_connection(path);
        ASSERT_TRUE(connection.exec(("PRAGMA user_version = " + std::to_string(newer)).c_str()).ok());
    }
    for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
        auto db = ProfileDatabase::open(path, mode);
        ASSERT_FALSE(db.ok());
        EXPECT_EQ(db.error().message, "profile database '" + path + "' has schema version " + std::to_string(newer) +
                                          ", this validprof knows up to " +
                                          std::to_string(latest_schema_version()) + ": upgrade validprof");
    }
    // Refusing must not have touched it.
    auto connection = raw_connection(path);
    EXPECT_EQ(query_int(connection, "PRAGMA user_version"), newer);
}

TEST(SchemaMigrationsTest, OlderDatabaseOpenedReadOnlyAsksForAnUpgrade) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    {
        auto connection = raw_connection(path);
        ASSERT_TRUE(migrate_schema(connection, path, 1).ok());
    }
    auto db = ProfileDatabase::open(path, OpenMode::ReadOnly);
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.error().message.find(path), std::string::npos);
    EXPECT_NE(db.error().message.find("schema version 1"), std::string::npos) << db.error().message;
    auto connection = raw_connection(path);
    EXPECT_EQ(query_int(connection, "PRAGMA user_version"), 1);
}

}  // namespace
}  // namespace validprof::storage
