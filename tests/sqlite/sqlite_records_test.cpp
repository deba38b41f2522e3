// Unprivileged: the sqlite_probes records decoded without a kernel, from
// records laid out as bpf/sqlite_probes.h defines them.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include <linux/types.h>
#include "sqlite_probes.h"

#include "sqlite/sqlite_records.h"

namespace validprof::sqlite {
namespace {

template <typename Record>
Record record_of(std::uint32_t kind, std::int32_t pid) {
    Record record{};
    record.header.kind = kind;
    record.header.pid = static_cast<__u32>(pid);
    record.header.tid = static_cast<__u32>(pid);
    record.header.timestamp_ns = 2'000;
    return record;
}

TEST(SqliteRecordDecoder, AnExecutionNamesItsPreparedStatementAndDatabase) {
    SqliteRecordDecoder decoder;
    auto opened = record_of<vp_sqlite_db_opened>(VP_SQLITE_EVENT_DB_OPENED, 42);
    opened.db = 0x10;
    std::strcpy(opened.filename, "/tmp/memory.db");
    decoder.handle_record(&opened, sizeof(opened));

    auto prepared = record_of<vp_sqlite_prepared>(VP_SQLITE_EVENT_PREPARED, 42);
    prepared.db = 0x10;
    prepared.stmt = 0x20;
    const std::string sql = "SELECT value FROM entries WHERE key = ?";
    std::memcpy(prepared.sql, sql.data(), sql.size());
    prepared.sql_bytes = static_cast<__u32>(sql.size());
    decoder.handle_record(&prepared, sizeof(prepared));

    auto execution = record_of<vp_sqlite_execution>(VP_SQLITE_EVENT_EXECUTION, 42);
    execution.stmt = 0x20;
    execution.start_ns = 1'000;
    execution.rows = 3;
    decoder.handle_record(&execution, sizeof(execution));

    auto statements = decoder.take_statements();
    ASSERT_EQ(statements.size(), 1u);
    EXPECT_EQ(statements[0].sql, sql);
    EXPECT_EQ(statements[0].database, "/tmp/memory.db");
    EXPECT_EQ(statements[0].end_ns - statements[0].start_ns, 1'000u);
    EXPECT_EQ(statements[0].rows, 3u);
    EXPECT_EQ(decoder.undecodable(), 0u);
}

TEST(SqliteRecordDecoder, ShortAndUnknownRecordsAreCountedNotDecoded) {
    SqliteRecordDecoder decoder;
    auto execution = record_of<vp_sqlite_execution>(VP_SQLITE_EVENT_EXECUTION, 42);
    decoder.handle_record(&execution, sizeof(execution) - 1);
    auto unknown = record_of<vp_sqlite_file_unlinked>(99, 42);
    decoder.handle_record(&unknown, sizeof(unknown));
    decoder.handle_record(&unknown, 3);
    EXPECT_EQ(decoder.undecodable(), 3u);
    EXPECT_TRUE(decoder.take_statements().empty());
}

TEST(SqliteRecordDecoder, StringsWithoutTerminatorStayInsideTheirField) {
    SqliteRecordDecoder decoder;
    auto unlinked = record_of<vp_sqlite_file_unlinked>(VP_SQLITE_EVENT_FILE_UNLINKED, 7);
    std::memset(unlinked.path, 'x', sizeof(unlinked.path));  // no NUL anywhere
    decoder.handle_record(&unlinked, sizeof(unlinked));
    ASSERT_EQ(decoder.unlinks().size(), 1u);
    EXPECT_EQ(decoder.unlinks().begin()->first.second.size(), sizeof(unlinked.path));
}

}  // namespace
}  // namespace validprof::sqlite
