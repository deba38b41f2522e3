// ProfileDatabase: SQLite activity of the observed processes (statement
// executions, per-process API totals, per-file system calls). Every call
// appends rows; totals are summed when loaded, in C++ with uint64
// arithmetic rather than SQL SUM(), which fails with "integer overflow" on
// values stored with their bit pattern above 2^63-1.
#include <algorithm>
#include <map>
#include <tuple>

#include "storage/profile_database.h"

namespace validprof::storage {
namespace {

std::int64_t to_sql(std::uint64_t value) { return static_cast<std::int64_t>(value); }
std::uint64_t from_sql(std::int64_t value) { return static_cast<std::uint64_t>(value); }

}  // namespace

common::Result<void> ProfileDatabase::store_sqlite_activity(std::int64_t session_id,
                                                            const model::SqliteActivity& activity) {
    const std::string what = "store SQLite activity of session " + std::to_string(session_id);
    auto transaction = Transaction::begin_immediate(connection_);
    if (!transaction) return failure(what, transaction.error());
    if (auto exists = require_session(session_id); !exists) return exists.error();

    auto mark = Statement::prepare(connection_.get(),
                                   "INSERT INTO sql_recordings(session_id) VALUES (?) ON CONFLICT DO NOTHING", false);
    if (!mark) return failure(what, mark.error());
    mark->bind_int(1, session_id);
    if (auto done = mark->run(); !done) return failure(what, done.error());

    if (!activity.statements.empty()) {
        auto insert = Statement::prepare(connection_.get(),
                                         "INSERT INTO sql_executions(session_id, pid, tid, sql, sql_truncated, "
                                         "database, start_ns, end_ns, rows, result_code, busy_results, "
                                         "locked_results, from_exec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                         false);
        if (!insert) return failure(what, insert.error());
        for (const model::StatementExecution& s : activity.statements) {
            insert->bind_int(1, session_id);
            insert->bind_int(2, s.pid);
            insert->bind_int(3, s.tid);
            insert->bind_text(4, s.sql);
            insert->bind_int(5, s.sql_truncated ? 1 : 0);
            insert->bind_text(6, s.database);
            insert->bind_int(7, to_sql(s.start_ns));
            insert->bind_int(8, to_sql(s.end_ns));
            insert->bind_int(9, to_sql(s.rows));
            insert->bind_int(10, s.result_code);
            insert->bind_int(11, s.busy_results);
            insert->bind_int(12, s.locked_results);
            insert->bind_int(13, s.from_exec ? 1 : 0);
            if (auto done = insert->run(); !done) return failure(what, done.error());
        }
    }

    if (!activity.processes.empty()) {
        auto insert = Statement::prepare(connection_.get(),
                                         "INSERT INTO sql_process_totals(session_id, pid, api_calls, in_sqlite_ns, "
                                         "opens, prepares, steps, execs, resets, finalizes, closes) "
                                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                         false);
        if (!insert) return failure(what, insert.error());
        for (const model::SqliteProcessTotals& p : activity.processes) {
            insert->bind_int(1, session_id);
            insert->bind_int(2, p.pid);
            insert->bind_int(3, to_sql(p.api_calls));
            insert->bind_int(4, to_sql(p.in_sqlite_ns));
            insert->bind_int(5, to_sql(p.opens));
            insert->bind_int(6, to_sql(p.prepares));
            insert->bind_int(7, to_sql(p.steps));
            insert->bind_int(8, to_sql(p.execs));
            insert->bind_int(9, to_sql(p.resets));
            insert->bind_int(10, to_sql(p.finalizes));
            insert->bind_int(11, to_sql(p.closes));
            if (auto done = insert->run(); !done) return failure(what, done.error());
        }
    }

    if (!activity.files.empty()) {
        auto insert = Statement::prepare(connection_.get(),
                                         "INSERT INTO sql_file_activity(session_id, pid, path, role, opens, reads, "
                                         "read_bytes, writes, write_bytes, io_ns, syncs, sync_ns, lock_calls, "
                                         "lock_failures, lock_wait_ns, truncates, unlinks) "
                                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                         false);
        if (!insert) return failure(what, insert.error());
        for (const model::DatabaseFileActivity& f : activity.files) {
            insert->bind_int(1, session_id);
            insert->bind_int(2, f.pid);
            insert->bind_text(3, f.path);
            insert->bind_text(4, f.role);
            insert->bind_int(5, to_sql(f.opens));
            insert->bind_int(6, to_sql(f.reads));
            insert->bind_int(7, to_sql(f.read_bytes));
            insert->bind_int(8, to_sql(f.writes));
            insert->bind_int(9, to_sql(f.write_bytes));
            insert->bind_int(10, to_sql(f.io_ns));
            insert->bind_int(11, to_sql(f.syncs));
            insert->bind_int(12, to_sql(f.sync_ns));
            insert->bind_int(13, to_sql(f.lock_calls));
            insert->bind_int(14, to_sql(f.lock_failures));
            insert->bind_int(15, to_sql(f.lock_wait_ns));
            insert->bind_int(16, to_sql(f.truncates));
            insert->bind_int(17, to_sql(f.unlinks));
            if (auto done = insert->run(); !done) return failure(what, done.error());
        }
    }

    if (auto committed = transaction->commit(); !committed) return failure(what, committed.error());
    return common::success();
}

common::Result<model::SqliteActivity> ProfileDatabase::load_sqlite_activity(std::int64_t session_id) {
    const std::string what = "load SQLite activity of session " + std::to_string(session_id);
    // One snapshot for the three tables: a recorder committing a batch in
    // between must not leave statements without their file activity.
    auto snapshot = Transaction::begin_read(connection_);
    if (!snapshot) return failure(what, snapshot.error());
    if (auto exists = require_session(session_id); !exists) return exists.error();
    model::SqliteActivity activity;

    auto statements = Statement::prepare(connection_.get(),
                                         "SELECT pid, tid, sql, sql_truncated, database, start_ns, end_ns, rows, "
                                         "result_code, busy_results, locked_results, from_exec "
                                         "FROM sql_executions WHERE session_id = ? ORDER BY id",
                                         false);
    if (!statements) return failure(what, statements.error());
    statements->bind_int(1, session_id);
    while (true) {
        auto row = statements->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        model::StatementExecution s;
        s.pid = static_cast<std::int32_t>(statements->column_int(0));
        s.tid = static_cast<std::int32_t>(statements->column_int(1));
        s.sql = statements->column_text(2);
        s.sql_truncated = statements->column_int(3) != 0;
        s.database = statements->column_text(4);
        s.start_ns = from_sql(statements->column_int(5));
        s.end_ns = from_sql(statements->column_int(6));
        s.rows = from_sql(statements->column_int(7));
        s.result_code = static_cast<std::int32_t>(statements->column_int(8));
        s.busy_results = static_cast<std::uint32_t>(statements->column_int(9));
        s.locked_results = static_cast<std::uint32_t>(statements->column_int(10));
        s.from_exec = statements->column_int(11) != 0;
        activity.statements.push_back(std::move(s));
    }
    // Sorted here, not by ORDER BY start_ns: a start time stored with its bit
    // pattern above 2^63-1 would sort first in SQL. Stable, so equal starts
    // keep their storage order.
    std::stable_sort(activity.statements.begin(), activity.statements.end(),
                     [](const auto& a, const auto& b) { return a.start_ns < b.start_ns; });

    auto processes = Statement::prepare(connection_.get(),
                                        "SELECT pid, api_calls, in_sqlite_ns, opens, prepares, steps, execs, resets, "
                                        "finalizes, closes FROM sql_process_totals WHERE session_id = ? ORDER BY id",
                                        false);
    if (!processes) return failure(what, processes.error());
    processes->bind_int(1, session_id);
    std::map<std::int32_t, std::size_t> process_index;
    while (true) {
        auto row = processes->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        model::SqliteProcessTotals p;
        p.pid = static_cast<std::int32_t>(processes->column_int(0));
        p.api_calls = from_sql(processes->column_int(1));
        p.in_sqlite_ns = from_sql(processes->column_int(2));
        p.opens = from_sql(processes->column_int(3));
        p.prepares = from_sql(processes->column_int(4));
        p.steps = from_sql(processes->column_int(5));
        p.execs = from_sql(processes->column_int(6));
        p.resets = from_sql(processes->column_int(7));
        p.finalizes = from_sql(processes->column_int(8));
        p.closes = from_sql(processes->column_int(9));
        auto [it, inserted] = process_index.emplace(p.pid, activity.processes.size());
        if (inserted)
            activity.processes.push_back(p);
        else
            activity.processes[it->second].add(p);
    }

    auto files = Statement::prepare(connection_.get(),
                                    "SELECT pid, path, role, opens, reads, read_bytes, writes, write_bytes, io_ns, "
                                    "syncs, sync_ns, lock_calls, lock_failures, lock_wait_ns, truncates, unlinks "
                                    "FROM sql_file_activity WHERE session_id = ? ORDER BY id",
                                    false);
    if (!files) return failure(what, files.error());
    files->bind_int(1, session_id);
    std::map<std::tuple<std::int32_t, std::string, std::string>, std::size_t> file_index;
    while (true) {
        auto row = files->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        model::DatabaseFileActivity f;
        f.pid = static_cast<std::int32_t>(files->column_int(0));
        f.path = files->column_text(1);
        f.role = files->column_text(2);
        f.opens = from_sql(files->column_int(3));
        f.reads = from_sql(files->column_int(4));
        f.read_bytes = from_sql(files->column_int(5));
        f.writes = from_sql(files->column_int(6));
        f.write_bytes = from_sql(files->column_int(7));
        f.io_ns = from_sql(files->column_int(8));
        f.syncs = from_sql(files->column_int(9));
        f.sync_ns = from_sql(files->column_int(10));
        f.lock_calls = from_sql(files->column_int(11));
        f.lock_failures = from_sql(files->column_int(12));
        f.lock_wait_ns = from_sql(files->column_int(13));
        f.truncates = from_sql(files->column_int(14));
        f.unlinks = from_sql(files->column_int(15));
        auto [it, inserted] = file_index.emplace(std::make_tuple(f.pid, f.path, f.role), activity.files.size());
        if (inserted)
            activity.files.push_back(std::move(f));
        else
            activity.files[it->second].add(f);
    }
    return activity;
}

common::Result<bool> ProfileDatabase::sqlite_activity_recorded(std::int64_t session_id) {
    const std::string what = "look up SQLite recording of session " + std::to_string(session_id);
    if (auto exists = require_session(session_id); !exists) return exists.error();
    auto select = Statement::prepare(connection_.get(), "SELECT 1 FROM sql_recordings WHERE session_id = ?", false);
    if (!select) return failure(what, select.error());
    select->bind_int(1, session_id);
    auto row = select->step();
    if (!row) return failure(what, row.error());
    return *row;
}

}  // namespace validprof::storage
