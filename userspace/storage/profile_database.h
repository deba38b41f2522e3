// The profile database: every session validprof records, with its
// invocations, their processes and scheduler times, in one SQLite file
// (default ./validprof.db). Writers are crash-safe by construction: WAL
// journal, the session row committed before any data, each batch of
// invocations one transaction, and `complete` set only by finish_session. A
// recorder killed with SIGKILL therefore leaves every earlier session intact
// and its own session readable, marked incomplete, holding exactly the
// batches it committed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/inspected_file.h"
#include "model/invocation.h"
#include "model/phase.h"
#include "model/wait.h"
#include "model/session.h"
#include "model/sqlite_activity.h"
#include "model/stack_sample.h"
#include "storage/sqlite_handle.h"

namespace validprof::storage {

enum class OpenMode {
    ReadWrite,  // created (mode 0600) if missing, schema upgraded if older
    ReadOnly,   // must exist and be at the latest schema version
};

class ProfileDatabase {
public:
    static common::Result<std::unique_ptr<ProfileDatabase>> open(const std::string& path, OpenMode mode);

    ProfileDatabase(const ProfileDatabase&) = delete;
    ProfileDatabase& operator=(const ProfileDatabase&) = delete;
    ~ProfileDatabase();

    int schema_version() const { return schema_version_; }
    static int latest_schema_version();
    const std::string& path() const { return path_; }

    // Inserts the session (complete = 0) and commits at once, so a recorder
    // that dies later still leaves a visible, incomplete session.
    common::Result<std::int64_t> begin_session(const model::SessionInfo& info);

    // Stores the batch, with processes and per-CPU rows, in one transaction:
    // all of it or none. Prepared statements are reused across calls.
    // `ids`, when given, receives each stored invocation's database id in
    // batch order (what `attach --json-lines` reports).
    common::Result<void> store_invocations(std::int64_t session_id, const std::vector<model::Invocation>& batch,
                                           std::vector<std::int64_t>* ids = nullptr);

    // Records the end time, the lost-event counts (zero counts kept) and the
    // number of events received, and marks the session complete. Calling it
    // again replaces the previous end.
    common::Result<void> finish_session(std::int64_t session_id, const model::SessionEnd& end);

    // Oldest first, with the number of invocations stored for each.
    common::Result<std::vector<model::SessionSummary>> list_sessions();
    // Error "no session N in 'P'" when it does not exist.
    common::Result<model::SessionSummary> load_session(std::int64_t session_id);
    // The most recently begun session, if any.
    common::Result<std::optional<std::int64_t>> latest_session_id();

    // In start order, database ids filled in; with_processes also loads each
    // invocation's processes in their stored order. Per-CPU times are always
    // filled for whatever is loaded. hook: only that hook's invocations.
    common::Result<std::vector<model::Invocation>> load_invocations(std::int64_t session_id,
                                                                    const std::optional<std::string>& hook,
                                                                    bool with_processes);
    // The distinct hook names of the session's invocations, sorted.
    common::Result<std::vector<std::string>> hook_names(std::int64_t session_id);

    // A session's stack profile, in one transaction (stack_profile_store.cpp).
    common::Result<void> store_stack_profile(std::int64_t session_id, const model::StackProfile& profile);
    // Empty samples and zero settings when the session recorded no stacks.
    common::Result<model::StackProfile> load_stack_profile(std::int64_t session_id);

    // USDT phase executions, one transaction per call (phase_store.cpp).
    common::Result<void> store_phase_executions(std::int64_t session_id,
                                                const std::vector<model::PhaseExecution>& batch);
    // In start order.
    common::Result<std::vector<model::PhaseExecution>> load_phase_executions(std::int64_t session_id);

    // Waits of hook threads with their reasons, one transaction per call
    // (wait_store.cpp).
    common::Result<void> store_waits(std::int64_t session_id, const std::vector<model::WaitInterval>& batch);
    // In (pid, tid, off_ns) order.
    common::Result<std::vector<model::WaitInterval>> load_waits(std::int64_t session_id);
    // Traced system calls, the same way (wait_store.cpp).
    common::Result<void> store_syscall_spans(std::int64_t session_id, const std::vector<model::SyscallSpan>& batch);
    // In (pid, tid, start_ns) order.
    common::Result<std::vector<model::SyscallSpan>> load_syscall_spans(std::int64_t session_id);

    // SQLite activity of the observed processes, one transaction per call
    // (sqlite_activity_store.cpp). Calls append: statements are added to
    // those already stored, and process totals and file activity sent again
    // for the same pid, or the same (pid, path, role), add up with what was
    // stored before. An empty activity still marks the session as recorded.
    common::Result<void> store_sqlite_activity(std::int64_t session_id, const model::SqliteActivity& activity);
    // Statements in start order (ties in storage order); process totals
    // summed per pid and file activity per (pid, path, role), each in the
    // order of its first appearance. Empty for a session without any.
    common::Result<model::SqliteActivity> load_sqlite_activity(std::int64_t session_id);

    // The gate's inspected files, across sessions: stored (one row per
    // device and inode, merged with what earlier sessions found) at a
    // session's end, loaded at the next one's start.
    common::Result<void> store_inspected_files(const std::vector<model::InspectedFile>& files);
    common::Result<std::vector<model::InspectedFile>> load_inspected_files();
    // Whether store_sqlite_activity was called for the session, i.e.
    // whether its recorder traced SQLite: an empty activity then means
    // "nothing seen", not "not looked at".
    common::Result<bool> sqlite_activity_recorded(std::int64_t session_id);

    // The underlying connection, for tests and diagnostics that install
    // SQLite's own hooks (sqlite3_commit_hook, sqlite3_trace_v2) as an
    // independent witness of what this class does. Owned here: never close it.
    sqlite3* native_handle() const { return connection_.get(); }

private:
    // The reused statements; defined in the .cpp with their SQL.
    enum class Query : int;

    ProfileDatabase(std::string path, SqliteConnection connection, int schema_version);

    // The cached statement for query, prepared on first use.
    common::Result<Statement*> statement(Query query);
    common::Result<void> require_session(std::int64_t session_id);
    // A process's thread records, inside store_invocations' transaction
    // (thread_store.cpp).
    common::Result<void> store_threads(std::int64_t process_id, const std::vector<model::ThreadRecord>& threads);
    // Thread records of the session's (or hook's) processes, each handed to
    // the process record `process_of` returns for its process id (skipped
    // when it returns null), in creation order.
    common::Result<void> load_threads(std::int64_t session_id, const std::optional<std::string>& hook,
                                      const std::function<model::ProcessRecord*(std::int64_t)>& process_of);
    common::Error failure(const std::string& what, const common::Error& cause) const;

    std::string path_;
    // Declared before the statements so that they are finalized first.
    SqliteConnection connection_;
    int schema_version_;
    std::vector<std::unique_ptr<Statement>> statements_;
};

}  // namespace validprof::storage
