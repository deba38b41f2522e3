#include "storage/profile_database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <iterator>
#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "common/unique_fd.h"
#include "storage/recorder_identity.h"
#include "storage/schema_migrations.h"
#include "storage/sql_values.h"

namespace validprof::storage {

namespace {

// How long a writer waits for another connection's lock (a report reading
// while a recorder commits) before giving up with SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 5000;

std::string quoted(const std::string& path) { return "'" + path + "'"; }

common::Error cannot_open(const std::string& path, const std::string& why, int errno_value = 0) {
    return common::make_error("cannot open profile database " + quoted(path) + ": " + why, errno_value);
}

common::Error no_session(std::int64_t session_id, const std::string& path) {
    return common::make_error("no session " + std::to_string(session_id) + " in " + quoted(path));
}

// Column lists shared by the statements that write and read them
// (VP_SCHED_COLUMNS comes from sql_values.h).
#define VP_SESSION_COLUMNS                                                                                  \
    "s.id, s.command, s.target, s.host, s.kernel_release, s.rules, s.start_unix_ns, s.clock_offset_ns, "   \
    "s.end_unix_ns, s.complete, s.events_received, "                                                       \
    "(SELECT COUNT(*) FROM invocations i WHERE i.session_id = s.id), "                                     \
    "s.recorder_pid, s.recorder_start_ticks, s.recorder_boot_id, s.wait_record_min_ns"
#define VP_INVOCATION_COLUMNS                                                                              \
    "id, hook, root_pid, start_ns, root_end_ns, last_end_ns, complete, exit_code, " VP_SCHED_COLUMNS
// ?2 IS NULL: all hooks. Used where the hook filter only narrows a join.
#define VP_HOOK_FILTER "i.session_id = ?1 AND (?2 IS NULL OR i.hook = ?2)"

// Reads a row selected with VP_SESSION_COLUMNS (lost events come separately).
model::SessionSummary read_session(const Statement& statement) {
    model::SessionSummary summary;
    summary.id = statement.column_int(0);
    summary.info.command = statement.column_text(1);
    summary.info.target = statement.column_text(2);
    summary.info.host = statement.column_text(3);
    summary.info.kernel_release = statement.column_text(4);
    summary.info.rules = statement.column_text(5);
    summary.info.start_unix_ns = statement.column_int(6);
    summary.info.monotonic_to_unix_offset_ns = statement.column_int(7);
    summary.end.end_unix_ns = statement.column_is_null(8) ? 0 : statement.column_int(8);
    summary.complete = statement.column_int(9) != 0;
    summary.end.events_received = from_sql(statement.column_int(10));
    summary.invocation_count = from_sql(statement.column_int(11));
    summary.info.wait_record_min_ns = from_sql(statement.column_int(15));
    if (!summary.complete) {
        RecorderIdentity recorder;
        recorder.pid = static_cast<std::int32_t>(statement.column_int(12));
        recorder.start_ticks = from_sql(statement.column_int(13));
        recorder.boot_id = statement.column_text(14);
        summary.in_progress = still_running(recorder);
    }
    return summary;
}

}  // namespace

enum class ProfileDatabase::Query : int {
    SessionExists,
    InsertSession,
    FinishSession,
    DeleteLostEvents,
    InsertLostEvent,
    InsertInvocation,
    InsertInvocationCpu,
    InsertProcess,
    InsertProcessCpu,
    SelectSessions,
    SelectSession,
    SelectAllLostEvents,
    SelectLostEvents,
    SelectLatestSession,
    SelectInvocations,
    SelectHookInvocations,
    SelectInvocationCpu,
    SelectProcesses,
    SelectProcessCpu,
    SelectHookNames,
    Count,
};

namespace {

// Indexed by ProfileDatabase::Query, in its order.
constexpr const char* kQueries[] = {
    // SessionExists
    "SELECT 1 FROM sessions WHERE id = ?1",
    // InsertSession
    "INSERT INTO sessions (command, target, host, kernel_release, rules, start_unix_ns, clock_offset_ns, "
    "complete, events_received, recorder_pid, recorder_start_ticks, recorder_boot_id, wait_record_min_ns) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 0, ?8, ?9, ?10, ?11)",
    // FinishSession
    "UPDATE sessions SET end_unix_ns = ?2, events_received = ?3, complete = 1 WHERE id = ?1",
    // DeleteLostEvents
    "DELETE FROM lost_events WHERE session_id = ?1",
    // InsertLostEvent
    "INSERT INTO lost_events (session_id, reason, count) VALUES (?1, ?2, ?3)",
    // InsertInvocation
    "INSERT INTO invocations (session_id, hook, root_pid, start_ns, root_end_ns, last_end_ns, wall_ns, complete, "
    "exit_code, " VP_SCHED_COLUMNS ", process_count) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    // InsertInvocationCpu
    "INSERT INTO invocation_cpu_times (invocation_id, cpu, on_cpu_ns) VALUES (?1, ?2, ?3)",
    // InsertProcess
    "INSERT INTO processes (invocation_id, pid, ppid, exe, argv, comm, start_ns, end_ns, exited, exit_code, "
    "threads, " VP_SCHED_COLUMNS ", exec_ns, peak_rss_bytes, gate_holds, gate_held_ns) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    // InsertProcessCpu
    "INSERT INTO process_cpu_times (process_id, cpu, on_cpu_ns) VALUES (?1, ?2, ?3)",
    // SelectSessions
    "SELECT " VP_SESSION_COLUMNS " FROM sessions s ORDER BY s.id",
    // SelectSession
    "SELECT " VP_SESSION_COLUMNS " FROM sessions s WHERE s.id = ?1",
    // SelectAllLostEvents
    "SELECT session_id, reason, count FROM lost_events ORDER BY session_id, reason",
    // SelectLostEvents
    "SELECT session_id, reason, count FROM lost_events WHERE session_id = ?1 ORDER BY reason",
    // SelectLatestSession
    "SELECT MAX(id) FROM sessions",
    // SelectInvocations
    "SELECT " VP_INVOCATION_COLUMNS " FROM invocations WHERE session_id = ?1 ORDER BY start_ns, id",
    // SelectHookInvocations
    "SELECT " VP_INVOCATION_COLUMNS " FROM invocations WHERE session_id = ?1 AND hook = ?2 ORDER BY start_ns, id",
    // SelectInvocationCpu
    "SELECT c.invocation_id, c.cpu, c.on_cpu_ns FROM invocation_cpu_times c "
    "JOIN invocations i ON i.id = c.invocation_id WHERE " VP_HOOK_FILTER,
    // SelectProcesses
    "SELECT p.id, p.invocation_id, p.pid, p.ppid, p.exe, p.argv, p.comm, p.start_ns, p.end_ns, p.exited, "
    "p.exit_code, p.threads, p.on_cpu_ns, p.run_queue_wait_ns, p.off_cpu_sleep_ns, p.off_cpu_blocked_ns, "
    "p.voluntary_switches, p.involuntary_switches, p.exec_ns, p.peak_rss_bytes, p.gate_holds, p.gate_held_ns "
    "FROM processes p "
    "JOIN invocations i ON i.id = p.invocation_id WHERE " VP_HOOK_FILTER " ORDER BY p.invocation_id, p.id",
    // SelectProcessCpu
    "SELECT c.process_id, c.cpu, c.on_cpu_ns FROM process_cpu_times c "
    "JOIN processes p ON p.id = c.process_id JOIN invocations i ON i.id = p.invocation_id WHERE " VP_HOOK_FILTER,
    // SelectHookNames
    "SELECT DISTINCT hook FROM invocations WHERE session_id = ?1 ORDER BY hook",
};

#undef VP_SCHED_COLUMNS
#undef VP_SESSION_COLUMNS
#undef VP_INVOCATION_COLUMNS
#undef VP_HOOK_FILTER

}  // namespace

common::Result<std::unique_ptr<ProfileDatabase>> ProfileDatabase::open(const std::string& path, OpenMode mode) {
    if (path.empty()) return common::make_error("profile database path is empty");

    int flags = 0;
    if (mode == OpenMode::ReadWrite) {
        // Create the file ourselves: sqlite3_open_v2 would create it with
        // 0644 minus umask, and profiles (command lines, paths) are not for
        // other users. SQLite gives -wal and -shm the main file's mode. An
        // existing file keeps its mode; O_RDWR also turns a read-only file
        // into a clear "Permission denied" here instead of SQLite silently
        // opening it read-only.
        // O_NONBLOCK: opening a FIFO must not wait for a writer; the type
        // check below refuses it anyway.
        common::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600));
        if (!fd.valid()) return cannot_open(path, std::strerror(errno), errno);
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) return cannot_open(path, std::strerror(errno), errno);
        // SQLite would put its -wal and -shm next to a device (/dev/null-wal)
        // and then fail with "disk I/O error".
        if (!S_ISREG(st.st_mode)) return cannot_open(path, "not a regular file");
        flags = SQLITE_OPEN_READWRITE;
    } else {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) return cannot_open(path, std::strerror(errno), errno);
        if (S_ISDIR(st.st_mode)) return cannot_open(path, std::strerror(EISDIR), EISDIR);
        if (!S_ISREG(st.st_mode)) return cannot_open(path, "not a regular file");
        flags = SQLITE_OPEN_READONLY;
    }

    auto opened = SqliteConnection::open(path, flags);
    if (!opened) {
        const int os_errno = opened.error().errno_value;
        return cannot_open(path, os_errno != 0 ? std::strerror(os_errno) : opened.error().message, os_errno);
    }
    SqliteConnection connection = std::move(opened).value();
    if (mode == OpenMode::ReadWrite && sqlite3_db_readonly(connection.get(), "main") == 1) {
        return cannot_open(path, "opened read-only, writing is not possible");
    }
    sqlite3_busy_timeout(connection.get(), kBusyTimeoutMs);

    // The first read of the header is where a file that is not a SQLite
    // database shows up (SQLITE_NOTADB).
    auto version = read_schema_version(connection);
    if (!version) {
        if ((sqlite3_errcode(connection.get()) & 0xff) == SQLITE_NOTADB) {
            return common::make_error(quoted(path) + " is not a validprof profile database: " +
                                      version.error().message);
        }
        return cannot_open(path, version.error().message);
    }
    const int latest = latest_schema_version();
    if (*version > latest) {
        return common::make_error("profile database " + quoted(path) + " has schema version " +
                                  std::to_string(*version) + ", this validprof knows up to " +
                                  std::to_string(latest) + ": upgrade validprof");
    }
    if (*version == 0) {
        // Version 0 with tables in it: somebody else's SQLite database. Do
        // not add ours next to theirs.
        auto tables = Statement::prepare(connection.get(), "SELECT COUNT(*) FROM sqlite_master", false);
        if (!tables) return cannot_open(path, tables.error().message);
        auto row = tables->step();
        if (!row) return cannot_open(path, row.error().message);
        if (*row && tables->column_int(0) > 0) {
            return common::make_error(quoted(path) +
                                      " is a SQLite database but not a validprof profile database");
        }
    }

    if (auto fk = connection.exec("PRAGMA foreign_keys = ON"); !fk) return cannot_open(path, fk.error().message);

    if (mode == OpenMode::ReadWrite) {
        // WAL: readers (reports) never block the recorder, and a commit is
        // one append, so a killed process loses at most the transaction it
        // had open. synchronous=NORMAL in WAL keeps that guarantee for
        // process crashes; only an OS crash or power loss can drop the last
        // commits, never corrupt the file.
        auto journal = Statement::prepare(connection.get(), "PRAGMA journal_mode = WAL", false);
        if (!journal) return cannot_open(path, journal.error().message);
        auto row = journal->step();
        if (!row) return cannot_open(path, row.error().message);
        if (*row && journal->column_text(0) != "wal") {
            spdlog::warn("profile database '{}': cannot use WAL journal mode (got '{}'), readers will block "
                         "the recorder",
                         path, journal->column_text(0));
        }
        journal->reset();
        if (auto sync = connection.exec("PRAGMA synchronous = NORMAL"); !sync) {
            return cannot_open(path, sync.error().message);
        }
        auto migrated = migrate_schema(connection, path, latest);
        if (!migrated) return migrated.error();
        version = *migrated;
    } else if (*version == 0) {
        return common::make_error(quoted(path) + " is not a validprof profile database: it is empty");
    } else if (*version < latest) {
        return common::make_error("profile database " + quoted(path) + " has schema version " +
                                  std::to_string(*version) + " and must be upgraded to " + std::to_string(latest) +
                                  ", which needs write access: open it once read-write");
    }

    spdlog::debug("opened profile database '{}' ({}, schema version {})", path,
                  mode == OpenMode::ReadWrite ? "read-write" : "read-only", *version);
    return std::unique_ptr<ProfileDatabase>(new ProfileDatabase(path, std::move(connection), *version));
}

ProfileDatabase::ProfileDatabase(std::string path, SqliteConnection connection, int schema_version)
    : path_(std::move(path)),
      connection_(std::move(connection)),
      schema_version_(schema_version),
      statements_(static_cast<std::size_t>(Query::Count)) {}

ProfileDatabase::~ProfileDatabase() = default;

int ProfileDatabase::latest_schema_version() { return storage::latest_schema_version(); }

common::Result<Statement*> ProfileDatabase::statement(Query query) {
    static_assert(std::size(kQueries) == static_cast<std::size_t>(Query::Count), "one SQL text per Query");
    auto& slot = statements_[static_cast<std::size_t>(query)];
    if (!slot) {
        auto prepared = Statement::prepare(connection_.get(), kQueries[static_cast<std::size_t>(query)], true);
        if (!prepared) return prepared.error();
        slot = std::make_unique<Statement>(std::move(prepared).value());
    }
    return slot.get();
}

common::Error ProfileDatabase::failure(const std::string& what, const common::Error& cause) const {
    return common::make_error("cannot " + what + " in " + quoted(path_) + ": " + cause.message, cause.errno_value);
}

common::Result<void> ProfileDatabase::require_session(std::int64_t session_id) {
    auto exists = statement(Query::SessionExists);
    if (!exists) return failure("look up session " + std::to_string(session_id), exists.error());
    StatementScope scope(**exists);
    scope->bind_int(1, session_id);
    auto row = scope->step();
    if (!row) return failure("look up session " + std::to_string(session_id), row.error());
    if (!*row) return no_session(session_id, path_);
    return common::success();
}

common::Result<std::int64_t> ProfileDatabase::begin_session(const model::SessionInfo& info) {
    auto insert = statement(Query::InsertSession);
    if (!insert) return failure("begin a session", insert.error());
    Statement& s = **insert;
    s.bind_text(1, info.command);
    s.bind_text(2, info.target);
    s.bind_text(3, info.host);
    s.bind_text(4, info.kernel_release);
    s.bind_text(5, info.rules);
    s.bind_int(6, info.start_unix_ns);
    s.bind_int(7, info.monotonic_to_unix_offset_ns);
    const RecorderIdentity recorder = current_recorder();
    s.bind_int(8, recorder.pid);
    s.bind_int(9, static_cast<std::int64_t>(recorder.start_ticks));
    s.bind_text(10, recorder.boot_id);
    s.bind_int(11, to_sql(info.wait_record_min_ns));
    // Autocommit: the row is durable before any invocation is stored.
    if (auto done = s.run(); !done) return failure("begin a session", done.error());
    return connection_.last_insert_rowid();
}

common::Result<void> ProfileDatabase::store_invocations(std::int64_t session_id,
                                                        const std::vector<model::Invocation>& batch,
                                                        std::vector<std::int64_t>* ids) {
    std::vector<std::int64_t> stored_ids;
    if (batch.empty()) return common::success();
    const std::string what = "store invocations for session " + std::to_string(session_id);

    auto transaction = Transaction::begin_immediate(connection_);
    if (!transaction) return failure(what, transaction.error());
    // Checked inside the transaction: a clearer error than the foreign key
    // failure the first insert would give.
    if (auto exists = require_session(session_id); !exists) return exists.error();

    auto insert_invocation = statement(Query::InsertInvocation);
    if (!insert_invocation) return failure(what, insert_invocation.error());
    auto insert_invocation_cpu = statement(Query::InsertInvocationCpu);
    if (!insert_invocation_cpu) return failure(what, insert_invocation_cpu.error());
    auto insert_process = statement(Query::InsertProcess);
    if (!insert_process) return failure(what, insert_process.error());
    auto insert_process_cpu = statement(Query::InsertProcessCpu);
    if (!insert_process_cpu) return failure(what, insert_process_cpu.error());

    auto insert_cpu_times = [](Statement& s, std::int64_t owner_id,
                               const model::SchedTimes& times) -> common::Result<void> {
        for (const auto& [cpu, on_cpu_ns] : times.on_cpu_ns_per_cpu) {
            s.bind_int(1, owner_id);
            s.bind_int(2, cpu);
            s.bind_int(3, to_sql(on_cpu_ns));
            if (auto done = s.run(); !done) return done;
        }
        return common::success();
    };

    for (const model::Invocation& invocation : batch) {
        Statement& s = **insert_invocation;
        s.bind_int(1, session_id);
        s.bind_text(2, invocation.hook);
        s.bind_int(3, invocation.root_pid);
        s.bind_int(4, to_sql(invocation.start_ns));
        s.bind_int(5, to_sql(invocation.root_end_ns));
        s.bind_int(6, to_sql(invocation.last_end_ns));
        s.bind_int(7, to_sql(invocation.wall_ns()));
        s.bind_int(8, invocation.complete ? 1 : 0);
        s.bind_int(9, invocation.exit_code);
        bind_sched_times(s, 10, invocation.times);
        s.bind_int(16, static_cast<std::int64_t>(invocation.processes.size()));
        if (auto done = s.run(); !done) return failure(what, done.error());
        const std::int64_t invocation_id = connection_.last_insert_rowid();
        stored_ids.push_back(invocation_id);
        if (auto done = insert_cpu_times(**insert_invocation_cpu, invocation_id, invocation.times); !done) {
            return failure(what, done.error());
        }

        for (const model::ProcessRecord& process : invocation.processes) {
            Statement& p = **insert_process;
            p.bind_int(1, invocation_id);
            p.bind_int(2, process.pid);
            p.bind_int(3, process.ppid);
            p.bind_text(4, process.exe);
            p.bind_text(5, process.argv);
            p.bind_text(6, process.comm);
            p.bind_int(7, to_sql(process.start_ns));
            p.bind_int(8, to_sql(process.end_ns));
            p.bind_int(9, process.exited ? 1 : 0);
            p.bind_int(10, process.exit_code);
            p.bind_int(11, process.threads);
            bind_sched_times(p, 12, process.times);
            p.bind_int(18, to_sql(process.exec_ns));
            p.bind_int(19, to_sql(process.peak_rss_bytes));
            p.bind_int(20, process.gate_holds);
            p.bind_int(21, to_sql(process.gate_held_ns));
            if (auto done = p.run(); !done) return failure(what, done.error());
            const std::int64_t process_id = connection_.last_insert_rowid();
            if (auto done = insert_cpu_times(**insert_process_cpu, process_id, process.times); !done) {
                return failure(what, done.error());
            }
            if (auto done = store_threads(process_id, process.thread_records); !done) return failure(what, done.error());
        }
    }
    if (auto committed = transaction->commit(); !committed) return failure(what, committed.error());
    if (ids) *ids = std::move(stored_ids);
    return common::success();
}

common::Result<void> ProfileDatabase::finish_session(std::int64_t session_id, const model::SessionEnd& end) {
    const std::string what = "finish session " + std::to_string(session_id);
    auto transaction = Transaction::begin_immediate(connection_);
    if (!transaction) return failure(what, transaction.error());

    auto update = statement(Query::FinishSession);
    if (!update) return failure(what, update.error());
    (*update)->bind_int(1, session_id);
    (*update)->bind_int(2, end.end_unix_ns);
    (*update)->bind_int(3, to_sql(end.events_received));
    if (auto done = (*update)->run(); !done) return failure(what, done.error());
    if (connection_.changes() == 0) return no_session(session_id, path_);

    auto clear = statement(Query::DeleteLostEvents);
    if (!clear) return failure(what, clear.error());
    (*clear)->bind_int(1, session_id);
    if (auto done = (*clear)->run(); !done) return failure(what, done.error());

    auto insert = statement(Query::InsertLostEvent);
    if (!insert) return failure(what, insert.error());
    for (const auto& [reason, count] : end.lost_events) {
        (*insert)->bind_int(1, session_id);
        (*insert)->bind_text(2, reason);
        (*insert)->bind_int(3, to_sql(count));
        if (auto done = (*insert)->run(); !done) return failure(what, done.error());
    }
    if (auto committed = transaction->commit(); !committed) return failure(what, committed.error());
    return common::success();
}

common::Result<std::vector<model::SessionSummary>> ProfileDatabase::list_sessions() {
    const std::string what = "list sessions";
    std::vector<model::SessionSummary> sessions;
    std::unordered_map<std::int64_t, std::size_t> index_by_id;
    // Both reads in one snapshot, so a recorder committing in between cannot
    // make the lost events disagree with the sessions.
    auto snapshot = Transaction::begin_read(connection_);
    if (!snapshot) return failure(what, snapshot.error());

    auto select = statement(Query::SelectSessions);
    if (!select) return failure(what, select.error());
    {
        StatementScope scope(**select);
        for (;;) {
            auto row = scope->step();
            if (!row) return failure(what, row.error());
            if (!*row) break;
            index_by_id.emplace(scope->column_int(0), sessions.size());
            sessions.push_back(read_session(*scope));
        }
    }
    auto lost = statement(Query::SelectAllLostEvents);
    if (!lost) return failure(what, lost.error());
    StatementScope scope(**lost);
    for (;;) {
        auto row = scope->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        auto found = index_by_id.find(scope->column_int(0));
        if (found == index_by_id.end()) continue;
        sessions[found->second].end.lost_events[scope->column_text(1)] = from_sql(scope->column_int(2));
    }
    return sessions;
}

common::Result<model::SessionSummary> ProfileDatabase::load_session(std::int64_t session_id) {
    const std::string what = "load session " + std::to_string(session_id);
    auto snapshot = Transaction::begin_read(connection_);
    if (!snapshot) return failure(what, snapshot.error());

    model::SessionSummary summary;
    {
        auto select = statement(Query::SelectSession);
        if (!select) return failure(what, select.error());
        StatementScope scope(**select);
        scope->bind_int(1, session_id);
        auto row = scope->step();
        if (!row) return failure(what, row.error());
        if (!*row) return no_session(session_id, path_);
        summary = read_session(*scope);
    }
    auto lost = statement(Query::SelectLostEvents);
    if (!lost) return failure(what, lost.error());
    StatementScope scope(**lost);
    scope->bind_int(1, session_id);
    for (;;) {
        auto row = scope->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        summary.end.lost_events[scope->column_text(1)] = from_sql(scope->column_int(2));
    }
    return summary;
}

common::Result<std::optional<std::int64_t>> ProfileDatabase::latest_session_id() {
    auto select = statement(Query::SelectLatestSession);
    if (!select) return failure("find the latest session", select.error());
    StatementScope scope(**select);
    auto row = scope->step();
    if (!row) return failure("find the latest session", row.error());
    if (!*row || scope->column_is_null(0)) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{scope->column_int(0)};
}

common::Result<std::vector<model::Invocation>> ProfileDatabase::load_invocations(
    std::int64_t session_id, const std::optional<std::string>& hook, bool with_processes) {
    const std::string what = "load invocations of session " + std::to_string(session_id);
    // One snapshot for the four reads: invocations, their per-CPU times,
    // processes and theirs must describe the same committed batches.
    auto snapshot = Transaction::begin_read(connection_);
    if (!snapshot) return failure(what, snapshot.error());

    if (auto exists = require_session(session_id); !exists) return exists.error();

    auto bind_filter = [&](Statement& s) {
        s.bind_int(1, session_id);
        if (hook) {
            s.bind_text(2, *hook);
        } else {
            s.bind_null(2);
        }
    };

    std::vector<model::Invocation> invocations;
    std::unordered_map<std::int64_t, std::size_t> invocation_index;
    {
        auto select = statement(hook ? Query::SelectHookInvocations : Query::SelectInvocations);
        if (!select) return failure(what, select.error());
        StatementScope scope(**select);
        scope->bind_int(1, session_id);
        if (hook) scope->bind_text(2, *hook);
        for (;;) {
            auto row = scope->step();
            if (!row) return failure(what, row.error());
            if (!*row) break;
            model::Invocation invocation;
            invocation.id = scope->column_int(0);
            invocation.hook = scope->column_text(1);
            invocation.root_pid = static_cast<std::int32_t>(scope->column_int(2));
            invocation.start_ns = from_sql(scope->column_int(3));
            invocation.root_end_ns = from_sql(scope->column_int(4));
            invocation.last_end_ns = from_sql(scope->column_int(5));
            invocation.complete = scope->column_int(6) != 0;
            invocation.exit_code = static_cast<std::int32_t>(scope->column_int(7));
            read_sched_times(*scope, 8, invocation.times);
            invocation_index.emplace(invocation.id, invocations.size());
            invocations.push_back(std::move(invocation));
        }
    }
    {
        auto select = statement(Query::SelectInvocationCpu);
        if (!select) return failure(what, select.error());
        StatementScope scope(**select);
        bind_filter(*scope);
        for (;;) {
            auto row = scope->step();
            if (!row) return failure(what, row.error());
            if (!*row) break;
            auto found = invocation_index.find(scope->column_int(0));
            if (found == invocation_index.end()) continue;
            invocations[found->second].times.on_cpu_ns_per_cpu[static_cast<std::uint32_t>(scope->column_int(1))] =
                from_sql(scope->column_int(2));
        }
    }
    if (!with_processes) return invocations;

    // Process id -> (invocation index, process index); indexes, not
    // pointers, because the vectors grow while rows arrive.
    std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>> process_index;
    {
        auto select = statement(Query::SelectProcesses);
        if (!select) return failure(what, select.error());
        StatementScope scope(**select);
        bind_filter(*scope);
        for (;;) {
            auto row = scope->step();
            if (!row) return failure(what, row.error());
            if (!*row) break;
            auto found = invocation_index.find(scope->column_int(1));
            if (found == invocation_index.end()) continue;
            model::ProcessRecord process;
            process.pid = static_cast<std::int32_t>(scope->column_int(2));
            process.ppid = static_cast<std::int32_t>(scope->column_int(3));
            process.exe = scope->column_text(4);
            process.argv = scope->column_text(5);
            process.comm = scope->column_text(6);
            process.start_ns = from_sql(scope->column_int(7));
            process.end_ns = from_sql(scope->column_int(8));
            process.exited = scope->column_int(9) != 0;
            process.exit_code = static_cast<std::int32_t>(scope->column_int(10));
            process.threads = static_cast<std::uint32_t>(scope->column_int(11));
            read_sched_times(*scope, 12, process.times);
            process.exec_ns = from_sql(scope->column_int(18));
            process.peak_rss_bytes = from_sql(scope->column_int(19));
            process.gate_holds = static_cast<std::uint32_t>(scope->column_int(20));
            process.gate_held_ns = from_sql(scope->column_int(21));
            auto& processes = invocations[found->second].processes;
            process_index.emplace(scope->column_int(0), std::make_pair(found->second, processes.size()));
            processes.push_back(std::move(process));
        }
    }
    {
        auto select = statement(Query::SelectProcessCpu);
        if (!select) return failure(what, select.error());
        StatementScope scope(**select);
        bind_filter(*scope);
        for (;;) {
            auto row = scope->step();
            if (!row) return failure(what, row.error());
            if (!*row) break;
            auto found = process_index.find(scope->column_int(0));
            if (found == process_index.end()) continue;
            auto& [invocation, process] = found->second;
            invocations[invocation].processes[process].times.on_cpu_ns_per_cpu[static_cast<std::uint32_t>(
                scope->column_int(1))] = from_sql(scope->column_int(2));
        }
    }
    if (auto loaded = load_threads(session_id, hook, [&](std::int64_t process_id) -> model::ProcessRecord* {
            auto found = process_index.find(process_id);
            if (found == process_index.end()) return nullptr;
            return &invocations[found->second.first].processes[found->second.second];
        });
        !loaded) {
        return failure(what, loaded.error());
    }
    return invocations;
}

common::Result<std::vector<std::string>> ProfileDatabase::hook_names(std::int64_t session_id) {
    const std::string what = "list the hooks of session " + std::to_string(session_id);
    if (auto exists = require_session(session_id); !exists) return exists.error();
    auto select = statement(Query::SelectHookNames);
    if (!select) return failure(what, select.error());
    StatementScope scope(**select);
    scope->bind_int(1, session_id);
    std::vector<std::string> hooks;
    for (;;) {
        auto row = scope->step();
        if (!row) return failure(what, row.error());
        if (!*row) break;
        hooks.push_back(scope->column_text(0));
    }
    return hooks;
}

}  // namespace validprof::storage
