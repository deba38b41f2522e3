// Thin RAII over the SQLite C API: a connection, a prepared statement and a
// transaction that rolls back unless committed. Used by the profile
// database (userspace/storage) and by validcore's memory store
// (userspace/validation/memory), which must not link the profiler. Failures come back as common::Error carrying SQLite's own
// message; callers add which database and which operation failed.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace validprof::sqlite_handle {

class SqliteConnection {
public:
    // flags: SQLITE_OPEN_* as for sqlite3_open_v2. Extended result codes are
    // always on so that errors say e.g. "FOREIGN KEY constraint failed".
    static common::Result<SqliteConnection> open(const std::string& path, int flags);

    SqliteConnection(SqliteConnection&&) noexcept = default;
    SqliteConnection& operator=(SqliteConnection&&) noexcept = default;
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;
    ~SqliteConnection() = default;

    sqlite3* get() const { return db_.get(); }

    // Runs one or more statements that return no rows we need.
    common::Result<void> exec(const char* sql);

    std::string last_error() const { return sqlite3_errmsg(db_.get()); }
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }
    int changes() const { return sqlite3_changes(db_.get()); }

private:
    struct Closer {
        // close_v2: if a statement somehow outlives us the handle becomes a
        // zombie that is released with the last statement, instead of leaking.
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    explicit SqliteConnection(sqlite3* db) : db_(db) {}

    std::unique_ptr<sqlite3, Closer> db_;
};

class Statement {
public:
    // persistent: the statement is kept and reused for the life of the
    // connection (SQLITE_PREPARE_PERSISTENT tells SQLite to allocate it
    // accordingly).
    static common::Result<Statement> prepare(sqlite3* db, std::string_view sql, bool persistent);

    Statement(Statement&&) noexcept = default;
    Statement& operator=(Statement&&) noexcept = default;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() = default;

    // Parameter indexes are 1-based as in SQLite. A failed bind is remembered
    // and reported by the next step(), so call sites stay one line per value.
    void bind_int(int index, std::int64_t value);
    void bind_text(int index, std::string_view value);
    void bind_null(int index);

    // true: a row is available; false: the statement has finished.
    common::Result<bool> step();
    // For statements that return no rows: steps to completion, then resets.
    common::Result<void> run();
    // Ready for new bindings and ends any read the statement held open.
    void reset();

    // Columns are 0-based as in SQLite.
    std::int64_t column_int(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
    bool column_is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }
    // Byte-exact, embedded NULs and non-UTF-8 paths included.
    std::string column_text(int column) const;

private:
    struct Finalizer {
        void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
    };
    explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
    void note_bind(int rc);

    std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
    int bind_error_ = SQLITE_OK;
};

// Borrowed use of a reused statement: reset when the scope ends, so an early
// return never leaves it mid-step holding a WAL read snapshot open (which
// would stop checkpoints and keep readers on stale data).
class StatementScope {
public:
    explicit StatementScope(Statement& statement) : statement_(&statement) {}
    StatementScope(const StatementScope&) = delete;
    StatementScope& operator=(const StatementScope&) = delete;
    ~StatementScope() { statement_->reset(); }

    Statement* operator->() const { return statement_; }
    Statement& operator*() const { return *statement_; }

private:
    Statement* statement_;
};

class Transaction {
public:
    // For writes. BEGIN IMMEDIATE takes the write lock up front: a deferred
    // transaction that later upgrades from read to write can fail with
    // SQLITE_BUSY without the busy timeout helping, immediate ones just wait.
    static common::Result<Transaction> begin_immediate(SqliteConnection& connection);
    // For several reads that must see one snapshot (in WAL, a deferred
    // transaction pins the snapshot at its first read). Nothing to commit:
    // letting it roll back just releases the snapshot.
    static common::Result<Transaction> begin_read(SqliteConnection& connection);

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    // Rolls back unless commit() succeeded.
    ~Transaction();

    common::Result<void> commit();

private:
    explicit Transaction(sqlite3* db) : db_(db) {}

    sqlite3* db_;  // nullptr once committed, rolled back or moved from
};

}  // namespace validprof::sqlite_handle
