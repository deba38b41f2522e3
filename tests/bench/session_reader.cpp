#include "session_reader.h"

#include <sqlite3.h>

#include <memory>

namespace validprof::bench {
namespace {

struct CloseConnection {
    void operator()(sqlite3* connection) const { sqlite3_close_v2(connection); }
};
struct FinalizeStatement {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Connection = std::unique_ptr<sqlite3, CloseConnection>;
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

common::Result<Connection> open_read_only(const std::string& path) {
    sqlite3* raw = nullptr;
    int code = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    Connection connection(raw);
    if (code != SQLITE_OK)
        return common::make_error("cannot open " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(code)));
    sqlite3_busy_timeout(raw, 2000);  // the writer holds short transactions
    return connection;
}

common::Result<Statement> prepare(sqlite3* connection, const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(connection, sql, -1, &raw, nullptr) != SQLITE_OK)
        return common::make_error(std::string("query failed: ") + sqlite3_errmsg(connection));
    return Statement(raw);
}

}  // namespace

std::size_t count_sessions(const std::string& db_path) {
    auto connection = open_read_only(db_path);
    if (!connection) return 0;
    auto statement = prepare(connection->get(), "SELECT COUNT(*) FROM sessions");
    if (!statement || sqlite3_step(statement->get()) != SQLITE_ROW) return 0;
    return static_cast<std::size_t>(sqlite3_column_int64(statement->get(), 0));
}

common::Result<StoredSession> read_latest_session(const std::string& db_path) {
    auto connection = open_read_only(db_path);
    if (!connection) return connection.error();
    sqlite3* db = connection->get();

    StoredSession session;
    auto latest = prepare(db, "SELECT id, complete, events_received FROM sessions ORDER BY id DESC LIMIT 1");
    if (!latest) return latest.error();
    if (sqlite3_step(latest->get()) != SQLITE_ROW) return common::make_error("no session in " + db_path);
    session.id = sqlite3_column_int64(latest->get(), 0);
    session.complete = sqlite3_column_int(latest->get(), 1) != 0;
    session.events_received = static_cast<std::uint64_t>(sqlite3_column_int64(latest->get(), 2));

    auto lost = prepare(db, "SELECT reason, count FROM lost_events WHERE session_id = ?1");
    if (!lost) return lost.error();
    sqlite3_bind_int64(lost->get(), 1, session.id);
    while (sqlite3_step(lost->get()) == SQLITE_ROW) {
        std::string reason = reinterpret_cast<const char*>(sqlite3_column_text(lost->get(), 0));
        auto count = static_cast<std::uint64_t>(sqlite3_column_int64(lost->get(), 1));
        session.lost_by_reason[reason] = count;
        // Notes (gate hold times, folded CPU ids...) share the table but
        // are not losses.
        if (reason.rfind("note_", 0) != 0) session.lost_events += count;
    }

    auto invocations = prepare(db,
                               "SELECT i.hook, i.complete, i.wall_ns, i.root_pid,"
                               " (SELECT COUNT(*) FROM processes p WHERE p.invocation_id = i.id)"
                               " FROM invocations i WHERE i.session_id = ?1 ORDER BY i.start_ns, i.id");
    if (!invocations) return invocations.error();
    sqlite3_bind_int64(invocations->get(), 1, session.id);
    while (sqlite3_step(invocations->get()) == SQLITE_ROW) {
        StoredInvocation invocation;
        invocation.hook = reinterpret_cast<const char*>(sqlite3_column_text(invocations->get(), 0));
        invocation.complete = sqlite3_column_int(invocations->get(), 1) != 0;
        invocation.wall_ns = static_cast<std::uint64_t>(sqlite3_column_int64(invocations->get(), 2));
        invocation.root_pid = sqlite3_column_int(invocations->get(), 3);
        invocation.processes = static_cast<std::uint64_t>(sqlite3_column_int64(invocations->get(), 4));
        session.invocations.push_back(std::move(invocation));
    }
    return session;
}

}  // namespace validprof::bench
