// The profile database schema as an ordered list of migration steps. The
// schema version lives in PRAGMA user_version (0: empty database). Opening a
// database runs every step above its version, each in its own transaction
// with the new version, so a crash mid-upgrade leaves the last complete
// version behind. Steps are append-only: a released step is never edited,
// because databases built by it exist on users' disks.
#pragma once

#include <span>
#include <string>

#include "common/result.h"
#include "storage/sqlite_handle.h"

namespace validprof::storage {

struct Migration {
    int version;              // user_version once this step is applied
    const char* description;  // for the debug log
    const char* sql;          // one or more statements
};

// Ordered by version, starting at 1 with no gaps.
std::span<const Migration> schema_migrations();

int latest_schema_version();

common::Result<int> read_schema_version(SqliteConnection& connection);

// Applies every step with current < version <= target_version. The version
// is re-read inside each step's write transaction, so two processes opening
// the same old database at once do not both run a step. Returns the version
// reached. path is only used in messages.
common::Result<int> migrate_schema(SqliteConnection& connection, const std::string& path, int target_version);

}  // namespace validprof::storage
