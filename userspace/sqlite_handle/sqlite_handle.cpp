#include "sqlite_handle/sqlite_handle.h"

#include <utility>

namespace validprof::sqlite_handle {

common::Result<SqliteConnection> SqliteConnection::open(const std::string& path, int flags) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    // sqlite3_open_v2 hands out a handle even when it fails; it must be
    // closed either way, so own it before looking at rc.
    SqliteConnection connection(raw);
    if (rc != SQLITE_OK) {
        if (raw == nullptr) return common::make_error(sqlite3_errstr(rc));
        return common::make_error(connection.last_error(), sqlite3_system_errno(raw));
    }
    sqlite3_extended_result_codes(raw, 1);
    return connection;
}

common::Result<void> SqliteConnection::exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return common::success();
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return common::make_error(std::move(text));
}

common::Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql, bool persistent) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
    Statement statement(raw);
    if (rc != SQLITE_OK) return common::make_error(sqlite3_errmsg(db));
    if (raw == nullptr) return common::make_error("empty SQL statement");
    return statement;
}

void Statement::note_bind(int rc) {
    if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::bind_int(int index, std::int64_t value) {
    note_bind(sqlite3_bind_int64(stmt_.get(), index, value));
}

void Statement::bind_text(int index, std::string_view value) {
    // SQLITE_TRANSIENT: SQLite copies the bytes, the caller's string may go
    // away before the step.
    note_bind(sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                                  SQLITE_UTF8));
}

void Statement::bind_null(int index) { note_bind(sqlite3_bind_null(stmt_.get(), index)); }

common::Result<bool> Statement::step() {
    if (bind_error_ != SQLITE_OK) {
        return common::make_error(std::string("cannot bind a parameter: ") + sqlite3_errstr(bind_error_));
    }
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return common::make_error(sqlite3_errmsg(sqlite3_db_handle(stmt_.get())));
}

common::Result<void> Statement::run() {
    auto stepped = step();
    reset();
    if (!stepped) return stepped.error();
    return common::success();
}

void Statement::reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
    bind_error_ = SQLITE_OK;
}

std::string Statement::column_text(int column) const {
    const auto* text = sqlite3_column_text(stmt_.get(), column);
    // column_bytes after column_text: the length of the text as returned.
    const int size = sqlite3_column_bytes(stmt_.get(), column);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

common::Result<Transaction> Transaction::begin_immediate(SqliteConnection& connection) {
    if (auto begun = connection.exec("BEGIN IMMEDIATE"); !begun) return begun.error();
    return Transaction(connection.get());
}

common::Result<Transaction> Transaction::begin_read(SqliteConnection& connection) {
    if (auto begun = connection.exec("BEGIN"); !begun) return begun.error();
    return Transaction(connection.get());
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
    // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) already rolled the
    // transaction back; only roll back what is still open.
    if (db_ != nullptr && sqlite3_get_autocommit(db_) == 0) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

common::Result<void> Transaction::commit() {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, &message);
    if (rc == SQLITE_OK) {
        db_ = nullptr;
        return common::success();
    }
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    // Still open (e.g. SQLITE_BUSY): the destructor rolls it back.
    return common::make_error(std::move(text));
}

}  // namespace validprof::sqlite_handle
