#include "storage/schema_migrations.h"

#include <spdlog/spdlog.h>

#include <array>
#include <string>

namespace validprof::storage {

namespace {

// Unsigned 64-bit model values (nanoseconds, counters) are stored as INTEGER
// with their bit pattern (see profile_database.cpp), so every uint64 round
// trips; values up to 2^63-1, i.e. anything a clock or counter reaches in
// practice, also sort and sum correctly in SQL.
//
// Per-CPU on-CPU times get their own narrow tables keyed by owner and CPU:
// a row per CPU actually used, no fixed CPU count baked into the schema.
// Every child table cascades on delete so that pruning a session is one
// DELETE.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY,
    command          TEXT    NOT NULL,
    target           TEXT    NOT NULL,
    host             TEXT    NOT NULL,
    kernel_release   TEXT    NOT NULL,
    rules            TEXT    NOT NULL,
    start_unix_ns    INTEGER NOT NULL,
    clock_offset_ns  INTEGER NOT NULL,  -- CLOCK_REALTIME - CLOCK_MONOTONIC at start
    end_unix_ns      INTEGER,           -- NULL until the session finished
    complete         INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
    events_received  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE lost_events (
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (session_id, reason)
) WITHOUT ROWID;

CREATE TABLE invocations (
    id                    INTEGER PRIMARY KEY,
    session_id            INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    hook                  TEXT    NOT NULL,
    root_pid              INTEGER NOT NULL,
    start_ns              INTEGER NOT NULL,  -- CLOCK_MONOTONIC
    root_end_ns           INTEGER NOT NULL,  -- 0: root never exited while observed
    last_end_ns           INTEGER NOT NULL,
    wall_ns               INTEGER NOT NULL,  -- last_end_ns - start_ns, kept for queries
    complete              INTEGER NOT NULL CHECK (complete IN (0, 1)),
    exit_code             INTEGER NOT NULL,  -- wait(2) style
    on_cpu_ns             INTEGER NOT NULL,
    run_queue_wait_ns     INTEGER NOT NULL,
    off_cpu_sleep_ns      INTEGER NOT NULL,
    off_cpu_blocked_ns    INTEGER NOT NULL,
    voluntary_switches    INTEGER NOT NULL,
    involuntary_switches  INTEGER NOT NULL,
    process_count         INTEGER NOT NULL
);

CREATE TABLE invocation_cpu_times (
    invocation_id  INTEGER NOT NULL REFERENCES invocations(id) ON DELETE CASCADE,
    cpu            INTEGER NOT NULL,
    on_cpu_ns      INTEGER NOT NULL,
    PRIMARY KEY (invocation_id, cpu)
) WITHOUT ROWID;

CREATE TABLE processes (
    id                    INTEGER PRIMARY KEY,  -- insertion order = the invocation's process order
    invocation_id         INTEGER NOT NULL REFERENCES invocations(id) ON DELETE CASCADE,
    pid                   INTEGER NOT NULL,
    ppid                  INTEGER NOT NULL,
    exe                   TEXT    NOT NULL,
    argv                  TEXT    NOT NULL,
    comm                  TEXT    NOT NULL,
    start_ns              INTEGER NOT NULL,
    end_ns                INTEGER NOT NULL,  -- 0 while alive
    exited                INTEGER NOT NULL CHECK (exited IN (0, 1)),
    exit_code             INTEGER NOT NULL,
    threads               INTEGER NOT NULL,
    on_cpu_ns             INTEGER NOT NULL,
    run_queue_wait_ns     INTEGER NOT NULL,
    off_cpu_sleep_ns      INTEGER NOT NULL,
    off_cpu_blocked_ns    INTEGER NOT NULL,
    voluntary_switches    INTEGER NOT NULL,
    involuntary_switches  INTEGER NOT NULL
);

CREATE TABLE process_cpu_times (
    process_id  INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    cpu         INTEGER NOT NULL,
    on_cpu_ns   INTEGER NOT NULL,
    PRIMARY KEY (process_id, cpu)
) WITHOUT ROWID;
)sql";

// Indexes for the report's queries: a session's invocations in start order,
// optionally for one hook (also serves the distinct hook list and the
// per-session count), and an invocation's processes (also what makes the
// cascading delete from invocations fast).
constexpr const char* kVersion2 = R"sql(
CREATE INDEX invocations_by_session_hook ON invocations(session_id, hook, start_ns);
CREATE INDEX invocations_by_session_start ON invocations(session_id, start_ns);
CREATE INDEX processes_by_invocation ON processes(invocation_id);
)sql";

// Stack profiles (validprof record/attach --stacks). Stacks are stored once
// per session, as text: root-first frames, one per line, "name<TAB>module".
constexpr const char* kVersion3 = R"sql(
CREATE TABLE stack_profiles (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    frequency_hz INTEGER NOT NULL,
    offcpu_min_ns INTEGER NOT NULL
);
CREATE TABLE stacks (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    frames TEXT NOT NULL,
    UNIQUE (session_id, frames)
);
CREATE TABLE stack_samples (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    stack_id INTEGER NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    count INTEGER NOT NULL,
    weight_ns INTEGER NOT NULL
);
CREATE INDEX stack_samples_by_session ON stack_samples(session_id, pid);
)sql";

// USDT phases (e.g. validcore's checks, scoring, consensus rounds), with the
// thread's on-CPU time inside each, per CPU.
constexpr const char* kVersion4 = R"sql(
CREATE TABLE phase_executions (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    tid INTEGER NOT NULL,
    provider TEXT NOT NULL,
    phase TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    on_cpu_ns INTEGER NOT NULL
);
CREATE TABLE phase_cpu_times (
    phase_execution_id INTEGER NOT NULL REFERENCES phase_executions(id) ON DELETE CASCADE,
    cpu INTEGER NOT NULL,
    on_cpu_ns INTEGER NOT NULL,
    PRIMARY KEY (phase_execution_id, cpu)
);
CREATE INDEX phase_executions_by_session ON phase_executions(session_id, pid, start_ns);
)sql";

// SQLite activity inside the observed processes (userspace/sqlite); the
// tables are named sql_* because SQLite reserves the sqlite_ prefix. Each
// store call appends rows; per-process totals and per-file activity are
// summed per pid and per (pid, path, role) when loaded, so a recorder may
// flush the same process or file in several batches.
constexpr const char* kVersion5 = R"sql(
CREATE TABLE sql_executions (
    id              INTEGER PRIMARY KEY,  -- insertion order breaks start-time ties
    session_id      INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid             INTEGER NOT NULL,
    tid             INTEGER NOT NULL,
    sql             TEXT    NOT NULL,     -- as prepared, bounded
    sql_truncated   INTEGER NOT NULL CHECK (sql_truncated IN (0, 1)),
    database        TEXT    NOT NULL,     -- main database file, '' when unknown
    start_ns        INTEGER NOT NULL,     -- first sqlite3_step, CLOCK_MONOTONIC
    end_ns          INTEGER NOT NULL,
    rows            INTEGER NOT NULL,
    result_code     INTEGER NOT NULL,
    busy_results    INTEGER NOT NULL,
    locked_results  INTEGER NOT NULL,
    from_exec       INTEGER NOT NULL CHECK (from_exec IN (0, 1))
);
CREATE INDEX sql_executions_by_session ON sql_executions(session_id, start_ns);

CREATE TABLE sql_process_totals (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid           INTEGER NOT NULL,
    api_calls     INTEGER NOT NULL,
    in_sqlite_ns  INTEGER NOT NULL,
    opens         INTEGER NOT NULL,
    prepares      INTEGER NOT NULL,
    steps         INTEGER NOT NULL,
    execs         INTEGER NOT NULL,
    resets        INTEGER NOT NULL,
    finalizes     INTEGER NOT NULL,
    closes        INTEGER NOT NULL
);
CREATE INDEX sql_process_totals_by_session ON sql_process_totals(session_id);

CREATE TABLE sql_file_activity (
    id             INTEGER PRIMARY KEY,
    session_id     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid            INTEGER NOT NULL,
    path           TEXT    NOT NULL,
    role           TEXT    NOT NULL,  -- main, wal, shm, journal
    opens          INTEGER NOT NULL,
    reads          INTEGER NOT NULL,
    read_bytes     INTEGER NOT NULL,
    writes         INTEGER NOT NULL,
    write_bytes    INTEGER NOT NULL,
    io_ns          INTEGER NOT NULL,
    syncs          INTEGER NOT NULL,
    sync_ns        INTEGER NOT NULL,
    lock_calls     INTEGER NOT NULL,
    lock_failures  INTEGER NOT NULL,
    lock_wait_ns   INTEGER NOT NULL,
    truncates      INTEGER NOT NULL,
    unlinks        INTEGER NOT NULL
);
CREATE INDEX sql_file_activity_by_session ON sql_file_activity(session_id);

-- A row per session whose recorder stored SQLite activity at all, even
-- none: tells "traced, nothing seen" from "not traced".
CREATE TABLE sql_recordings (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE
);
)sql";

// What explaining an invocation needs (userspace/explain): each process's
// exec time, each thread's life (created by which thread, when its exit
// path began, its final switch) and own times, the waits long enough to
// have been sent with their reason, and the traced system calls
// (model/wait.h).
constexpr const char* kVersion6 = R"sql(
ALTER TABLE processes ADD COLUMN exec_ns INTEGER NOT NULL DEFAULT 0;  -- 0: no exec seen

CREATE TABLE threads (
    process_id            INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    tid                   INTEGER NOT NULL,
    creator_tid           INTEGER NOT NULL,  -- 0: not seen
    start_ns              INTEGER NOT NULL,
    exiting_ns            INTEGER NOT NULL,  -- 0: not seen
    end_ns                INTEGER NOT NULL,  -- 0 while alive
    exited                INTEGER NOT NULL CHECK (exited IN (0, 1)),
    on_cpu_ns             INTEGER NOT NULL,
    run_queue_wait_ns     INTEGER NOT NULL,
    off_cpu_sleep_ns      INTEGER NOT NULL,
    off_cpu_blocked_ns    INTEGER NOT NULL,
    voluntary_switches    INTEGER NOT NULL,
    involuntary_switches  INTEGER NOT NULL,
    PRIMARY KEY (process_id, tid)
) WITHOUT ROWID;

CREATE TABLE waits (
    id                    INTEGER PRIMARY KEY,
    session_id            INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid                   INTEGER NOT NULL,
    tid                   INTEGER NOT NULL,
    off_ns                INTEGER NOT NULL,
    woken_ns              INTEGER NOT NULL,  -- 0: preempted, runnable throughout
    on_ns                 INTEGER NOT NULL,
    on_cpu_before_ns      INTEGER NOT NULL,
    run_queue_before_ns   INTEGER NOT NULL,
    state                 INTEGER NOT NULL,  -- model::WaitState
    syscall               INTEGER NOT NULL,  -- -1: none
    arg0                  INTEGER NOT NULL,
    arg1                  INTEGER NOT NULL,
    arg2                  INTEGER NOT NULL,
    waker_pid             INTEGER NOT NULL,
    waker_tid             INTEGER NOT NULL,
    waker_in_interrupt    INTEGER NOT NULL CHECK (waker_in_interrupt IN (0, 1)),
    waker_comm            TEXT    NOT NULL,
    woken_by_observer     INTEGER NOT NULL CHECK (woken_by_observer IN (0, 1)),
    holder_pid            INTEGER NOT NULL,
    holder_tid            INTEGER NOT NULL,
    holder_tracked        INTEGER NOT NULL CHECK (holder_tracked IN (0, 1)),
    holder_comm           TEXT    NOT NULL,
    object                INTEGER NOT NULL,  -- model::WaitObject
    object_inode          INTEGER NOT NULL,
    object_device         INTEGER NOT NULL,
    object_path           TEXT    NOT NULL,
    socket_family         INTEGER NOT NULL,
    socket_type           INTEGER NOT NULL,
    socket_peer           TEXT    NOT NULL,
    socket_peer_port      INTEGER NOT NULL
);
CREATE INDEX waits_by_session ON waits(session_id, pid, tid, off_ns);

CREATE TABLE syscall_spans (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid         INTEGER NOT NULL,
    tid         INTEGER NOT NULL,
    syscall     INTEGER NOT NULL,
    start_ns    INTEGER NOT NULL,
    end_ns      INTEGER NOT NULL,
    result      INTEGER NOT NULL,
    arg0        INTEGER NOT NULL,
    arg1        INTEGER NOT NULL
);
CREATE INDEX syscall_spans_by_session ON syscall_spans(session_id, pid, tid, start_ns);
)sql";

// Who is writing each session (storage/recorder_identity.h), so that a
// reader can tell a session still being recorded from one whose recorder
// died. 0 and '' for sessions written before.
constexpr const char* kVersion7 = R"sql(
ALTER TABLE sessions ADD COLUMN recorder_pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN recorder_start_ticks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN recorder_boot_id TEXT NOT NULL DEFAULT '';
)sql";

// The shortest off-CPU wait the session recorded with its reason (the
// kernel side's wait_record_min_ns): 50 µs by default, 0 with --timeline
// (every wait, so the gaps between them are exactly the on-CPU time).
// Sessions written before recorded 50 µs.
constexpr const char* kVersion8 = R"sql(
ALTER TABLE sessions ADD COLUMN wait_record_min_ns INTEGER NOT NULL DEFAULT 50000;
)sql";

// Each process's peak resident set (bytes; the kernel's signal->maxrss at
// its exit). 0 for processes stored before, and for exits not seen.
constexpr const char* kVersion9 = R"sql(
ALTER TABLE processes ADD COLUMN peak_rss_bytes INTEGER NOT NULL DEFAULT 0;
)sql";

// What validprof's gate cost each process (times held, total ns), and the
// files it inspected for probes, so a later session holds nobody for a
// file it finds unchanged (model/inspected_file.h). Device is the
// kernel's encoding, as the gate's BPF map keys files.
constexpr const char* kVersion10 = R"sql(
ALTER TABLE processes ADD COLUMN gate_holds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE processes ADD COLUMN gate_held_ns INTEGER NOT NULL DEFAULT 0;
CREATE TABLE inspected_files (
    device INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    size INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    path TEXT NOT NULL,
    usdt_checked INTEGER NOT NULL,
    usdt_phases INTEGER NOT NULL,
    sqlite_checked INTEGER NOT NULL,
    sqlite_functions INTEGER NOT NULL,
    PRIMARY KEY (device, inode)
);
)sql";

constexpr std::array kMigrations{
    Migration{1, "base tables", kVersion1},
    Migration{2, "query indexes", kVersion2},
    Migration{3, "stack profiles", kVersion3},
    Migration{4, "USDT phases", kVersion4},
    Migration{5, "SQLite activity", kVersion5},
    Migration{6, "threads and waits", kVersion6},
    Migration{7, "recorder identity", kVersion7},
    Migration{8, "wait recording threshold", kVersion8},
    Migration{9, "peak resident memory", kVersion9},
    Migration{10, "gate holds and inspected files", kVersion10},
};

}  // namespace

std::span<const Migration> schema_migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

common::Result<int> read_schema_version(SqliteConnection& connection) {
    auto statement = Statement::prepare(connection.get(), "PRAGMA user_version", false);
    if (!statement) return statement.error();
    auto row = statement->step();
    if (!row) return row.error();
    if (!*row) return common::make_error("PRAGMA user_version returned no row");
    return static_cast<int>(statement->column_int(0));
}

common::Result<int> migrate_schema(SqliteConnection& connection, const std::string& path, int target_version) {
    auto version = read_schema_version(connection);
    if (!version) return version.error();
    int current = *version;
    for (const Migration& migration : kMigrations) {
        if (migration.version <= current || migration.version > target_version) continue;
        auto failed = [&](const common::Error& error) {
            return common::make_error("cannot upgrade profile database '" + path + "' to schema version " +
                                      std::to_string(migration.version) + ": " + error.message);
        };
        auto transaction = Transaction::begin_immediate(connection);
        if (!transaction) return failed(transaction.error());
        auto latest = read_schema_version(connection);
        if (!latest) return failed(latest.error());
        if (*latest >= migration.version) {
            current = *latest;  // another process got here first
            continue;
        }
        if (auto applied = connection.exec(migration.sql); !applied) return failed(applied.error());
        // user_version is part of the database header, written in this same
        // transaction: the step and its version commit together or not at all.
        const std::string set_version = "PRAGMA user_version = " + std::to_string(migration.version);
        if (auto set = connection.exec(set_version.c_str()); !set) return failed(set.error());
        if (auto committed = transaction->commit(); !committed) return failed(committed.error());
        current = migration.version;
        spdlog::debug("profile database '{}': schema version {} ({})", path, migration.version,
                      migration.description);
    }
    return current;
}

}  // namespace validprof::storage
