// The hooks' memory database, .swarm/memory.db, as the modelled system keeps
// it: one table memory_entries with (key, namespace) unique, WAL journal,
// synchronous=NORMAL. Like the real hooks, every open runs CREATE TABLE/INDEX
// IF NOT EXISTS and prepares its statements afresh: that per-run cost is part
// of the workload validprof is meant to see, so it is kept on purpose.
//
// Writes are autocommit unless the caller holds a transaction (begin()),
// which is exactly the difference between the default and --batched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "sqlite_handle/sqlite_handle.h"

namespace validprof::validation {

struct MemoryEntry {
    std::string key;
    std::string value;
    std::string ns = "default";
    std::optional<std::string> metadata;  // JSON
    std::optional<std::int64_t> ttl_seconds;
};

struct StoredEntry {
    std::string key;
    std::string value;
    std::string ns;
    std::string metadata;
    std::int64_t created_at = 0;  // unix seconds, as the modelled schema
    std::int64_t updated_at = 0;
    std::int64_t accessed_at = 0;
    std::int64_t access_count = 0;
    std::optional<std::int64_t> expires_at;
};

// When the hook's writes reach the disk.
//   AtCheckpoint  synchronous=NORMAL, as the modelled hooks: commits do not
//                 sync; closing the last connection checkpoints the WAL into
//                 the database (2 fdatasync) and deletes it, so the next hook
//                 creates a new one (its header and directory: 2 more).
//   AtCommit      synchronous=FULL and no checkpoint at close (--batched):
//                 the hook's one transaction is durable after exactly one
//                 fdatasync of the WAL; the WAL stays for the next hook and
//                 SQLite's auto-checkpoint (at 1000 pages) folds it into the
//                 database now and then, costing its syncs once per many
//                 hooks.
enum class CommitSync { AtCheckpoint, AtCommit };

class MemoryStore {
public:
    // Creates the parent directory (.swarm) if needed. Errors name the path
    // and what failed: the caller turns them into the one-line message.
    //
    // Safe for many first hooks at once on a new file: the switch to WAL is
    // retried while another process holds the lock (SQLite answers
    // SQLITE_BUSY there without always waiting through the busy handler),
    // and a missing schema is created inside BEGIN IMMEDIATE.
    static common::Result<MemoryStore> open(const std::string& path, CommitSync sync = CommitSync::AtCheckpoint);

    // One value read on a read-only connection of the caller's own, without
    // any set-up: how a validator thread reads the agent's history
    // independently of the hook's connection. nullopt: no such row.
    static common::Result<std::optional<std::string>> read_value(const std::string& path, const std::string& key,
                                                                 const std::string& ns);

    MemoryStore(MemoryStore&&) noexcept = default;
    MemoryStore& operator=(MemoryStore&&) noexcept = default;
    MemoryStore(const MemoryStore&) = delete;
    MemoryStore& operator=(const MemoryStore&) = delete;
    ~MemoryStore() = default;

    // INSERT ... ON CONFLICT(key, namespace) DO UPDATE.
    common::Result<void> upsert(const MemoryEntry& entry, std::int64_t now);
    common::Result<std::optional<StoredEntry>> get(const std::string& key, const std::string& ns);
    // access_count + 1 and accessed_at = now, as a lookup does in the real store.
    common::Result<void> touch(const std::string& key, const std::string& ns, std::int64_t now);
    // Newest first (updated_at DESC), at most `limit`.
    common::Result<std::vector<StoredEntry>> list(const std::string& ns, int limit);
    common::Result<std::int64_t> count(const std::string& ns);
    // Rows whose expires_at has passed; returns how many went.
    common::Result<int> delete_expired(std::int64_t now);
    // The agent's track record (completion-validation-performance,
    // agent/<id>): validations + 1 and clean + credit, in SQL, so
    // concurrent hooks never lose an update. credit: 1 clean, 0.5 unknown
    // (nothing could be checked), 0 not clean.
    common::Result<void> record_agent_outcome(const std::string& agent, double credit, std::int64_t now);

    common::Result<sqlite_handle::Transaction> begin();
    sqlite_handle::SqliteConnection& connection() { return connection_; }
    const std::string& path() const { return path_; }

private:
    MemoryStore(std::string path, sqlite_handle::SqliteConnection connection)
        : path_(std::move(path)), connection_(std::move(connection)) {}
    common::Result<void> prepare_statements();
    common::Error fail(const std::string& what, const common::Error& error) const;

    std::string path_;
    // Declared before the statements: members are destroyed in reverse, so
    // statements are finalized before the connection closes.
    sqlite_handle::SqliteConnection connection_;
    std::optional<sqlite_handle::Statement> upsert_;
    std::optional<sqlite_handle::Statement> get_;
    std::optional<sqlite_handle::Statement> touch_;
    std::optional<sqlite_handle::Statement> list_;
    std::optional<sqlite_handle::Statement> delete_expired_;
    std::optional<sqlite_handle::Statement> count_;
    std::optional<sqlite_handle::Statement> agent_outcome_;
};

// Namespaces the validation core writes.
inline constexpr const char* kValidationResultsNamespace = "completion-validation-results";
inline constexpr const char* kValidationPerformanceNamespace = "completion-validation-performance";

}  // namespace validprof::validation
