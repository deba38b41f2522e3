// Two processes writing one SQLite database at once:
// vp_sqlite_contend DBPATH N BUSY_TIMEOUT_MS [HOLD_MS [RETRY]]. The parent
// creates the WAL database, forks, and parent and child each run N write
// transactions (BEGIN IMMEDIATE; INSERT; hold the write lock HOLD_MS,
// default 1; COMMIT), started together so that they collide.
//
// Each process installs its own busy handler, which counts its calls and
// sleeps 1 ms per call, measuring that wait by its own clock, until
// BUSY_TIMEOUT_MS has passed in one busy episode (0: give up at once). Then
// SQLITE_BUSY reaches the program, which counts it, sleeps 1 ms and steps
// again: after sqlite3_reset (RETRY "reset", the default: a new execution,
// which SQLite's trace reports again), or directly (RETRY "step": SQLite
// resumes the statement where the lock was refused, the same execution).
// Each process reports busy_handler_calls, busy_wait_ns, busy_results
// (SQLITE_BUSY returned by sqlite3_step), what SQLite's trace and the
// counting VFS saw (sqlite_truth.h) and its wall time.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sqlite_truth.h"

using namespace validprof::workloads;

namespace {

[[noreturn]] void fail(sqlite3* db, const char* what) {
    std::fprintf(stderr, "vp_sqlite_contend[%d]: %s: %s\n", getpid(), what, db ? sqlite3_errmsg(db) : "no connection");
    std::exit(1);
}

struct BusyHandler {
    std::uint64_t timeout_ns = 0;
    std::uint64_t calls = 0;
    std::uint64_t wait_ns = 0;           // inside the handler, by this process's clock
    std::uint64_t episode_start_ns = 0;  // when the current busy episode began

    // SQLite calls it with count = 0 at the first refusal of a lock, then
    // 1, 2, ... while it keeps returning nonzero.
    static int handle(void* context, int count) {
        auto* self = static_cast<BusyHandler*>(context);
        std::uint64_t now = monotonic_ns();
        ++self->calls;
        if (count == 0) self->episode_start_ns = now;
        if (now - self->episode_start_ns >= self->timeout_ns) return 0;
        sleep_ms(1);
        self->wait_ns += monotonic_ns() - now;
        return 1;
    }
};

enum class Retry { reset, step };

// Steps until the statement is done, counting SQLITE_BUSY results; a busy
// statement is stepped again after 1 ms, reset first with Retry::reset.
void step_through_busy(sqlite3* db, CountedApi& api, sqlite3_stmt* statement, Retry retry, std::uint64_t& busy_results,
                       const char* what) {
    for (;;) {
        int rc = api.step(statement);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_BUSY) fail(db, what);
        ++busy_results;
        if (retry == Retry::reset) api.reset(statement);
        sleep_ms(1);
    }
    api.reset(statement);
}

// Parent and child start their transactions together, but open and prepare
// one after the other: the first connection to a WAL database rebuilds its
// shared-memory index under exclusive locks, and a second one opening at the
// same moment would be refused them outside any statement. So the child
// opens and prepares, says ready; the parent waits for that, opens and
// prepares, says go. Each closes the pipe ends it does not use, so that if
// the other dies, its read sees end-of-file and it exits instead of waiting.
class StartLine {
public:
    StartLine() {
        if (pipe2(ready_, O_CLOEXEC) != 0 || pipe2(go_, O_CLOEXEC) != 0) std::exit(1);
    }
    void after_fork(bool parent) {
        close(parent ? ready_[1] : ready_[0]);
        close(parent ? go_[0] : go_[1]);
        parent_ = parent;
    }
    // Before sqlite3_open: the parent waits until the child has prepared.
    void before_open() {
        if (parent_) transfer(ready_[0], false);
    }
    // After the last prepare: the child says ready and waits; the parent says go.
    void after_prepare() {
        if (parent_) {
            transfer(go_[1], true);
        } else {
            transfer(ready_[1], true);
            transfer(go_[0], false);
        }
    }

private:
    static void transfer(int fd, bool send) {
        char byte = 'g';
        if ((send ? write(fd, &byte, 1) : read(fd, &byte, 1)) != 1) {
            std::fprintf(stderr, "vp_sqlite_contend[%d]: the other writer is gone\n", getpid());
            std::exit(1);
        }
    }

    int ready_[2] = {-1, -1};  // child -> parent
    int go_[2] = {-1, -1};     // parent -> child
    bool parent_ = false;
};

struct Settings {
    const char* path = nullptr;
    int rows = 0;
    std::uint64_t timeout_ms = 0;
    double hold_ms = 1;
    Retry retry = Retry::reset;
};

void write_rows(const Settings& settings, const char* role, StartLine& start_line) {
    std::uint64_t start = monotonic_ns();
    CountingVfs& vfs = CountingVfs::install();
    CountedApi api;
    StatementTrace trace;
    BusyHandler busy{settings.timeout_ms * 1'000'000ull};
    sqlite3* db = nullptr;
    start_line.before_open();
    if (api.open(settings.path, &db) != SQLITE_OK) fail(db, "open");
    trace.install(db);
    sqlite3_busy_handler(db, &BusyHandler::handle, &busy);
    sqlite3_stmt* begin = nullptr;
    sqlite3_stmt* insert = nullptr;
    sqlite3_stmt* commit = nullptr;
    if (api.prepare(db, "BEGIN IMMEDIATE", &begin) != SQLITE_OK) fail(db, "prepare begin");
    if (api.prepare(db, "INSERT INTO contended(writer, n) VALUES (?1, ?2)", &insert) != SQLITE_OK) fail(db, "prepare insert");
    if (api.prepare(db, "COMMIT", &commit) != SQLITE_OK) fail(db, "prepare commit");

    start_line.after_prepare();

    std::uint64_t busy_results = 0;
    for (int row = 0; row < settings.rows; ++row) {
        step_through_busy(db, api, begin, settings.retry, busy_results, "begin immediate");
        sqlite3_bind_text(insert, 1, role, -1, SQLITE_STATIC);
        sqlite3_bind_int(insert, 2, row);
        step_through_busy(db, api, insert, settings.retry, busy_results, "insert");
        sleep_ms(settings.hold_ms);
        step_through_busy(db, api, commit, settings.retry, busy_results, "commit");
    }
    for (sqlite3_stmt* statement : {begin, insert, commit}) api.finalize(statement);
    if (api.close(db) != SQLITE_OK) fail(db, "close");
    std::uint64_t end = monotonic_ns();
    write_sqlite_truth(std::string("role=") + role + " n=" + std::to_string(settings.rows) +
                       " busy_timeout_ms=" + std::to_string(settings.timeout_ms) +
                       " retry=" + (settings.retry == Retry::reset ? "reset" : "step") + " wall_ns=" + std::to_string(end - start) +
                       " busy_handler_calls=" + std::to_string(busy.calls) + " busy_wait_ns=" + std::to_string(busy.wait_ns) +
                       " busy_results=" + std::to_string(busy_results) + " " + trace.truth_fields() + " " +
                       api.truth_fields() + " " + vfs.truth_fields());
}

// The schema and WAL mode, set once before the writers start (in a process
// of its own, so that no connection crosses the fork).
void create_database(const char* path) {
    pid_t pid = fork();
    if (pid == 0) {
        sqlite3* db = nullptr;
        if (sqlite3_open(path, &db) != SQLITE_OK) fail(db, "open");
        const char* setup =
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
            "CREATE TABLE IF NOT EXISTS contended(writer TEXT, n INTEGER)";
        if (sqlite3_exec(db, setup, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db, "create");
        sqlite3_close(db);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || argc > 6) {
        std::fprintf(stderr,
                     "usage: vp_sqlite_contend DBPATH N BUSY_TIMEOUT_MS [HOLD_MS [reset|step]]\n"
                     "example: VALIDPROF_TRUTH=/tmp/t vp_sqlite_contend /tmp/c.db 100 2000\n");
        return 2;
    }
    Settings settings;
    settings.path = argv[1];
    settings.rows = std::atoi(argv[2]);
    settings.timeout_ms = static_cast<std::uint64_t>(std::atoll(argv[3]));
    if (argc > 4) settings.hold_ms = std::atof(argv[4]);
    if (argc > 5) settings.retry = std::string(argv[5]) == "step" ? Retry::step : Retry::reset;

    create_database(settings.path);
    StartLine start_line;
    pid_t child = fork();
    if (child < 0) return 1;
    start_line.after_fork(child != 0);
    if (child == 0) {
        write_rows(settings, "child", start_line);
        _exit(0);
    }
    write_rows(settings, "parent", start_line);
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
