// ProfileDatabase behaviour: lossless round trips, filters, errors, file
// permissions and transaction boundaries. SQLite's own hooks (commit hook,
// statement list) serve as the independent witness for the last.
#include "storage/profile_database.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "storage/sqlite_handle.h"
#include "storage_test_support.h"

namespace validprof::storage {
namespace {

using testing::expect_same_info;
using testing::expect_same_invocation;
using testing::kMaxSigned;
using testing::sample_invocation;
using testing::sample_session_info;
using testing::TempDir;

std::unique_ptr<ProfileDatabase> open_or_die(const std::string& path, OpenMode mode = OpenMode::ReadWrite) {
    auto db = ProfileDatabase::open(path, mode);
    EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
    return db.ok() ? std::move(db).value() : nullptr;
}

std::int64_t query_int(sqlite3* db, const char* sql) {
    auto statement = Statement::prepare(db, sql, false);
    EXPECT_TRUE(statement.ok()) << sql;
    if (!statement.ok()) return -1;
    auto row = statement->step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return statement->column_int(0);
}

std::string query_text(sqlite3* db, const char* sql) {
    auto statement = Statement::prepare(db, sql, false);
    EXPECT_TRUE(statement.ok()) << sql;
    if (!statement.ok()) return {};
    auto row = statement->step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return statement->column_text(0);
}

// Values at the edges of every field's type.
model::Invocation extreme_invocation() {
    model::Invocation invocation = sample_invocation("edge", std::numeric_limits<std::int32_t>::max(), kMaxSigned - 1);
    invocation.root_end_ns = kMaxSigned;
    invocation.last_end_ns = kMaxSigned;
    invocation.complete = false;
    invocation.exit_code = std::numeric_limits<std::int32_t>::min();
    invocation.times.on_cpu_ns = kMaxSigned;
    // Beyond 2^63-1 as well: stored by bit pattern, so still lossless.
    invocation.times.involuntary_switches = std::numeric_limits<std::uint64_t>::max();
    invocation.times.on_cpu_ns_per_cpu[std::numeric_limits<std::uint32_t>::max()] = kMaxSigned;
    auto& process = invocation.processes[1];
    process.pid = std::numeric_limits<std::int32_t>::min();
    process.ppid = -1;
    process.exe = "";
    // Its length from the literal itself: a hand-counted 33 read past the
    // literal's 29 bytes (AddressSanitizer, --sanitize).
    static constexpr char kHostileArgv[] = "arg\0with-nul \xff\xfe not-utf8 \xe2\x82\xac";
    process.argv = std::string(kHostileArgv, sizeof kHostileArgv - 1);
    process.comm = "15-chars-comm!!";
    process.start_ns = 0;
    process.end_ns = 0;
    process.exited = false;
    process.exit_code = 9;  // killed by SIGKILL, wait(2) style
    process.threads = std::numeric_limits<std::uint32_t>::max();
    process.times = {};
    return invocation;
}

TEST(ProfileDatabaseTest, RoundTripsEveryFieldExactly) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    const model::SessionInfo info_a = sample_session_info("attach");
    model::SessionInfo info_b = sample_session_info("record");
    info_b.target = "system-wide";
    info_b.start_unix_ns = std::numeric_limits<std::int64_t>::max();
    info_b.monotonic_to_unix_offset_ns = std::numeric_limits<std::int64_t>::min();

    const std::vector<model::Invocation> batch = {sample_invocation("pre-commit", 100, 5000), extreme_invocation(),
                                                  sample_invocation("pre-commit", 200, 6000, 0)};
    model::SessionEnd end_a;
    end_a.end_unix_ns = 1'714'000'100'000'000'000;
    end_a.events_received = kMaxSigned;
    end_a.lost_events = {{"ringbuf_full_exec", 0}, {"tracked_map_full", 17}, {"ringbuf_full_exit", kMaxSigned}};

    std::int64_t id_a = 0;
    std::int64_t id_b = 0;
    {
        auto db = open_or_die(path);
        ASSERT_TRUE(db);
        auto a = db->begin_session(info_a);
        ASSERT_TRUE(a.ok()) << a.error().message;
        id_a = *a;
        auto stored = db->store_invocations(id_a, batch);
        ASSERT_TRUE(stored.ok()) << stored.error().message;
        auto finished = db->finish_session(id_a, end_a);
        ASSERT_TRUE(finished.ok()) << finished.error().message;
        auto b = db->begin_session(info_b);
        ASSERT_TRUE(b.ok());
        id_b = *b;
    }

    // A fresh connection: what is on disk, not what a connection cached.
    auto db = open_or_die(path, OpenMode::ReadOnly);
    ASSERT_TRUE(db);
    auto sessions = db->list_sessions();
    ASSERT_TRUE(sessions.ok()) << sessions.error().message;
    ASSERT_EQ(sessions->size(), 2u);
    const auto& a = (*sessions)[0];
    const auto& b = (*sessions)[1];
    EXPECT_EQ(a.id, id_a);
    expect_same_info(info_a, a.info);
    EXPECT_TRUE(a.complete);
    EXPECT_EQ(a.end.end_unix_ns, end_a.end_unix_ns);
    EXPECT_EQ(a.end.events_received, end_a.events_received);
    EXPECT_EQ(a.end.lost_events, end_a.lost_events);
    EXPECT_EQ(a.invocation_count, batch.size());
    EXPECT_EQ(b.id, id_b);
    expect_same_info(info_b, b.info);
    EXPECT_FALSE(b.complete);
    EXPECT_EQ(b.end.end_unix_ns, 0);
    EXPECT_TRUE(b.end.lost_events.empty());
    EXPECT_EQ(b.invocation_count, 0u);

    auto loaded_a = db->load_session(id_a);
    ASSERT_TRUE(loaded_a.ok());
    expect_same_info(info_a, loaded_a->info);
    EXPECT_EQ(loaded_a->end.lost_events, end_a.lost_events);
    EXPECT_EQ(loaded_a->invocation_count, batch.size());

    auto invocations = db->load_invocations(id_a, std::nullopt, true);
    ASSERT_TRUE(invocations.ok()) << invocations.error().message;
    ASSERT_EQ(invocations->size(), batch.size());
    // Start order: 5000, 6000, then the one starting near 2^63.
    const std::vector<std::size_t> expected_order = {0, 2, 1};
    for (std::size_t i = 0; i < expected_order.size(); ++i) {
        SCOPED_TRACE("invocation " + std::to_string(i));
        expect_same_invocation(batch[expected_order[i]], (*invocations)[i]);
        EXPECT_GT((*invocations)[i].id, 0);
    }
    EXPECT_EQ((*invocations)[2].wall_ns(), batch[1].wall_ns());
}

TEST(ProfileDatabaseTest, LoadsInStartOrderAcrossBatchesWithStableIds) {
    TempDir dir;
    auto db = open_or_die(dir.file("validprof.db"));
    ASSERT_TRUE(db);
    auto session = db->begin_session(sample_session_info());
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(db->store_invocations(*session, {sample_invocation("h", 10, 300), sample_invocation("h", 11, 100)}).ok());
    ASSERT_TRUE(db->store_invocations(*session, {sample_invocation("h", 12, 200)}).ok());

    auto first = db->load_invocations(*session, std::nullopt, false);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->size(), 3u);
    EXPECT_EQ((*first)[0].root_pid, 11);
    EXPECT_EQ((*first)[1].root_pid, 12);
    EXPECT_EQ((*first)[2].root_pid, 10);
    auto second = db->load_invocations(*session, std::nullopt, true);
    ASSERT_TRUE(second.ok());
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ((*first)[i].id, (*second)[i].id);
    EXPECT_NE((*first)[0].id, (*first)[1].id);
}

TEST(ProfileDatabaseTest, WithoutProcessesStillFillsInvocationPerCpuTimes) {
    TempDir dir;
    auto db = open_or_die(dir.file("validprof.db"));
    ASSERT_TRUE(db);
    auto session = db->begin_session(sample_session_info());
    ASSERT_TRUE(session.ok());
    const auto invocation = sample_invocation("h", 10, 300, 3);
    ASSERT_TRUE(db->store_invocations(*session, {invocation}).ok());
    auto loaded = db->load_invocations(*session, std::nullopt, false);
    ASSERT_TRUE(loaded.ok());
    ASSERT_EQ(loaded->size(), 1u);
    expect_same_invocation(invocation, (*loaded)[0], /*with_processes=*/false);
}

TEST(ProfileDatabaseTest, FiltersByHook) {
    TempDir dir;
    auto db = open_or_die(dir.file("validprof.db"));
    ASSERT_TRUE(db);
    auto session = db->begin_session(sample_session_info());
    auto other = db->begin_session(sample_session_info());
    ASSERT_TRUE(session.ok() && other.ok());
    const std::vector<model::Invocation> batch = {
        sample_invocation("pre-commit", 10, 100), sample_invocation("lint", 20, 150),
        sample_invocation("pre-commit", 30, 200), sample_invocation("commit-msg", 40, 250)};
    ASSERT_TRUE(db->store_invocations(*session, batch).ok());
    ASSERT_TRUE(db->store_invocations(*other, {sample_invocation("pre-commit", 50, 50)}).ok());

    auto pre_commit = db->load_invocations(*session, std::string("pre-commit"), true);
    ASSERT_TRUE(pre_commit.ok()) << pre_commit.error().message;
    ASSERT_EQ(pre_commit->size(), 2u);
    expect_same_invocation(batch[0], (*pre_commit)[0]);
    expect_same_invocation(batch[2], (*pre_commit)[1]);

    auto none = db->load_invocations(*session, std::string("no-such-hook"), true);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());

    auto hooks = db->hook_names(*session);
    ASSERT_TRUE(hooks.ok());
    EXPECT_EQ(*hooks, (std::vector<std::string>{"commit-msg", "lint", "pre-commit"}));
    auto other_hooks = db->hook_names(*other);
    ASSERT_TRUE(other_hooks.ok());
    EXPECT_EQ(*other_hooks, (std::vector<std::string>{"pre-commit"}));
}

TEST(ProfileDatabaseTest, LatestSessionIdIsTheMostRecentlyBegun) {
    TempDir dir;
    auto db = open_or_die(dir.file("validprof.db"));
    ASSERT_TRUE(db);
    auto empty = db->latest_session_id();
    ASSERT_TRUE(empty.ok());
    EXPECT_FALSE(empty->has_value());
    auto first = db->begin_session(sample_session_info());
    auto second = db->begin_session(sample_session_info());
    ASSERT_TRUE(first.ok() && second.ok());
    auto latest = db->latest_session_id();
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ(latest->value_or(0), *second);
}

TEST(ProfileDatabaseTest, UnknownSessionIsANamedError) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    auto db = open_or_die(path);
    ASSERT_TRUE(db);
    const std::string expected = "no session 99 in '" + path + "'";
    auto loaded = db->load_session(99);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().message, expected);
    auto stored = db->store_invocations(99, {sample_invocation("h", 1, 1)});
    ASSERT_FALSE(stored.ok());
    EXPECT_EQ(stored.error().message, expected);
    auto finished = db->finish_session(99, {});
    ASSERT_FALSE(finished.ok());
    EXPECT_EQ(finished.error().message, expected);
    auto invocations = db->load_invocations(99, std::nullopt, true);
    ASSERT_FALSE(invocations.ok());
    EXPECT_EQ(invocations.error().message, expected);
    auto hooks = db->hook_names(99);
    ASSERT_FALSE(hooks.ok());
    EXPECT_EQ(hooks.error().message, expected);
    auto sessions = db->list_sessions();
    ASSERT_TRUE(sessions.ok());
    EXPECT_TRUE(sessions->empty());
}

TEST(ProfileDatabaseTest, FinishingAgainReplacesTheEnd) {
    TempDir dir;
    auto db = open_or_die(dir.file("validprof.db"));
    ASSERT_TRUE(db);
    auto session = db->begin_session(sample_session_info());
    ASSERT_TRUE(session.ok());
    model::SessionEnd end;
    end.end_unix_ns = 10;
    end.lost_events = {{"a", 1}, {"b", 2}};
    ASSERT_TRUE(db->finish_session(*session, end).ok());
    end.end_unix_ns = 20;
    end.lost_events = {{"b", 0}};
    end.events_received = 7;
    ASSERT_TRUE(db->finish_session(*session, end).ok());
    auto loaded = db->load_session(*session);
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded->complete);
    EXPECT_EQ(loaded->end.end_unix_ns, 20);
    EXPECT_EQ(loaded->end.events_received, 7u);
    EXPECT_EQ(loaded->end.lost_events, end.lost_events);
}

TEST(ProfileDatabaseTest, ConnectionSettings) {
    TempDir dir;
    auto db = open_or_die(dir.file("validprof.db"));
    ASSERT_TRUE(db);
    EXPECT_EQ(query_text(db->native_handle(), "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(query_int(db->native_handle(), "PRAGMA synchronous"), 1);  // NORMAL
    EXPECT_EQ(query_int(db->native_handle(), "PRAGMA foreign_keys"), 1);
    EXPECT_GT(query_int(db->native_handle(), "PRAGMA busy_timeout"), 0);
    EXPECT_EQ(db->schema_version(), ProfileDatabase::latest_schema_version());
}

class UmaskGuard {
public:
    explicit UmaskGuard(mode_t mask) : previous_(::umask(mask)) {}
    UmaskGuard(const UmaskGuard&) = delete;
    UmaskGuard& operator=(const UmaskGuard&) = delete;
    ~UmaskGuard() { ::umask(previous_); }

private:
    mode_t previous_;
};

mode_t permission_bits(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

TEST(ProfileDatabaseTest, FilesAreOwnerOnlyEvenWithAPermissiveUmask) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    UmaskGuard umask(0);
    auto db = open_or_die(path);
    ASSERT_TRUE(db);
    // A write, so that SQLite has certainly created -wal and -shm.
    ASSERT_TRUE(db->begin_session(sample_session_info()).ok());
    EXPECT_EQ(permission_bits(path), 0600);
    EXPECT_EQ(permission_bits(path + "-wal"), 0600);
    EXPECT_EQ(permission_bits(path + "-shm"), 0600);
}

TEST(ProfileDatabaseTest, UnopenablePathErrorNamesThePathAndTheReason) {
    TempDir dir;
    const std::string path = dir.file("missing-dir/validprof.db");
    for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
        auto db = ProfileDatabase::open(path, mode);
        ASSERT_FALSE(db.ok());
        EXPECT_EQ(db.error().message, "cannot open profile database '" + path + "': No such file or directory");
        EXPECT_EQ(db.error().errno_value, ENOENT);
    }
}

TEST(ProfileDatabaseTest, ReadOnlyModeDoesNotCreate) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    auto db = ProfileDatabase::open(path, OpenMode::ReadOnly);
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.error().message.find(path), std::string::npos);
    EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST(ProfileDatabaseTest, ReadOnlyModeReadsButDoesNotWrite) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    ASSERT_TRUE(open_or_die(path));
    auto db = open_or_die(path, OpenMode::ReadOnly);
    ASSERT_TRUE(db);
    auto sessions = db->list_sessions();
    ASSERT_TRUE(sessions.ok());
    auto begun = db->begin_session(sample_session_info());
    ASSERT_FALSE(begun.ok());
    EXPECT_NE(begun.error().message.find(path), std::string::npos) << begun.error().message;
}

TEST(ProfileDatabaseTest, ReadOnlyFileIsRefusedForWriting) {
    if (::geteuid() == 0) GTEST_SKIP() << "root ignores file permissions, a read-only file stays writable";
    TempDir dir;
    const std::string path = dir.file("validprof.db");
    ASSERT_TRUE(open_or_die(path));
    ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
    auto db = ProfileDatabase::open(path, OpenMode::ReadWrite);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().message, "cannot open profile database '" + path + "': Permission denied");
}

TEST(ProfileDatabaseTest, FileThatIsNotADatabaseIsRefused) {
    TempDir dir;
    const std::string path = dir.file("notes.txt");
    std::ofstream(path) << std::string(8192, 'x');
    for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
        auto db = ProfileDatabase::open(path, mode);
        ASSERT_FALSE(db.ok());
        EXPECT_EQ(db.error().message, "'" + path + "' is not a validprof profile database: file is not a database");
    }
}

TEST(ProfileDatabaseTest, SomebodyElsesSqliteDatabaseIsRefused) {
    TempDir dir;
    const std::string path = dir.file("other.db");
    {
        auto other = SqliteConnection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        ASSERT_TRUE(other.ok());
        ASSERT_TRUE(other->exec("CREATE TABLE sessions (x)").ok());
    }
    auto db = ProfileDatabase::open(path, OpenMode::ReadWrite);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().message, "'" + path + "' is a SQLite database but not a validprof profile database");
}

int count_commits(void* counter) {
    ++*static_cast<int*>(counter);
    return 0;  // 0: let the commit proceed
}

int count_prepared_statements(sqlite3* db) {
    int count = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s != nullptr; s = sqlite3_next_stmt(db, s)) ++count;
    return count;
}

std::vector<model::Invocation> numbered_batch(int count, std::uint64_t first_start_ns) {
    std::vector<model::Invocation> batch;
    for (int i = 0; i < count; ++i) {
        batch.push_back(sample_invocation(i % 2 == 0 ? "even" : "odd", 1000 + i,
                                          first_start_ns + static_cast<std::uint64_t>(i)));
    }
    return batch;
}

TEST(ProfileDatabaseTest, BatchIsOneTransactionWithReusedStatements) {
    TempDir dir;
    auto db = open_or_die(dir.file("validprof.db"));
    ASSERT_TRUE(db);
    auto session = db->begin_session(sample_session_info());
    ASSERT_TRUE(session.ok());
    int commits = 0;
    sqlite3_commit_hook(db->native_handle(), count_commits, &commits);

    ASSERT_TRUE(db->store_invocations(*session, numbered_batch(500, 0)).ok());
    EXPECT_EQ(commits, 1);
    const int statements_after_first = count_prepared_statements(db->native_handle());

    ASSERT_TRUE(db->store_invocations(*session, numbered_batch(500, 1000)).ok());
    EXPECT_EQ(commits, 2);
    // Reused, not prepared again per call (nor leaked per row).
    EXPECT_EQ(count_prepared_statements(db->native_handle()), statements_after_first);
    sqlite3_commit_hook(db->native_handle(), nullptr, nullptr);

    // 1000 invocations of 2 processes, 3 CPUs each: rows per table as stored.
    EXPECT_EQ(query_int(db->native_handle(), "SELECT COUNT(*) FROM invocations"), 1000);
    EXPECT_EQ(query_int(db->native_handle(), "SELECT COUNT(*) FROM processes"), 2000);
    EXPECT_EQ(query_int(db->native_handle(), "SELECT COUNT(*) FROM process_cpu_times"), 6000);
}

TEST(ProfileDatabaseTest, FailedBatchStoresNothingAndLeavesNoTransactionOpen) {
    TempDir dir;
    auto db = open_or_die(dir.file("validprof.db"));
    ASSERT_TRUE(db);
    auto session = db->begin_session(sample_session_info());
    ASSERT_TRUE(session.ok());
    // A failure in the middle of the batch, injected by SQLite itself.
    ASSERT_EQ(sqlite3_exec(db->native_handle(),
                           "CREATE TEMP TRIGGER fail_boom BEFORE INSERT ON main.invocations "
                           "WHEN NEW.hook = 'boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    auto batch = numbered_batch(20, 0);
    batch[10].hook = "boom";
    auto stored = db->store_invocations(*session, batch);
    ASSERT_FALSE(stored.ok());
    EXPECT_NE(stored.error().message.find("injected failure"), std::string::npos) << stored.error().message;
    EXPECT_NE(stored.error().message.find(db->path()), std::string::npos);
    EXPECT_EQ(sqlite3_get_autocommit(db->native_handle()), 1);  // rolled back, not left open
    EXPECT_EQ(query_int(db->native_handle(), "SELECT COUNT(*) FROM invocations"), 0);
    EXPECT_EQ(query_int(db->native_handle(), "SELECT COUNT(*) FROM processes"), 0);

    batch[10].hook = "fine";
    ASSERT_TRUE(db->store_invocations(*session, batch).ok());
    auto loaded = db->load_invocations(*session, std::nullopt, true);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->size(), batch.size());
}

}  // namespace
}  // namespace validprof::storage
