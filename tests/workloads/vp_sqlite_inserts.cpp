// A hook that writes rows into a SQLite database the way the observed hook
// systems do: vp_sqlite_inserts MODE N DBPATH, with MODE
//   autocommit   N executions of one prepared INSERT (bind, step, reset),
//                each its own transaction;
//   transaction  the same inside BEGIN ... COMMIT;
//   exec         N sqlite3_exec calls, each one INSERT with literal values.
// The database is in WAL mode with synchronous=FULL. Built twice: against
// the system libsqlite3.so (vp_sqlite_inserts) and statically against
// libsqlite3.a (vp_sqlite_inserts_static).
//
// Reports what SQLite itself saw (sqlite_truth.h): the statements of its
// trace callback by text, the API calls made, the VFS calls per file role,
// the WAL syncs made while COMMIT ran, and the workload's own wall clock.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sqlite_truth.h"

using namespace validprof::workloads;

namespace {

#ifdef VP_SQLITE_STATIC
constexpr const char* kLinkage = "static";
#else
constexpr const char* kLinkage = "shared";
#endif

constexpr const char* kInsert = "INSERT INTO samples(id, payload) VALUES (?1, ?2)";

[[noreturn]] void fail(sqlite3* db, const char* what) {
    std::fprintf(stderr, "vp_sqlite_inserts: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no connection");
    std::exit(1);
}

void expect(sqlite3* db, int rc, int wanted, const char* what) {
    if (rc != wanted) fail(db, what);
}

std::string payload(int row) { return "row-" + std::to_string(row); }

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr,
                     "usage: vp_sqlite_inserts autocommit|transaction|exec N DBPATH\n"
                     "example: VALIDPROF_TRUTH=/tmp/t vp_sqlite_inserts autocommit 200 /tmp/test.db\n");
        return 2;
    }
    std::string mode = argv[1];
    int rows = std::atoi(argv[2]);
    const char* path = argv[3];
    if ((mode != "autocommit" && mode != "transaction" && mode != "exec") || rows < 0) {
        std::fprintf(stderr, "vp_sqlite_inserts: unknown mode '%s' or bad N\n", mode.c_str());
        return 2;
    }

    std::uint64_t start = monotonic_ns();
    CountingVfs& vfs = CountingVfs::install();
    CountedApi api;
    StatementTrace trace;
    sqlite3* db = nullptr;
    expect(db, api.open(path, &db), SQLITE_OK, "open");
    trace.install(db);
    // One statement per sqlite3_exec: validprof counts an exec whose steps it
    // cannot see as one execution.
    expect(db, api.exec(db, "PRAGMA journal_mode=WAL"), SQLITE_OK, "journal_mode");
    expect(db, api.exec(db, "PRAGMA synchronous=FULL"), SQLITE_OK, "synchronous");
    expect(db, api.exec(db, "CREATE TABLE IF NOT EXISTS samples(id INTEGER PRIMARY KEY, payload TEXT)"), SQLITE_OK,
           "create table");

    std::uint64_t commit_wal_syncs = 0;
    if (mode == "exec") {
        for (int row = 0; row < rows; ++row) {
            std::string sql = "INSERT INTO samples(id, payload) VALUES (" + std::to_string(row) + ", '" + payload(row) + "')";
            expect(db, api.exec(db, sql.c_str()), SQLITE_OK, "exec insert");
        }
    } else {
        sqlite3_stmt* begin = nullptr;
        sqlite3_stmt* commit = nullptr;
        sqlite3_stmt* insert = nullptr;
        bool transaction = mode == "transaction";
        if (transaction) {
            expect(db, api.prepare(db, "BEGIN", &begin), SQLITE_OK, "prepare begin");
            expect(db, api.prepare(db, "COMMIT", &commit), SQLITE_OK, "prepare commit");
            expect(db, api.step(begin), SQLITE_DONE, "begin");
        }
        expect(db, api.prepare(db, kInsert, &insert), SQLITE_OK, "prepare insert");
        for (int row = 0; row < rows; ++row) {
            std::string text = payload(row);
            sqlite3_bind_int(insert, 1, row);
            sqlite3_bind_text(insert, 2, text.c_str(), -1, SQLITE_TRANSIENT);
            expect(db, api.step(insert), SQLITE_DONE, "insert");
            api.reset(insert);
        }
        if (transaction) {
            std::uint64_t before = vfs.counts(FileRole::wal).syncs;
            expect(db, api.step(commit), SQLITE_DONE, "commit");
            commit_wal_syncs = vfs.counts(FileRole::wal).syncs - before;
        }
        for (sqlite3_stmt* statement : {insert, begin, commit})
            if (statement) api.finalize(statement);
    }
    // Closing the last connection checkpoints the WAL into the database and
    // deletes it: those syncs and the delete are part of the truth too.
    expect(db, api.close(db), SQLITE_OK, "close");
    std::uint64_t end = monotonic_ns();

    write_sqlite_truth("mode=" + mode + " n=" + std::to_string(rows) + " linkage=" + kLinkage +
                       " libsqlite3_so_mapped=" + (shared_libsqlite3_mapped() ? "1" : "0") +
                       " wall_ns=" + std::to_string(end - start) + " commit_wal_syncs=" + std::to_string(commit_wal_syncs) +
                       " " + trace.truth_fields() + " " + api.truth_fields() + " " + vfs.truth_fields());
    return 0;
}
