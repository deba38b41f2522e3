// The gate's inspected files across sessions: stored and loaded exactly,
// one row per file; what a session did not look for is kept from earlier
// sessions only while the file is unchanged.
#include <gtest/gtest.h>

#include <algorithm>

#include "storage/profile_database.h"
#include "storage_test_support.h"

namespace validprof::storage {
namespace {

using namespace validprof::storage::testing;

model::InspectedFile file(std::uint64_t inode, std::string path, std::uint64_t size, std::int64_t ctime_ns) {
    model::InspectedFile f;
    f.device = (259u << 20) | 1u;  // the kernel's encoding of 259:1
    f.inode = inode;
    f.size = size;
    f.ctime_ns = ctime_ns;
    f.path = std::move(path);
    return f;
}

model::FileInspection usdt(std::uint64_t phases) {
    model::FileInspection found;
    found.usdt_checked = true;
    found.usdt_phases = phases;
    return found;
}

model::FileInspection sqlite(std::uint64_t functions) {
    model::FileInspection found;
    found.sqlite_checked = true;
    found.sqlite_functions = functions;
    return found;
}

std::vector<model::InspectedFile> load(ProfileDatabase& db) {
    auto files = db.load_inspected_files();
    EXPECT_TRUE(files.ok()) << (files.ok() ? "" : files.error().message);
    return files.ok() ? *files : std::vector<model::InspectedFile>{};
}

TEST(InspectedFiles, RoundTripExactlyWithExtremeValues) {
    TempDir dir;
    auto db = ProfileDatabase::open(dir.file("p.db"), OpenMode::ReadWrite);
    ASSERT_TRUE(db.ok());
    EXPECT_TRUE(load(**db).empty());
    model::InspectedFile a = file(kMaxSigned, "/usr/bin/validcore", 1234567, -5);
    a.found = usdt(11);
    a.found.sqlite_checked = true;
    model::InspectedFile b = file(7, "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0.8.6", 0, kMaxSigned);
    b.found = sqlite(12);
    ASSERT_TRUE((*db)->store_inspected_files({a, b}).ok());
    std::vector<model::InspectedFile> files = load(**db);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0], a) << "ordered by path";
    EXPECT_EQ(files[1], b);
}

TEST(InspectedFiles, AnUnchangedFileKeepsWhatEarlierSessionsFound) {
    TempDir dir;
    auto db = ProfileDatabase::open(dir.file("p.db"), OpenMode::ReadWrite);
    ASSERT_TRUE(db.ok());
    model::InspectedFile seen_by_usdt = file(42, "/opt/hook", 100, 1000);
    seen_by_usdt.found = usdt(3);
    ASSERT_TRUE((*db)->store_inspected_files({seen_by_usdt}).ok());
    // A --sql session meets the same file, unchanged: both findings stand.
    model::InspectedFile seen_by_sql = file(42, "/opt/hook", 100, 1000);
    seen_by_sql.found = sqlite(0);
    ASSERT_TRUE((*db)->store_inspected_files({seen_by_sql}).ok());
    std::vector<model::InspectedFile> files = load(**db);
    ASSERT_EQ(files.size(), 1u) << "one row per device and inode";
    EXPECT_TRUE(files[0].found.usdt_checked);
    EXPECT_EQ(files[0].found.usdt_phases, 3u);
    EXPECT_TRUE(files[0].found.sqlite_checked);
    EXPECT_EQ(files[0].found.sqlite_functions, 0u);
}

TEST(InspectedFiles, AChangedFileForgetsWhatThisSessionDidNotLookFor) {
    TempDir dir;
    auto db = ProfileDatabase::open(dir.file("p.db"), OpenMode::ReadWrite);
    ASSERT_TRUE(db.ok());
    model::InspectedFile before = file(42, "/opt/hook", 100, 1000);
    before.found = usdt(3);
    before.found.sqlite_checked = true;
    ASSERT_TRUE((*db)->store_inspected_files({before}).ok());
    // Rebuilt in place (same inode, new ctime), seen by a --sql session
    // only: its USDT notes are unknown again.
    model::InspectedFile after = file(42, "/opt/hook", 180, 2000);
    after.found = sqlite(5);
    ASSERT_TRUE((*db)->store_inspected_files({after}).ok());
    std::vector<model::InspectedFile> files = load(**db);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0], after);
    EXPECT_FALSE(files[0].found.usdt_checked);
    EXPECT_EQ(files[0].found.usdt_phases, 0u);
}

}  // namespace
}  // namespace validprof::storage
