#include "sqlite/sqlite_records.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include <linux/types.h>
#include "sqlite_probes.h"
#include "bpf_support/record_copy.h"

namespace validprof::sqlite {
namespace {

using bpf_support::copy_record;

std::string bounded(const char* text, std::size_t bytes, std::size_t capacity) {
    std::size_t length = std::min(bytes, capacity);
    std::string value(text, ::strnlen(text, length));
    return value;
}

}  // namespace

std::string SqliteRecordDecoder::database_path(std::int32_t pid, std::uint64_t db) const {
    auto found = databases_.find({pid, db});
    return found == databases_.end() ? std::string() : found->second;
}

void SqliteRecordDecoder::handle_record(const void* data, std::size_t size) {
    vp_sqlite_event_header header;
    if (!copy_record(data, size, header)) {
        ++undecodable_;
        return;
    }
    auto pid = static_cast<std::int32_t>(header.pid);
    switch (header.kind) {
        case VP_SQLITE_EVENT_DB_OPENED: {
            auto event = std::make_unique<vp_sqlite_db_opened>();
            if (!copy_record(data, size, *event)) break;
            databases_[{pid, event->db}] = bounded(event->filename, sizeof(event->filename), sizeof(event->filename));
            return;
        }
        case VP_SQLITE_EVENT_PREPARED: {
            auto event = std::make_unique<vp_sqlite_prepared>();
            if (!copy_record(data, size, *event)) break;
            PreparedStatement statement;
            statement.db = event->db;
            statement.truncated = event->sql_truncated != 0;
            statement.internal = event->internal != 0;
            if (event->utf16) {
                // UTF-16 text from sqlite3_prepare16*: keep the ASCII subset.
                for (std::size_t i = 0; i + 1 < sizeof(event->sql); i += 2) {
                    if (event->sql[i] == 0 && event->sql[i + 1] == 0) break;
                    statement.sql += event->sql[i + 1] == 0 ? event->sql[i] : '?';
                }
            } else {
                statement.sql = bounded(event->sql, event->sql_bytes, sizeof(event->sql));
            }
            statements_[{pid, event->stmt}] = std::move(statement);
            return;
        }
        case VP_SQLITE_EVENT_EXECUTION: {
            auto event = std::make_unique<vp_sqlite_execution>();
            if (!copy_record(data, size, *event)) break;
            model::StatementExecution execution;
            execution.pid = pid;
            execution.tid = static_cast<std::int32_t>(header.tid);
            execution.start_ns = event->start_ns;
            execution.end_ns = header.timestamp_ns;
            execution.rows = event->rows;
            execution.result_code = event->result_code;
            execution.busy_results = event->busy_results;
            execution.locked_results = event->locked_results;
            execution.from_exec = event->from_exec != 0;
            if (execution.from_exec) {
                execution.sql = bounded(event->sql, event->sql_bytes, sizeof(event->sql));
                execution.sql_truncated = event->sql_truncated != 0;
                execution.database = database_path(pid, event->db);
            } else if (auto found = statements_.find({pid, event->stmt}); found != statements_.end()) {
                if (found->second.internal) return;  // SQLite's own, not the application's
                execution.sql = found->second.sql;
                execution.sql_truncated = found->second.truncated;
                execution.database = database_path(pid, found->second.db);
            }
            executions_.push_back(std::move(execution));
            return;
        }
        case VP_SQLITE_EVENT_FILE_OPENED: {
            auto event = std::make_unique<vp_sqlite_file_opened>();
            if (!copy_record(data, size, *event)) break;
            files_[event->file_id] = {pid, bounded(event->path, sizeof(event->path), sizeof(event->path))};
            return;
        }
        case VP_SQLITE_EVENT_FILE_UNLINKED: {
            auto event = std::make_unique<vp_sqlite_file_unlinked>();
            if (!copy_record(data, size, *event)) break;
            unlinks_[{pid, bounded(event->path, sizeof(event->path), sizeof(event->path))}] += 1;
            return;
        }
        case VP_SQLITE_EVENT_MAPPING_GATED: {
            vp_sqlite_mapping_gated event;
            if (!copy_record(data, size, event)) break;
            gated_.push_back({pid, event.file.inode, event.file.device});
            return;
        }
        default:
            break;
    }
    ++undecodable_;
}

}  // namespace validprof::sqlite
