// End-to-end, privileged: SQLite as the observed hooks use it, through
// programs this project did not write. The `sqlite3` CLI and Python's
// sqlite3 module (both on the system libsqlite3.so) run as hooks, with
// SQLite's own trace as the truth (the CLI's `.trace`, Python's
// set_trace_callback); a Node hook uses better-sqlite3 (SQLite compiled
// into its .node addon) if `npm install` can fetch it, and counts what it
// runs itself. Skipped, with the reason, without CAP_BPF/CAP_PERFMON.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "sqlite_test_support.h"

namespace validprof::testing {
namespace {

// The one process of the session that ran statements.
std::int32_t only_sql_process(const model::SqliteActivity& activity) {
    std::set<std::int32_t> pids;
    for (const model::StatementExecution& statement : activity.statements) pids.insert(statement.pid);
    EXPECT_EQ(pids.size(), 1u) << describe(activity);
    return pids.empty() ? 0 : *pids.begin();
}

std::map<std::string, std::uint64_t> count_by_text(const std::vector<std::string>& texts) {
    std::map<std::string, std::uint64_t> counts;
    for (const std::string& text : texts) ++counts[normalized(text)];
    return counts;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::vector<std::string> lines;
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line))
        if (!line.empty()) lines.push_back(line);
    return lines;
}

// The sqlite3 shell, its statements on the command line, one per line in
// the output of `.trace FILE --stmt` (SQLITE_TRACE_STMT, unexpanded text).
TEST(SqlitePrivileged, Sqlite3ShellStatementsMatchItsOwnTrace) {
    VALIDPROF_REQUIRE_BPF();
    if (run_command({"sqlite3", "-version"}).exit_code != 0) GTEST_SKIP() << "the sqlite3 shell is not installed";
    TempDir dir;
    std::string db = dir.file("shell.db");
    std::string sql =
        "PRAGMA journal_mode=WAL; CREATE TABLE memory_entries(key TEXT, value TEXT, namespace TEXT, "
        "UNIQUE(key, namespace)); ";
    for (int i = 0; i < 12; ++i)
        sql += "INSERT INTO memory_entries(key, value, namespace) VALUES ('k" + std::to_string(i % 4) + "', 'v" +
               std::to_string(i) + "', 'default') ON CONFLICT(key, namespace) DO UPDATE SET value = excluded.value; ";
    sql += "SELECT count(*) FROM memory_entries;";
    SqlRecorded recorded =
        record_sql(dir, {"sqlite3", "-cmd", ".trace " + dir.file("trace.txt") + " --stmt", db, sql});
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    EXPECT_NE(recorded.result.output.find("4"), std::string::npos) << recorded.result.output;

    std::vector<std::string> traced = read_lines(dir.file("trace.txt"));
    ASSERT_EQ(traced.size(), 15u) << "SQLite's trace in the shell saw another number of statements";
    std::int32_t pid = only_sql_process(recorded.activity);
    EXPECT_EQ(statements_of(recorded.activity, pid).size(), traced.size());
    EXPECT_EQ(statements_by_text(recorded.activity, pid), count_by_text(traced));
    for (const model::StatementExecution* statement : statements_of(recorded.activity, pid))
        EXPECT_EQ(statement->database, db) << statement->sql;
    EXPECT_GT(file_activity(recorded.activity, pid, database_file(db, "wal")).writes, 0u) << describe(recorded.activity);
}

// Python's sqlite3 module: implicit BEGIN before the upserts, COMMIT,
// statement cache; set_trace_callback (SQLITE_TRACE_STMT, expanded text) is
// the truth, written by the script as a truth line.
constexpr const char* kPythonHook = R"PY(
import os, sqlite3, sys, urllib.parse
db, truth = sys.argv[1], os.environ["VALIDPROF_TRUTH"]
texts = []
con = sqlite3.connect(db)
con.set_trace_callback(texts.append)
con.execute("PRAGMA journal_mode=WAL")
con.execute("CREATE TABLE IF NOT EXISTS memory_entries(key TEXT, value TEXT, namespace TEXT, UNIQUE(key, namespace))")
for i in range(30):
    con.execute("INSERT INTO memory_entries(key, value, namespace) VALUES (?, ?, 'default') "
                "ON CONFLICT(key, namespace) DO UPDATE SET value = excluded.value", ("k%d" % (i % 5), "v%d" % i))
con.commit()
rows = con.execute("SELECT key, value FROM memory_entries WHERE namespace = ? ORDER BY key", ("default",)).fetchall()
con.close()
counts = {}
for text in texts:
    counts[text] = counts.get(text, 0) + 1
fields = ["pid=%d" % os.getpid(), "statements=%d" % len(texts), "rows=%d" % len(rows)]
for k, (text, n) in enumerate(counts.items()):
    fields += ["sql.%d=%s" % (k, urllib.parse.quote(text, safe="")), "sql.%d.count=%d" % (k, n)]
with open(truth, "a") as out:
    out.write(" ".join(fields) + "\n")
)PY";

TEST(SqlitePrivileged, PythonStatementsMatchItsTraceCallback) {
    VALIDPROF_REQUIRE_BPF();
    std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    if (run_command({python, "-c", "import sqlite3"}).exit_code != 0)
        GTEST_SKIP() << python << " has no sqlite3 module";
    TempDir dir;
    std::string db = dir.file("python.db");
    SqlRecorded recorded = record_sql(dir, {python, "-c", kPythonHook, db});
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 1u) << recorded.result.output;
    const TruthLine& truth = recorded.truth.front();
    EXPECT_EQ(truth_u64(truth, "rows"), 5u);
    std::int32_t pid = truth_pid(truth);
    EXPECT_EQ(only_sql_process(recorded.activity), pid);
    EXPECT_EQ(statements_of(recorded.activity, pid).size(), truth_u64(truth, "statements"));
    EXPECT_EQ(statements_by_text(recorded.activity, pid), truth_statements_by_text(truth));
    EXPECT_GT(file_activity(recorded.activity, pid, database_file(db, "wal")).writes, 0u) << describe(recorded.activity);
}

// better-sqlite3 12 (what the observed hook systems use), installed with
// npm once per build tree; built from its bundled SQLite if no prebuilt
// addon can be fetched. The script counts its own statements: better-sqlite3
// runs no SQL of its own.
constexpr const char* kNodeHook = R"JS(
const fs = require('fs');
const Database = require('better-sqlite3');
const db = new Database(process.argv[2]);
const counts = new Map();
const ran = (sql) => counts.set(sql, (counts.get(sql) || 0) + 1);
const pragma = 'PRAGMA journal_mode = WAL';
db.prepare(pragma).get(); ran(pragma);
const create = 'CREATE TABLE IF NOT EXISTS memory_entries(key TEXT, value TEXT, namespace TEXT, UNIQUE(key, namespace))';
db.prepare(create).run(); ran(create);
const upsert = db.prepare('INSERT INTO memory_entries(key, value, namespace) VALUES (?, ?, ?) ' +
                          'ON CONFLICT(key, namespace) DO UPDATE SET value = excluded.value');
for (let i = 0; i < 20; ++i) { upsert.run('k' + (i % 4), 'v' + i, 'default'); ran(upsert.source); }
const lookup = db.prepare('SELECT value FROM memory_entries WHERE key = ? AND namespace = ?');
for (let i = 0; i < 5; ++i) { lookup.get('k' + i, 'default'); ran(lookup.source); }
db.close();
let fields = ['pid=' + process.pid, 'statements=' + [...counts.values()].reduce((a, b) => a + b, 0)];
[...counts.entries()].forEach(([sql, n], k) => {
  fields.push('sql.' + k + '=' + encodeURIComponent(sql), 'sql.' + k + '.count=' + n);
});
fs.appendFileSync(process.env.VALIDPROF_TRUTH, fields.join(' ') + '\n');
)JS";

TEST(SqlitePrivileged, NodeHookWithBetterSqlite3IsObserved) {
    VALIDPROF_REQUIRE_BPF();
    if (run_command({"node", "--version"}).exit_code != 0) GTEST_SKIP() << "node is not installed";
    NpmPackage package = install_npm_package_once("better-sqlite3@12", "better-sqlite3/build/Release/better_sqlite3.node");
    if (package.node_modules.empty()) GTEST_SKIP() << "no Node hook can use better-sqlite3 here: " << package.failure;
    TempDir dir;
    std::string script = dir.file("hook.js");
    std::ofstream(script) << kNodeHook;
    std::string db = dir.file("node.db");
    SqlRecorded recorded = record_sql(dir, {"node", script, db}, {}, {{"NODE_PATH", package.node_modules}});
    ASSERT_NO_FATAL_FAILURE(expect_recorded(recorded));
    ASSERT_EQ(recorded.truth.size(), 1u) << recorded.result.output;
    const TruthLine& truth = recorded.truth.front();
    std::int32_t pid = truth_pid(truth);
    EXPECT_EQ(only_sql_process(recorded.activity), pid);
    EXPECT_EQ(statements_of(recorded.activity, pid).size(), truth_u64(truth, "statements"));
    EXPECT_EQ(statements_by_text(recorded.activity, pid), truth_statements_by_text(truth));
    for (const model::StatementExecution* statement : statements_of(recorded.activity, pid))
        EXPECT_EQ(statement->database, db) << statement->sql;
    const model::SqliteProcessTotals* totals = totals_of(recorded.activity, pid);
    ASSERT_NE(totals, nullptr);
    EXPECT_EQ(totals->opens, 1u);
    EXPECT_EQ(totals->closes, 1u);
    EXPECT_GT(file_activity(recorded.activity, pid, database_file(db, "wal")).writes, 0u) << describe(recorded.activity);
}

}  // namespace
}  // namespace validprof::testing
