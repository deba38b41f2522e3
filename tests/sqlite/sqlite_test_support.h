// Helpers for the privileged SQLite tests: run `validprof record --sql` on a
// workload, read the workload's truth (SQLite's own trace and VFS counts,
// tests/workloads/sqlite_truth.h) and what validprof stored
// (ProfileDatabase::load_sqlite_activity), and compare the two per process.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli_test_support.h"
#include "model/sqlite_activity.h"
#include "report/sql_normalize.h"
#include "truth_text.h"

namespace validprof::testing {

constexpr std::uint64_t kMsNs = 1'000'000;

// Two texts name the same statement when their normalized forms are equal.
// Both sides go through the same functions: the workloads' literal
// normalization (their truth texts already have it), then validprof's
// report::normalize_sql. Only the grouping is validprof's; the texts come
// from SQLite on one side and from validprof on the other.
inline std::string normalized(const std::string& sql) {
    return report::normalize_sql(workloads::normalize_literals(sql));
}

struct SqlRecorded {
    CommandResult result;
    std::vector<TruthLine> truth;
    model::SqliteActivity activity;
    std::string load_error;  // empty when the activity was loaded
};

// `validprof record --sql --db DIR/profile.db [options] -- command`, with
// VALIDPROF_TRUTH=DIR/truth.txt; then the session's SQLite activity.
inline SqlRecorded record_sql(const TempDir& dir, const std::vector<std::string>& command,
                              const std::vector<std::string>& options = {},
                              const std::map<std::string, std::string>& extra_environment = {}) {
    std::vector<std::string> argv = {validprof_binary(), "record", "--sql", "--db", dir.file("profile.db")};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    std::map<std::string, std::string> environment = extra_environment;
    environment["VALIDPROF_TRUTH"] = dir.file("truth.txt");
    environment["PATH"] = std::string(VALIDPROF_WORKLOAD_DIR) + ":" + std::getenv("PATH");
    SqlRecorded recorded;
    recorded.result = run_command(argv, environment);
    recorded.truth = read_truth(dir.file("truth.txt"));
    auto database = storage::ProfileDatabase::open(dir.file("profile.db"), storage::OpenMode::ReadOnly);
    if (!database.ok()) {
        recorded.load_error = database.error().message;
        return recorded;
    }
    auto session = (*database)->latest_session_id();
    if (!session.ok() || !*session) {
        recorded.load_error = "no session in " + dir.file("profile.db");
        return recorded;
    }
    auto activity = (*database)->load_sqlite_activity(**session);
    if (activity.ok())
        recorded.activity = std::move(*activity);
    else
        recorded.load_error = activity.error().message;
    return recorded;
}

// Fails the test (fatal in the caller via ASSERT_NO_FATAL_FAILURE) unless
// validprof exited 0 and the activity could be read.
inline void expect_recorded(const SqlRecorded& recorded) {
    ASSERT_EQ(recorded.result.exit_code, 0) << recorded.result.output;
    ASSERT_TRUE(recorded.load_error.empty()) << recorded.load_error << "\n" << recorded.result.output;
}

inline std::int32_t truth_pid(const TruthLine& line) { return static_cast<std::int32_t>(truth_u64(line, "pid")); }

inline std::string truth_text(const TruthLine& line, const std::string& key) {
    auto found = line.find(key);
    return found == line.end() ? std::string() : found->second;
}

// The truth's statements by normalized text: sql.K (percent-encoded) with
// sql.K.count executions, regrouped with normalized().
inline std::map<std::string, std::uint64_t> truth_statements_by_text(const TruthLine& line) {
    std::map<std::string, std::uint64_t> counts;
    for (std::size_t k = 0;; ++k) {
        std::string key = "sql." + std::to_string(k);
        auto text = line.find(key);
        if (text == line.end()) break;
        counts[normalized(workloads::decode_truth_text(text->second))] += truth_u64(line, key + ".count");
    }
    return counts;
}

// ---------------------------------------------------------------- activity

inline std::vector<const model::StatementExecution*> statements_of(const model::SqliteActivity& activity,
                                                                   std::int32_t pid) {
    std::vector<const model::StatementExecution*> found;
    for (const model::StatementExecution& statement : activity.statements)
        if (statement.pid == pid) found.push_back(&statement);
    return found;
}

inline std::map<std::string, std::uint64_t> statements_by_text(const model::SqliteActivity& activity,
                                                               std::int32_t pid) {
    std::map<std::string, std::uint64_t> counts;
    for (const model::StatementExecution* statement : statements_of(activity, pid)) ++counts[normalized(statement->sql)];
    return counts;
}

inline const model::SqliteProcessTotals* totals_of(const model::SqliteActivity& activity, std::int32_t pid) {
    for (const model::SqliteProcessTotals& totals : activity.processes)
        if (totals.pid == pid) return &totals;
    return nullptr;
}

// The process's row for one file (by path as opened); zeros, with an empty
// role, when it has none.
inline model::DatabaseFileActivity file_activity(const model::SqliteActivity& activity, std::int32_t pid,
                                                 const std::string& path) {
    for (const model::DatabaseFileActivity& file : activity.files)
        if (file.pid == pid && file.path == path) return file;
    model::DatabaseFileActivity none;
    none.pid = pid;
    none.path = path;
    return none;
}

// The files of one database: the main file and its -wal, -shm, -journal.
inline std::string database_file(const std::string& db_path, const std::string& role) {
    return role == "main" ? db_path : db_path + "-" + role;
}

inline std::string describe(const model::SqliteActivity& activity) {
    std::string text = std::to_string(activity.statements.size()) + " statements, " +
                       std::to_string(activity.processes.size()) + " processes, files:";
    for (const model::DatabaseFileActivity& file : activity.files)
        text += " [pid " + std::to_string(file.pid) + " " + file.role + " " + file.path + " syncs " +
                std::to_string(file.syncs) + " writes " + std::to_string(file.writes) + "]";
    return text;
}

// ---------------------------------------------------------------- comparisons

// What validprof stored for the process of this truth line against what
// SQLite itself reported in it:
// - statement executions: in all and per normalized text, what SQLite's
//   trace callback saw start (SQLITE_TRACE_STMT fires once per execution);
// - API calls: the program's own count of each probed function;
// - per file role (main, wal, journal): opens, writes and bytes written,
//   syncs, truncates and deletes as the counting VFS saw SQLite ask for them
//   (the unix VFS makes exactly one system call for each); reads at least
//   the VFS's reads (a short read at the end of a file takes two);
// - locks refused: per role, what the VFS saw reported busy (one refused
//   F_SETLK each);
// - times: inside SQLite not longer than the workload's wall clock, system
//   calls on the files inside it.
inline void expect_matches_sqlite_truth(const model::SqliteActivity& activity, const TruthLine& truth,
                                        const std::string& db_path) {
    std::int32_t pid = truth_pid(truth);
    SCOPED_TRACE("pid " + std::to_string(pid) + " (" + truth_text(truth, "mode") + truth_text(truth, "role") + ")");
    std::vector<const model::StatementExecution*> statements = statements_of(activity, pid);
    EXPECT_EQ(statements.size(), truth_u64(truth, "statements")) << describe(activity);
    EXPECT_EQ(statements_by_text(activity, pid), truth_statements_by_text(truth));
    for (const model::StatementExecution* statement : statements) {
        EXPECT_EQ(statement->database, db_path) << statement->sql;
        EXPECT_FALSE(statement->sql_truncated) << statement->sql;
        EXPECT_LE(statement->start_ns, statement->end_ns) << statement->sql;
    }

    const model::SqliteProcessTotals* totals = totals_of(activity, pid);
    ASSERT_NE(totals, nullptr) << "no SQLite totals for pid " << pid;
    // The program's own calls, each function counted as the program called
    // it: what SQLite calls inside (sqlite3_exec's prepare/step/finalize,
    // the schema loading its first prepare runs) is not the program's and
    // depends on the copy (a copy may inline them).
    EXPECT_EQ(totals->opens, truth_u64(truth, "api.opens"));
    EXPECT_EQ(totals->prepares, truth_u64(truth, "api.prepares"));
    EXPECT_EQ(totals->steps, truth_u64(truth, "api.steps"));
    EXPECT_EQ(totals->execs, truth_u64(truth, "api.execs"));
    EXPECT_EQ(totals->resets, truth_u64(truth, "api.resets"));
    EXPECT_EQ(totals->finalizes, truth_u64(truth, "api.finalizes"));
    EXPECT_EQ(totals->closes, truth_u64(truth, "api.closes"));
    EXPECT_LE(totals->in_sqlite_ns, truth_u64(truth, "wall_ns")) << "more time inside SQLite than the process ran";

    // The database roles hold the database's own files and nothing else:
    // not /dev/urandom, nor the directory SQLite syncs after creating a
    // journal or WAL (validprof may show those under roles of their own).
    std::set<std::string> database_roles = {"main", "wal", "shm", "journal"};
    for (const model::DatabaseFileActivity& file : activity.files) {
        if (file.pid != pid || !database_roles.count(file.role)) continue;
        EXPECT_EQ(file.path, database_file(db_path, file.role))
            << "counted as the " << file.role << " file of " << db_path << ": " << file.path;
    }

    std::uint64_t file_syscall_ns = 0;
    for (std::string role : {"main", "wal", "journal"}) {
        SCOPED_TRACE("file role " + role);
        model::DatabaseFileActivity file = file_activity(activity, pid, database_file(db_path, role));
        std::string prefix = role + ".";
        EXPECT_EQ(file.opens, truth_u64(truth, prefix + "opens")) << describe(activity);
        if (file.opens) {
            EXPECT_EQ(file.role, role);
        }
        EXPECT_GE(file.reads, truth_u64(truth, prefix + "reads"));
        EXPECT_EQ(file.writes, truth_u64(truth, prefix + "writes"));
        EXPECT_EQ(file.write_bytes, truth_u64(truth, prefix + "write_bytes"));
        EXPECT_EQ(file.syncs, truth_u64(truth, prefix + "syncs"));
        EXPECT_EQ(file.truncates, truth_u64(truth, prefix + "truncates"));
        EXPECT_EQ(file.unlinks, truth_u64(truth, prefix + "deletes"));
        EXPECT_EQ(file.lock_failures, truth_u64(truth, prefix + "lock_busy"));
        if (file.syncs) {
            EXPECT_GT(file.sync_ns, 0u);
        }
        file_syscall_ns += file.io_ns + file.sync_ns + file.lock_wait_ns;
    }
    model::DatabaseFileActivity shm = file_activity(activity, pid, database_file(db_path, "shm"));
    if (shm.opens) {
        EXPECT_EQ(shm.role, "shm");
    }
    EXPECT_EQ(shm.lock_failures, truth_u64(truth, "shm.lock_busy"));
    // SQLite makes all of these system calls from inside the API calls.
    EXPECT_LE(file_syscall_ns + shm.lock_wait_ns, totals->in_sqlite_ns);
}

}  // namespace validprof::testing
