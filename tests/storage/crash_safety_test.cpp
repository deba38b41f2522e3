// A recorder killed with SIGKILL, the one signal it cannot handle, must
// leave the database readable: earlier sessions intact, its own session
// incomplete with exactly the batches it committed, no trace of the
// transaction it had open.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "storage/profile_database.h"
#include "storage/sqlite_handle.h"
#include "storage_test_support.h"

namespace validprof::storage {
namespace {

using testing::expect_same_info;
using testing::expect_same_invocation;
using testing::sample_invocation;
using testing::sample_session_info;
using testing::TempDir;

constexpr int kCommittedBatches = 3;
constexpr int kBatchSize = 150;
// Statements into the 4th batch after which the child kills itself: far
// into the transaction (a batch runs ~2,000 inserts), before its commit.
constexpr int kStatementsBeforeKill = 1200;

std::vector<model::Invocation> batch_number(int batch) {
    std::vector<model::Invocation> invocations;
    for (int i = 0; i < kBatchSize; ++i) {
        const std::uint64_t start = static_cast<std::uint64_t>(batch) * 1'000'000 + static_cast<std::uint64_t>(i);
        invocations.push_back(sample_invocation("batch-" + std::to_string(batch), 10'000 * batch + i, start, 2));
    }
    return invocations;
}

model::SessionEnd session_a_end() {
    model::SessionEnd end;
    end.end_unix_ns = 1'800'000'000'000'000'000;
    end.events_received = 1234;
    end.lost_events = {{"ringbuf_full_exec", 0}, {"tracked_map_full", 3}};
    return end;
}

off_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

int kill_after_statements(unsigned, void* context, void*, void*) {
    if (++*static_cast<int*>(context) == kStatementsBeforeKill) ::raise(SIGKILL);
    return 0;
}

// Runs in the forked child: no gtest assertions here, failures are exit codes.
// wal_size_fd: where it reports the WAL's size before the doomed batch.
[[noreturn]] void record_and_die(const std::string& path, int wal_size_fd) {
    auto db = ProfileDatabase::open(path, OpenMode::ReadWrite);
    if (!db.ok()) ::_exit(10);
    auto a = (*db)->begin_session(sample_session_info("attach"));
    if (!a.ok()) ::_exit(11);
    if (!(*db)->store_invocations(*a, batch_number(0)).ok()) ::_exit(12);
    if (!(*db)->finish_session(*a, session_a_end()).ok()) ::_exit(13);

    auto b = (*db)->begin_session(sample_session_info("record"));
    if (!b.ok()) ::_exit(14);
    for (int batch = 1; batch <= kCommittedBatches; ++batch) {
        if (!(*db)->store_invocations(*b, batch_number(batch)).ok()) ::_exit(15);
    }
    // A tiny page cache makes SQLite spill the open transaction's pages into
    // the WAL before commit, so the killed transaction leaves uncommitted
    // frames on disk that recovery has to ignore.
    sqlite3_exec((*db)->native_handle(), "PRAGMA cache_size = 2", nullptr, nullptr, nullptr);
    const off_t wal_size = file_size(path + "-wal");
    if (::write(wal_size_fd, &wal_size, sizeof wal_size) != sizeof wal_size) ::_exit(17);
    int statements = 0;
    sqlite3_trace_v2((*db)->native_handle(), SQLITE_TRACE_STMT, kill_after_statements, &statements);
    (void)(*db)->store_invocations(*b, batch_number(kCommittedBatches + 1));
    ::_exit(16);  // the kill did not happen inside the transaction
}

TEST(CrashSafetyTest, SigkillMidSessionKeepsCommittedDataAndEarlierSessions) {
    TempDir dir;
    const std::string path = dir.file("validprof.db");

    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    common::UniqueFd read_end(pipe_fds[0]);
    common::UniqueFd write_end(pipe_fds[1]);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) record_and_die(path, write_end.get());
    write_end.reset();
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with code " << WEXITSTATUS(status);
    ASSERT_EQ(WTERMSIG(status), SIGKILL);
    // The killed transaction really reached the disk (spilled WAL frames
    // without a commit record), so recovery below has something to discard.
    off_t wal_size_before_kill = 0;
    ASSERT_EQ(::read(read_end.get(), &wal_size_before_kill, sizeof wal_size_before_kill),
              static_cast<ssize_t>(sizeof wal_size_before_kill));
    EXPECT_GT(file_size(path + "-wal"), wal_size_before_kill);

    // Read-only first: what `validprof report` would do right after the crash.
    auto db = ProfileDatabase::open(path, OpenMode::ReadOnly);
    ASSERT_TRUE(db.ok()) << db.error().message;
    auto check = Statement::prepare((*db)->native_handle(), "PRAGMA integrity_check", false);
    ASSERT_TRUE(check.ok());
    auto row = check->step();
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ(check->column_text(0), "ok");
    check->reset();

    auto sessions = (*db)->list_sessions();
    ASSERT_TRUE(sessions.ok()) << sessions.error().message;
    ASSERT_EQ(sessions->size(), 2u);
    const auto& a = (*sessions)[0];
    const auto& b = (*sessions)[1];

    expect_same_info(sample_session_info("attach"), a.info);
    EXPECT_TRUE(a.complete);
    EXPECT_EQ(a.end.end_unix_ns, session_a_end().end_unix_ns);
    EXPECT_EQ(a.end.events_received, session_a_end().events_received);
    EXPECT_EQ(a.end.lost_events, session_a_end().lost_events);
    auto a_invocations = (*db)->load_invocations(a.id, std::nullopt, true);
    ASSERT_TRUE(a_invocations.ok());
    const auto expected_a = batch_number(0);
    ASSERT_EQ(a_invocations->size(), expected_a.size());
    for (std::size_t i = 0; i < expected_a.size(); ++i) expect_same_invocation(expected_a[i], (*a_invocations)[i]);

    expect_same_info(sample_session_info("record"), b.info);
    EXPECT_FALSE(b.complete);
    EXPECT_EQ(b.end.end_unix_ns, 0);
    EXPECT_EQ(b.invocation_count, static_cast<std::uint64_t>(kCommittedBatches * kBatchSize));
    auto b_invocations = (*db)->load_invocations(b.id, std::nullopt, true);
    ASSERT_TRUE(b_invocations.ok());
    ASSERT_EQ(b_invocations->size(), static_cast<std::size_t>(kCommittedBatches * kBatchSize));
    std::size_t next = 0;
    for (int batch = 1; batch <= kCommittedBatches; ++batch) {
        for (const auto& expected : batch_number(batch)) expect_same_invocation(expected, (*b_invocations)[next++]);
    }
    auto hooks = (*db)->hook_names(b.id);
    ASSERT_TRUE(hooks.ok());
    EXPECT_EQ(*hooks, (std::vector<std::string>{"batch-1", "batch-2", "batch-3"}));
    // No orphans from the killed transaction either.
    auto orphans = Statement::prepare((*db)->native_handle(),
                                      "SELECT COUNT(*) FROM processes WHERE invocation_id NOT IN "
                                      "(SELECT id FROM invocations)",
                                      false);
    ASSERT_TRUE(orphans.ok());
    auto orphan_row = orphans->step();
    ASSERT_TRUE(orphan_row.ok() && *orphan_row);
    EXPECT_EQ(orphans->column_int(0), 0);
    orphans->reset();

    // And a writer can carry on after the crash.
    auto writer = ProfileDatabase::open(path, OpenMode::ReadWrite);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    auto c = (*writer)->begin_session(sample_session_info());
    ASSERT_TRUE(c.ok());
    EXPECT_GT(*c, b.id);
}

}  // namespace
}  // namespace validprof::storage
