// Stack profiles round-trip exactly, shared stacks are stored once, and a
// session without stacks loads as an empty profile.
#include <gtest/gtest.h>

#include "storage/profile_database.h"
#include "storage_test_support.h"

namespace validprof::storage {
namespace {

using namespace validprof::storage::testing;

TEST(StackProfileStore, RoundTripsSamplesAndDeduplicatesStacks) {
    TempDir dir;
    auto database = ProfileDatabase::open(dir.file("p.db"), OpenMode::ReadWrite);
    ASSERT_TRUE(database.ok()) << database.error().message;
    auto session = (*database)->begin_session(sample_session_info());
    ASSERT_TRUE(session.ok());

    model::StackProfile profile;
    profile.settings = {999, 1'000'000};
    std::vector<model::StackFrame> shared = {{"main", "hook"}, {"parse <T>&\"quoted\"", "libx.so"}, {"vfs_read", "[kernel]"}};
    profile.samples.push_back({10, model::SampleKind::Cpu, 7, 7'007'007, shared});
    profile.samples.push_back({11, model::SampleKind::Cpu, 2, 2'002'002, shared});
    profile.samples.push_back({11, model::SampleKind::OffCpuBlocked, 1, 53'000'000, {{"main", "hook"}, {"__schedule", "[kernel]"}}});
    profile.samples.push_back({12, model::SampleKind::OffCpuSleeping, 3, 1, {}});
    ASSERT_TRUE((*database)->store_stack_profile(*session, profile).ok());

    auto loaded = (*database)->load_stack_profile(*session);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->settings, profile.settings);
    EXPECT_EQ(loaded->samples, profile.samples);

    sqlite3_stmt* raw = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2((*database)->native_handle(), "SELECT count(*) FROM stacks", -1, &raw, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(raw), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(raw, 0), 3) << "the shared stack is stored once";
    sqlite3_finalize(raw);
}

TEST(StackProfileStore, SessionWithoutStacksLoadsEmpty) {
    TempDir dir;
    auto database = ProfileDatabase::open(dir.file("p.db"), OpenMode::ReadWrite);
    ASSERT_TRUE(database.ok());
    auto session = (*database)->begin_session(sample_session_info());
    ASSERT_TRUE(session.ok());
    auto loaded = (*database)->load_stack_profile(*session);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->settings.frequency_hz, 0u);
    EXPECT_TRUE(loaded->samples.empty());
    EXPECT_FALSE((*database)->load_stack_profile(*session + 1).ok()) << "unknown session";
}

}  // namespace
}  // namespace validprof::storage
