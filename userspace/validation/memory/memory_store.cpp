#include "validation/memory/memory_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

namespace validprof::validation {

namespace {

// The modelled system's schema, column for column.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS memory_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT 'default',
  metadata TEXT,
  created_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')),
  updated_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')),
  accessed_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')),
  access_count INTEGER NOT NULL DEFAULT 0,
  ttl INTEGER,
  expires_at INTEGER,
  UNIQUE(key, namespace)
);
CREATE INDEX IF NOT EXISTS idx_memory_namespace ON memory_entries(namespace);
CREATE INDEX IF NOT EXISTS idx_memory_expires ON memory_entries(expires_at);
CREATE INDEX IF NOT EXISTS idx_memory_accessed ON memory_entries(accessed_at);
)sql";

// The objects kSchema creates; when all exist, set-up needs no write lock.
constexpr const char* kSchemaComplete =
    "SELECT COUNT(*) FROM sqlite_master WHERE name IN "
    "('memory_entries', 'idx_memory_namespace', 'idx_memory_expires', 'idx_memory_accessed')";
constexpr int kSchemaObjects = 4;

// better-sqlite3's default, and how long set-up keeps retrying.
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kUpsert =
    "INSERT INTO memory_entries (key, value, namespace, metadata, created_at, updated_at, accessed_at, ttl, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5, ?6, ?7) "
    "ON CONFLICT(key, namespace) DO UPDATE SET value = excluded.value, metadata = excluded.metadata, "
    "updated_at = excluded.updated_at, ttl = excluded.ttl, expires_at = excluded.expires_at";
constexpr const char* kGet =
    "SELECT key, value, namespace, metadata, created_at, updated_at, accessed_at, access_count, expires_at "
    "FROM memory_entries WHERE key = ?1 AND namespace = ?2";
constexpr const char* kTouch =
    "UPDATE memory_entries SET accessed_at = ?3, access_count = access_count + 1 WHERE key = ?1 AND namespace = ?2";
constexpr const char* kList =
    "SELECT key, value, namespace, metadata, created_at, updated_at, accessed_at, access_count, expires_at "
    "FROM memory_entries WHERE namespace = ?1 ORDER BY updated_at DESC LIMIT ?2";
constexpr const char* kDeleteExpired = "DELETE FROM memory_entries WHERE expires_at IS NOT NULL AND expires_at < ?1";
constexpr const char* kCount = "SELECT COUNT(*) FROM memory_entries WHERE namespace = ?1";
// ?2 is the credit in halves (0, 1 or 2): counted in halves, so 0.5 adds up
// exactly and no floating-point value is bound; a whole count is stored as
// an integer ({"clean":3}, not 3.0), as before half credits existed.
constexpr const char* kAgentOutcome =
    "INSERT INTO memory_entries (key, value, namespace, created_at, updated_at, accessed_at) "
    "VALUES (?1, json_object('validations', 1, 'clean', CASE WHEN ?2 % 2 = 0 THEN ?2 / 2 ELSE ?2 / 2.0 END), "
    "?3, ?4, ?4, ?4) "
    "ON CONFLICT(key, namespace) DO UPDATE SET "
    "value = json_object('validations', coalesce(json_extract(value, '$.validations'), 0) + 1, 'clean', "
    "(SELECT CASE WHEN halves % 2 = 0 THEN halves / 2 ELSE halves / 2.0 END "
    " FROM (SELECT CAST(round(coalesce(json_extract(value, '$.clean'), 0) * 2) AS INTEGER) + ?2 AS halves))), "
    "updated_at = ?4";

StoredEntry read_entry(const sqlite_handle::Statement& statement) {
    StoredEntry entry;
    entry.key = statement.column_text(0);
    entry.value = statement.column_text(1);
    entry.ns = statement.column_text(2);
    entry.metadata = statement.column_text(3);
    entry.created_at = statement.column_int(4);
    entry.updated_at = statement.column_int(5);
    entry.accessed_at = statement.column_int(6);
    entry.access_count = statement.column_int(7);
    if (!statement.column_is_null(8)) entry.expires_at = statement.column_int(8);
    return entry;
}

bool busy(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

// Runs `sql` until it succeeds, fails with something other than a lock, or
// the set-up's patience runs out. The busy handler already waits inside
// most calls; this loop covers the cases where SQLite returns SQLITE_BUSY at
// once (changing the journal mode while another connection reads, a
// deadlock between a reader upgrading and a writer), with a short random
// sleep so that the contenders do not retry in lockstep.
int exec_retrying(sqlite3* db, const char* sql, std::chrono::steady_clock::time_point give_up, std::string& error) {
    thread_local std::minstd_rand random(static_cast<unsigned>(std::random_device{}()));
    for (;;) {
        char* message = nullptr;
        const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
        error = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        if (rc == SQLITE_OK || !busy(rc) || std::chrono::steady_clock::now() >= give_up) return rc;
        if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        std::this_thread::sleep_for(std::chrono::microseconds(500 + random() % 3000));
    }
}

}  // namespace

common::Result<std::optional<std::string>> MemoryStore::read_value(const std::string& path, const std::string& key,
                                                                   const std::string& ns) {
    auto connection = sqlite_handle::SqliteConnection::open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    if (!connection) return common::make_error("cannot open " + path + ": " + connection.error().message);
    sqlite3_busy_timeout(connection->get(), kBusyTimeoutMs);
    auto statement = sqlite_handle::Statement::prepare(connection->get(), "SELECT value FROM memory_entries WHERE key = ?1 AND namespace = ?2", false);
    if (!statement) return common::make_error("cannot read " + path + ": " + statement.error().message);
    statement->bind_text(1, key);
    statement->bind_text(2, ns);
    auto row = statement->step();
    if (!row) return common::make_error("cannot read " + path + ": " + row.error().message);
    if (!*row) return std::optional<std::string>{};
    return std::optional<std::string>(statement->column_text(0));
}

common::Result<MemoryStore> MemoryStore::open(const std::string& path, CommitSync sync) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
        std::error_code error;
        std::filesystem::create_directories(parent, error);
        if (error) {
            return common::make_error("cannot create the database directory " + parent.string() + ": " + error.message(), error.value());
        }
    }
    auto connection = sqlite_handle::SqliteConnection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
    if (!connection) return common::make_error("cannot open " + path + ": " + connection.error().message, connection.error().errno_value);
    MemoryStore store(path, std::move(*connection));
    // Hooks of one agent session run concurrently (nested hooks, parallel
    // tools): wait for the writer instead of failing, as better-sqlite3's
    // default 5 s timeout does.
    sqlite3* db = store.connection_.get();
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    std::string error;
    if (exec_retrying(db, "PRAGMA journal_mode = WAL", give_up, error) != SQLITE_OK) {
        return common::make_error("cannot switch " + path + " to WAL: " + error);
    }
    if (auto mode = sqlite_handle::Statement::prepare(db, "PRAGMA journal_mode", false); mode) {
        auto row = mode->step();
        if (!row || !*row || mode->column_text(0) != "wal") {
            return common::make_error("cannot switch " + path + " to WAL: the journal mode stayed '" +
                                      (row && *row ? mode->column_text(0) : std::string("?")) + "'");
        }
    }
    const char* synchronous = sync == CommitSync::AtCommit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
    if (auto pragma = store.connection_.exec(synchronous); !pragma) return store.fail("cannot set up", pragma.error());
    if (sync == CommitSync::AtCommit) sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);

    // Created once, under the write lock, by whichever first hook gets it;
    // the others wait for it and then find the schema complete. Every run
    // still executes the CREATE ... IF NOT EXISTS statements (no-ops then),
    // as the modelled hooks do.
    bool complete = false;
    if (auto counted = sqlite_handle::Statement::prepare(db, kSchemaComplete, false); counted) {
        auto row = counted->step();
        complete = row && *row && counted->column_int(0) == kSchemaObjects;
    }
    const std::string schema = complete ? std::string(kSchema) : "BEGIN IMMEDIATE;" + std::string(kSchema) + "COMMIT;";
    if (exec_retrying(db, schema.c_str(), give_up, error) != SQLITE_OK) {
        if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return common::make_error("cannot create the schema in " + path + ": " + error);
    }
    if (auto prepared = store.prepare_statements(); !prepared) return prepared.error();
    return store;
}

common::Error MemoryStore::fail(const std::string& what, const common::Error& error) const {
    return common::make_error(what + " " + path_ + ": " + error.message, error.errno_value);
}

common::Result<void> MemoryStore::prepare_statements() {
    // Seven statements prepared on every run, as the modelled hooks do.
    struct Slot {
        std::optional<sqlite_handle::Statement>* statement;
        const char* sql;
    };
    for (const Slot& slot : {Slot{&upsert_, kUpsert}, Slot{&get_, kGet}, Slot{&touch_, kTouch}, Slot{&list_, kList},
                             Slot{&delete_expired_, kDeleteExpired}, Slot{&count_, kCount},
                             Slot{&agent_outcome_, kAgentOutcome}}) {
        auto prepared = sqlite_handle::Statement::prepare(connection_.get(), slot.sql, true);
        if (!prepared) return fail("cannot prepare statements for", prepared.error());
        slot.statement->emplace(std::move(*prepared));
    }
    return common::success();
}

common::Result<void> MemoryStore::upsert(const MemoryEntry& entry, std::int64_t now) {
    sqlite_handle::StatementScope statement(*upsert_);
    statement->bind_text(1, entry.key);
    statement->bind_text(2, entry.value);
    statement->bind_text(3, entry.ns);
    if (entry.metadata) {
        statement->bind_text(4, *entry.metadata);
    } else {
        statement->bind_null(4);
    }
    statement->bind_int(5, now);
    if (entry.ttl_seconds) {
        statement->bind_int(6, *entry.ttl_seconds);
        statement->bind_int(7, now + *entry.ttl_seconds);
    } else {
        statement->bind_null(6);
        statement->bind_null(7);
    }
    if (auto ran = statement->step(); !ran) return fail("cannot write to", ran.error());
    return common::success();
}

common::Result<std::optional<StoredEntry>> MemoryStore::get(const std::string& key, const std::string& ns) {
    sqlite_handle::StatementScope statement(*get_);
    statement->bind_text(1, key);
    statement->bind_text(2, ns);
    auto row = statement->step();
    if (!row) return common::make_error("cannot read " + path_ + ": " + row.error().message);
    if (!*row) return std::optional<StoredEntry>{};
    return std::optional<StoredEntry>(read_entry(*statement));
}

common::Result<void> MemoryStore::touch(const std::string& key, const std::string& ns, std::int64_t now) {
    sqlite_handle::StatementScope statement(*touch_);
    statement->bind_text(1, key);
    statement->bind_text(2, ns);
    statement->bind_int(3, now);
    if (auto ran = statement->step(); !ran) return fail("cannot write to", ran.error());
    return common::success();
}

common::Result<std::vector<StoredEntry>> MemoryStore::list(const std::string& ns, int limit) {
    sqlite_handle::StatementScope statement(*list_);
    statement->bind_text(1, ns);
    statement->bind_int(2, limit);
    std::vector<StoredEntry> entries;
    for (;;) {
        auto row = statement->step();
        if (!row) return common::make_error("cannot read " + path_ + ": " + row.error().message);
        if (!*row) break;
        entries.push_back(read_entry(*statement));
    }
    return entries;
}

common::Result<std::int64_t> MemoryStore::count(const std::string& ns) {
    sqlite_handle::StatementScope statement(*count_);
    statement->bind_text(1, ns);
    auto row = statement->step();
    if (!row) return common::make_error("cannot read " + path_ + ": " + row.error().message);
    return *row ? statement->column_int(0) : 0;
}

common::Result<int> MemoryStore::delete_expired(std::int64_t now) {
    sqlite_handle::StatementScope statement(*delete_expired_);
    statement->bind_int(1, now);
    if (auto ran = statement->step(); !ran) return common::make_error("cannot clean up " + path_ + ": " + ran.error().message);
    return connection_.changes();
}

common::Result<void> MemoryStore::record_agent_outcome(const std::string& agent, double credit, std::int64_t now) {
    sqlite_handle::StatementScope statement(*agent_outcome_);
    statement->bind_text(1, "agent/" + agent);
    statement->bind_int(2, std::lround(std::clamp(credit, 0.0, 1.0) * 2));
    statement->bind_text(3, kValidationPerformanceNamespace);
    statement->bind_int(4, now);
    if (auto ran = statement->step(); !ran) return fail("cannot write to", ran.error());
    return common::success();
}

common::Result<sqlite_handle::Transaction> MemoryStore::begin() {
    auto transaction = sqlite_handle::Transaction::begin_immediate(connection_);
    if (!transaction) return common::make_error("cannot start a transaction on " + path_ + ": " + transaction.error().message);
    return transaction;
}

}  // namespace validprof::validation
