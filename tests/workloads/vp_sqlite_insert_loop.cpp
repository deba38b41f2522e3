// The benchmark's hook: a tight loop of one prepared INSERT, N times inside
// one transaction, on a database where I/O does not dominate:
// vp_sqlite_insert_loop N DBPATH (":memory:", or a file put in WAL mode with
// synchronous=OFF). Linked against the system libsqlite3.so. No trace
// callback or counting VFS: the loop must cost what SQLite costs.
//
// Reports loop_ns (its own clock, BEGIN to COMMIT) and the number of
// statements it ran, so that a benchmark can divide.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "workload_truth.h"

using namespace validprof::workloads;

namespace {

[[noreturn]] void fail(sqlite3* db, const char* what) {
    std::fprintf(stderr, "vp_sqlite_insert_loop: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no connection");
    std::exit(1);
}

void exec(sqlite3* db, const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db, sql);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr,
                     "usage: vp_sqlite_insert_loop N DBPATH\n"
                     "example: VALIDPROF_TRUTH=/tmp/t vp_sqlite_insert_loop 200000 :memory:\n");
        return 2;
    }
    long rows = std::atol(argv[1]);
    const char* path = argv[2];
    std::uint64_t start = monotonic_ns();
    sqlite3* db = nullptr;
    if (sqlite3_open(path, &db) != SQLITE_OK) fail(db, "open");
    std::uint64_t statements = 0;
    if (std::strcmp(path, ":memory:") != 0) {
        exec(db, "PRAGMA journal_mode=WAL");
        exec(db, "PRAGMA synchronous=OFF");
        statements += 2;
    }
    exec(db, "CREATE TABLE IF NOT EXISTS loop(id INTEGER PRIMARY KEY, value INTEGER)");
    sqlite3_stmt* insert = nullptr;
    if (sqlite3_prepare_v2(db, "INSERT INTO loop(value) VALUES (?1)", -1, &insert, nullptr) != SQLITE_OK) fail(db, "prepare");
    statements += 1;

    std::uint64_t loop_start = monotonic_ns();
    exec(db, "BEGIN");
    for (long row = 0; row < rows; ++row) {
        sqlite3_bind_int64(insert, 1, row);
        if (sqlite3_step(insert) != SQLITE_DONE) fail(db, "insert");
        sqlite3_reset(insert);
    }
    exec(db, "COMMIT");
    std::uint64_t loop_end = monotonic_ns();
    statements += static_cast<std::uint64_t>(rows) + 2;

    sqlite3_finalize(insert);
    sqlite3_close(db);
    write_truth("inserts=" + std::to_string(rows) + " statements=" + std::to_string(statements) +
                " loop_ns=" + std::to_string(loop_end - loop_start) + " wall_ns=" + std::to_string(monotonic_ns() - start));
    return 0;
}
