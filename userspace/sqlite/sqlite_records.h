// Decoding of the sqlite_probes ring-buffer records (bpf/sqlite_probes.h):
// opened databases, prepared statements, executions, database files opened
// and unlinked, gated mappings. Kept apart from the BPF object that
// produces them (SqliteTracer) so that unit tests and the fuzzer feed it
// bytes without loading anything into the kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/sqlite_activity.h"

namespace validprof::sqlite {

// A process stopped at the mapping of an uninspected file.
struct GatedMapping {
    std::int32_t pid = 0;
    std::uint64_t inode = 0;
    std::uint32_t device = 0;
};

// A database file a process opened: the key of its I/O totals in the
// file_stats map is the record's file_id.
struct OpenedFile {
    std::int32_t pid = 0;
    std::string path;
};

class SqliteRecordDecoder {
public:
    // One ring-buffer record. A record shorter than its kind requires, or
    // of an unknown kind, is counted as undecodable and otherwise ignored.
    void handle_record(const void* data, std::size_t size);

    std::vector<GatedMapping> take_gated_mappings() { return std::exchange(gated_, {}); }
    std::vector<model::StatementExecution> take_statements() { return std::exchange(executions_, {}); }

    const std::map<std::uint64_t, OpenedFile>& opened_files() const { return files_; }          // by file_id
    const std::map<std::pair<std::int32_t, std::string>, std::uint64_t>& unlinks() const { return unlinks_; }  // (pid, path)
    std::uint64_t undecodable() const { return undecodable_; }

private:
    struct PreparedStatement {
        std::string sql;
        bool truncated = false;
        bool internal = false;  // SQLite's own (schema loading), not the application's
        std::uint64_t db = 0;
    };

    std::string database_path(std::int32_t pid, std::uint64_t db) const;

    std::map<std::pair<std::int32_t, std::uint64_t>, PreparedStatement> statements_;  // (pid, stmt)
    std::map<std::pair<std::int32_t, std::uint64_t>, std::string> databases_;         // (pid, db) → filename
    std::map<std::uint64_t, OpenedFile> files_;                                        // file_id
    std::map<std::pair<std::int32_t, std::string>, std::uint64_t> unlinks_;            // (pid, path)
    std::vector<model::StatementExecution> executions_;
    std::vector<GatedMapping> gated_;
    std::uint64_t undecodable_ = 0;
};

}  // namespace validprof::sqlite
