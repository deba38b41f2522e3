// Benchmark (not a test), issue 13 items 1 and 3: what validprof's modes add
// to real hooks, and how long it takes to start and to stop.
//
// A run is one session of a hook pipeline: vp_hook_runner runs a workload
// --invocations times in a row and times every invocation with its own
// CLOCK_MONOTONIC (fork to reap). The run is made under each mode in turn:
// no tracer, `validprof record`, `record --sql`, `--usdt`, `--stacks`, all
// three, and (with --tracer) any other tracer's command line, such as
// `perf record -g` (tests/bench/side_by_side.sh passes those). Rounds
// interleave every workload and mode, in an order rotated from one round to
// the next, so that drift of a shared machine falls on all of them alike.
//
// Workloads:
//   node         `node -e 0`: a Node start-up, a Node hook without SQLite;
//   node-sqlite  a Node post-edit hook using better-sqlite3: opens a WAL
//                database, upserts in a transaction with prepared
//                statements, reads back (the same database every time);
//   c            `vp_burn_sleep 1 4`, the short C hook of bench_hook_overhead;
//   true         /bin/true, for start and stop alone.
//
// Per workload and mode:
//   - the median wall time of one hook invocation (the runner's clock) and
//     its ratio to no tracer; the same for the first invocation of a run
//     (where a tracer's first sight of an executable costs most);
//   - the whole script (runner's first action to its last reap) and the
//     whole tracer process (the parent's clock from just before the exec of
//     the tracer to its reap), each with its ratio to no tracer;
//   - start: from the exec of the tracer (noted by the child just before
//     execv) to the runner's first action: the time to ready;
//   - stop: from the runner's end (after its last hook was reaped) to the
//     tracer's exit: storing the session and detaching;
//   - for validprof: the gate holds it stored for the session
//     (note_gate_holds, note_gate_held_us), the processes it stored, and,
//     for --sql, the statements it stored against the hook's own count.
// The load average is printed before and after each workload. Nothing
// passes or fails on a timing; docs/performance.md records the figures.
#include <signal.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "session_reader.h"
#include "temp_directory.h"
#include "bench_utilities.h"

namespace fs = std::filesystem;
using namespace validprof::bench;

namespace {

using validprof::bench::monotonic_ns;
using validprof::bench::split;
using validprof::bench::load_average;

const char* const kUsage =
    "usage: bench_node_hooks [--rounds R] [--invocations N] [--workloads LIST] [--modes LIST]\n"
    "                        [--tracer NAME=COMMAND]... [--fresh-db] [--node-modules DIR]\n"
    "                        [--validprof PATH]\n"
    "\n"
    "Benchmark (run as root): hook sessions of N invocations (vp_hook_runner) under\n"
    "no tracer and validprof's modes, interleaved; per mode the median wall time of\n"
    "an invocation, the whole script's and the tracer process's wall time, each\n"
    "against no tracer, the time to ready and the time from the command's end to\n"
    "the tracer's exit, and the gate holds validprof stored.\n"
    "  --rounds R            rounds; each runs every workload under every mode (default 5)\n"
    "  --invocations N       hook invocations per session (default 20)\n"
    "  --workloads LIST      comma-separated: node, node-sqlite, c, true\n"
    "                        (default node,node-sqlite)\n"
    "  --modes LIST          comma-separated: none, record, sql, usdt, stacks, all\n"
    "                        (default: all six)\n"
    "  --tracer NAME=COMMAND another tracer as a mode: COMMAND (split at spaces) is put\n"
    "                        before the runner's command line; {out} in it becomes a\n"
    "                        fresh file path per run, removed afterwards\n"
    "  --fresh-db            a new profile database per validprof run (default: one per\n"
    "                        mode, kept across rounds, as a user's ./validprof.db is)\n"
    "  --node-modules DIR    node_modules holding better-sqlite3 (default: the build\n"
    "                        tree's test cache, installed there with npm if missing)\n"
    "  --validprof PATH      the validprof executable to measure\n"
    "\n"
    "example:\n"
    "  sudo ./build/tests/bench/bench_node_hooks --rounds 5 --invocations 20\n"
    "  sudo ./build/tests/bench/bench_node_hooks --workloads true --modes none,record,all\n";

// Exit code when the benchmark cannot run here at all (ctest SKIP_RETURN_CODE).
constexpr int kSkipped = 77;

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string percent(double value, double base) {
    if (base <= 0) return "-";
    char text[32];
    std::snprintf(text, sizeof(text), "%+.2f %%", (value / base - 1) * 100);
    return text;
}

struct Options {
    int rounds = 5;
    int invocations = 20;
    std::vector<std::string> workloads = {"node", "node-sqlite"};
    std::vector<std::string> modes = {"none", "record", "sql", "usdt", "stacks", "all"};
    std::vector<std::pair<std::string, std::string>> tracers;  // name, command
    bool fresh_db = false;
    std::string node_modules;
    std::string validprof = VALIDPROF_BINARY;
};

bool parse_options(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        std::string option = argv[i];
        const char* text = i + 1 < argc ? argv[i + 1] : nullptr;
        if (option == "--help" || option == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (option == "--fresh-db") {
            options.fresh_db = true;
            continue;
        } else if (!text) {
            return false;
        } else if (option == "--rounds") {
            options.rounds = std::atoi(text);
        } else if (option == "--invocations") {
            options.invocations = std::atoi(text);
        } else if (option == "--workloads") {
            options.workloads = split(text, ',');
        } else if (option == "--modes") {
            options.modes = split(text, ',');
        } else if (option == "--tracer") {
            std::string value = text;
            auto equals = value.find('=');
            if (equals == std::string::npos || equals == 0) return false;
            options.tracers.emplace_back(value.substr(0, equals), value.substr(equals + 1));
        } else if (option == "--node-modules") {
            options.node_modules = text;
        } else if (option == "--validprof") {
            options.validprof = text;
        } else {
            return false;
        }
        ++i;
    }
    return options.rounds > 0 && options.invocations > 0;
}

// ---- workloads --------------------------------------------------------------

// A post-edit hook as the observed Node CLIs write them: one WAL database,
// a transaction of prepared upserts, a read back. It counts its statements
// (better-sqlite3 runs none of its own) so the stored ones can be checked.
constexpr const char* kSqliteHook = R"JS(
const Database = require('better-sqlite3');
const db = new Database(process.argv[2]);
let statements = 0;
db.pragma('journal_mode = WAL'); statements++;
db.pragma('synchronous = NORMAL'); statements++;
db.exec('CREATE TABLE IF NOT EXISTS edits(file TEXT PRIMARY KEY, edits INTEGER NOT NULL, last_ms INTEGER NOT NULL)'); statements++;
db.exec('CREATE TABLE IF NOT EXISTS memory(key TEXT, value TEXT, namespace TEXT, UNIQUE(key, namespace))'); statements++;
const edit = db.prepare('INSERT INTO edits(file, edits, last_ms) VALUES (?, 1, ?) ' +
                        'ON CONFLICT(file) DO UPDATE SET edits = edits + 1, last_ms = excluded.last_ms');
const remember = db.prepare('INSERT INTO memory(key, value, namespace) VALUES (?, ?, ?) ' +
                            'ON CONFLICT(key, namespace) DO UPDATE SET value = excluded.value');
const recent = db.prepare('SELECT file, edits FROM edits ORDER BY last_ms DESC LIMIT 5');
const save = db.transaction((file) => {
  edit.run(file, Date.now()); statements++;
  for (let i = 0; i < 5; ++i) { remember.run('k' + i, 'edited ' + file + ' at ' + Date.now(), 'post-edit'); statements++; }
  statements += 2;  // BEGIN, COMMIT
  return recent.all();
});
const rows = save(process.argv[3] || 'src/index.ts'); statements++;
db.close();
if (process.env.VP_HOOK_STATEMENTS) require('fs').appendFileSync(process.env.VP_HOOK_STATEMENTS, statements + '\n');
if (rows.length === 0) process.exit(1);
)JS";

struct Workload {
    std::string name;
    std::vector<std::string> command;  // what the runner starts each time
    std::string skipped;               // why it cannot run here, if it cannot
};

// In a forked child: output to log_path (appended), then argv's
// NULL-terminated form for execvp.
std::vector<char*> prepare_logged_child(const std::vector<std::string>& argv, const std::string& log_path) {
    if (FILE* log = std::fopen(log_path.c_str(), "a")) {
        dup2(fileno(log), STDOUT_FILENO);
        dup2(fileno(log), STDERR_FILENO);
    }
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    return args;
}

// Runs argv, output to log_path; returns its exit code.
int run_quietly(const std::vector<std::string>& argv, const std::string& log_path) {
    pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> args = prepare_logged_child(argv, log_path);
        execvp(args[0], args.data());
        _exit(127);
    }
    if (pid < 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail_of(const std::string& path) {
    std::ifstream file(path);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

// better-sqlite3 12, as the tests install it: once per build tree, with npm
// (it compiles its addon when no prebuilt one can be fetched). Returns the
// node_modules directory, or sets `why` and returns "".
std::string find_better_sqlite3(const Options& options, const TempDirectory& directory, std::string& why) {
    const std::string marker = "better-sqlite3/build/Release/better_sqlite3.node";
    if (!options.node_modules.empty()) {
        if (fs::exists(fs::path(options.node_modules) / marker)) return options.node_modules;
        why = "no " + marker + " under --node-modules " + options.node_modules;
        return "";
    }
    fs::path prefix = fs::path(VALIDPROF_TEST_CACHE_DIR) / "npm" / "better-sqlite3@12";
    fs::path node_modules = prefix / "node_modules";
    if (fs::exists(node_modules / marker)) return node_modules.string();
    std::string log = directory.file("npm-install.log");
    std::printf("(installing better-sqlite3@12 with npm into %s)\n", prefix.c_str());
    std::error_code ignored;
    fs::create_directories(prefix, ignored);
    int code = run_quietly({"npm", "install", "--prefix", prefix.string(), "--no-audit", "--no-fund",
                            "--loglevel=error", "better-sqlite3@12"},
                           log);
    if (code == 0 && fs::exists(node_modules / marker)) return node_modules.string();
    fs::remove_all(prefix, ignored);
    why = code == 127 ? "npm is not installed"
                      : "npm install better-sqlite3@12 failed (exit " + std::to_string(code) + "): " + tail_of(log);
    return "";
}

std::vector<Workload> make_workloads(const Options& options, const TempDirectory& directory) {
    std::vector<Workload> workloads;
    bool have_node = run_quietly({"node", "--version"}, directory.file("node-version.log")) == 0;
    for (const std::string& name : options.workloads) {
        Workload workload{name, {}, ""};
        if (name == "node") {
            workload.command = {"node", "-e", "0"};
            if (!have_node) workload.skipped = "node is not installed (no `node --version`)";
        } else if (name == "node-sqlite") {
            std::string script = directory.file("post_edit_hook.js");
            std::ofstream(script) << kSqliteHook;
            workload.command = {"node", script, directory.file("hook-state.db"), "src/index.ts"};
            if (!have_node) {
                workload.skipped = "node is not installed (no `node --version`)";
            } else {
                std::string why;
                std::string node_modules = find_better_sqlite3(options, directory, why);
                if (node_modules.empty())
                    workload.skipped = "better-sqlite3 is unavailable: " + why;
                else
                    setenv("NODE_PATH", node_modules.c_str(), 1);  // inherited by every run
            }
        } else if (name == "c") {
            workload.command = {VP_BURN_SLEEP, "1", "4"};
        } else if (name == "true") {
            workload.command = {"/bin/true"};
        } else {
            fail("unknown workload '" + name + "' (node, node-sqlite, c, true)");
        }
        workloads.push_back(std::move(workload));
    }
    return workloads;
}

// ---- modes ------------------------------------------------------------------

struct Mode {
    std::string name;
    std::vector<std::string> prefix;  // before the runner's argv; {out}, {db} substituted
    bool validprof = false;
    bool sql = false;
};

std::vector<Mode> make_modes(const Options& options) {
    std::vector<Mode> modes;
    const std::map<std::string, std::vector<std::string>> validprof_options = {
        {"record", {}},
        {"sql", {"--sql"}},
        {"usdt", {"--usdt"}},
        {"stacks", {"--stacks"}},
        {"all", {"--stacks", "--sql", "--usdt"}},
    };
    for (const std::string& name : options.modes) {
        if (name == "none") {
            modes.push_back({"none", {}, false, false});
            continue;
        }
        auto found = validprof_options.find(name);
        if (found == validprof_options.end())
            fail("unknown mode '" + name + "' (none, record, sql, usdt, stacks, all)");
        std::string label = "record";
        for (const std::string& word : found->second) label += " " + word;
        Mode mode{label, {options.validprof, "record"}, true, name == "sql" || name == "all"};
        mode.prefix.insert(mode.prefix.end(), found->second.begin(), found->second.end());
        mode.prefix.insert(mode.prefix.end(), {"--db", "{db}", "--"});
        modes.push_back(std::move(mode));
    }
    for (const auto& [name, command] : options.tracers) modes.push_back({name, split(command, ' '), false, false});
    if (modes.empty() || modes.front().name != "none") fail("--modes must start with none (the baseline)");
    return modes;
}

// ---- one run ------------------------------------------------------------------

struct RunResult {
    std::vector<double> invocation_ns;  // the runner's clock, in order
    double script_ns = 0;               // runner's first action to its last reap
    double process_ns = 0;              // exec of the tracer (or runner) to its reap
    double ready_ns = 0;                // exec of the tracer to the runner's first action
    double stop_ns = 0;                 // runner's end to the tracer's reap
};

struct RunnerTimes {
    std::uint64_t start_mono = 0, end_mono = 0;
    std::vector<double> walls;
};

RunnerTimes read_runner_times(const std::string& path) {
    RunnerTimes times;
    std::ifstream file(path);
    std::string word;
    while (file >> word) {
        auto equals = word.find('=');
        if (equals == std::string::npos) continue;
        std::string key = word.substr(0, equals);
        std::uint64_t value = std::strtoull(word.c_str() + equals + 1, nullptr, 10);
        if (key == "start_mono_ns") times.start_mono = value;
        if (key == "end_mono_ns") times.end_mono = value;
        if (key == "wall_ns") times.walls.push_back(static_cast<double>(value));
    }
    return times;
}

std::string substitute(std::string word, const std::string& placeholder, const std::string& value) {
    for (auto at = word.find(placeholder); at != std::string::npos; at = word.find(placeholder, at + value.size()))
        word.replace(at, placeholder.size(), value);
    return word;
}

// Runs argv with its output in log_path. The child writes CLOCK_MONOTONIC
// into shared memory just before execv: the parent's "exec" moment.
RunResult run_session(const std::vector<std::string>& argv, const std::string& times_path, const std::string& log_path) {
    void* shared = mmap(nullptr, sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) fail(std::string("mmap: ") + std::strerror(errno));
    auto* exec_ns = static_cast<std::atomic<std::uint64_t>*>(shared);
    new (exec_ns) std::atomic<std::uint64_t>(0);
    std::remove(times_path.c_str());
    pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> args = prepare_logged_child(argv, log_path);
        exec_ns->store(monotonic_ns());
        execvp(args[0], args.data());
        _exit(127);
    }
    if (pid < 0) fail(std::string("fork: ") + std::strerror(errno));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::uint64_t reaped = monotonic_ns();
    std::uint64_t started = exec_ns->load();
    munmap(shared, sizeof(std::uint64_t));
    RunnerTimes times = read_runner_times(times_path);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || times.walls.empty() || !times.end_mono)
        fail(argv[0] + " failed (status " + std::to_string(status) + "):\n" + tail_of(log_path));
    RunResult result;
    result.invocation_ns = times.walls;
    result.script_ns = static_cast<double>(times.end_mono - times.start_mono);
    result.process_ns = static_cast<double>(reaped - started);
    result.ready_ns = static_cast<double>(times.start_mono) - static_cast<double>(started);
    result.stop_ns = static_cast<double>(reaped) - static_cast<double>(times.end_mono);
    return result;
}

// ---- what validprof stored -----------------------------------------------------

struct StoredCost {
    std::uint64_t gate_holds = 0;
    std::uint64_t gate_held_us = 0;
    std::uint64_t processes = 0;
    std::uint64_t statements = 0;  // sql_executions of the session
    std::uint64_t lost = 0;
};

std::uint64_t count_statements(const std::string& db_path, std::int64_t session) {
    sqlite3* db = nullptr;
    std::uint64_t count = 0;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sql_executions WHERE session_id = ?1", -1, &statement,
                               nullptr) == SQLITE_OK) {
            sqlite3_bind_int64(statement, 1, session);
            if (sqlite3_step(statement) == SQLITE_ROW) count = static_cast<std::uint64_t>(sqlite3_column_int64(statement, 0));
        }
        sqlite3_finalize(statement);
    }
    sqlite3_close_v2(db);
    return count;
}

StoredCost read_stored_cost(const std::string& db_path) {
    auto session = read_latest_session(db_path);
    if (!session) fail(session.error().message);
    StoredCost cost;
    auto reason = [&](const char* name) {
        auto found = session->lost_by_reason.find(name);
        return found == session->lost_by_reason.end() ? 0 : found->second;
    };
    cost.gate_holds = reason("note_gate_holds");
    cost.gate_held_us = reason("note_gate_held_us");
    for (const StoredInvocation& invocation : session->invocations) cost.processes += invocation.processes;
    cost.statements = count_statements(db_path, session->id);
    cost.lost = session->lost_events;
    return cost;
}

// ---- the benchmark ----------------------------------------------------------------

struct Measured {
    std::vector<double> invocations, first_invocations, scripts, processes, ready, stop;
    std::vector<StoredCost> stored;
    int failed_runs = 0;
};

class Bench {
public:
    Bench(Options options, const TempDirectory& directory)
        : options_(std::move(options)), directory_(directory), modes_(make_modes(options_)) {}

    int run() {
        std::vector<Workload> workloads = make_workloads(options_, directory_);
        std::vector<const Workload*> runnable;
        for (const Workload& workload : workloads) {
            if (workload.skipped.empty())
                runnable.push_back(&workload);
            else
                std::printf("workload %s skipped: %s\n", workload.name.c_str(), workload.skipped.c_str());
        }
        if (runnable.empty()) {
            std::printf("nothing to measure: every workload was skipped\n");
            return kSkipped;
        }
        for (const Workload* workload : runnable) warm_up(*workload);

        std::string load_before = load_average();
        std::uint64_t began = monotonic_ns();
        for (int round = 0; round < options_.rounds; ++round) {
            std::printf("round %d/%d (load average %s)\n", round + 1, options_.rounds, load_average().c_str());
            for (const Workload* workload : runnable) {
                // Rotated, so no mode always follows the same one.
                for (std::size_t k = 0; k < modes_.size(); ++k) {
                    const Mode& mode = modes_[(k + static_cast<std::size_t>(round)) % modes_.size()];
                    measure(*workload, mode, round);
                }
            }
        }
        double minutes = static_cast<double>(monotonic_ns() - began) / 60e9;
        std::string load_after = load_average();
        for (const Workload* workload : runnable) print_workload(*workload, load_before, load_after, minutes);
        return 0;
    }

private:
    std::vector<std::string> runner_argv(const Workload& workload, const std::string& times_path) const {
        std::vector<std::string> argv = {VP_HOOK_RUNNER, times_path, std::to_string(options_.invocations)};
        argv.insert(argv.end(), workload.command.begin(), workload.command.end());
        return argv;
    }

    void warm_up(const Workload& workload) {
        // Page cache, the Node compile cache, the hook's database.
        run_session(runner_argv(workload, directory_.file("warm.times")), directory_.file("warm.times"),
                    directory_.file("warm.log"));
    }

    void measure(const Workload& workload, const Mode& mode, int round) {
        std::string tag = workload.name + "-" + std::to_string(round) + "-" + std::to_string(counter_++);
        std::string times = directory_.file(tag + ".times");
        std::string out = directory_.file(tag + ".out");
        std::string db = options_.fresh_db ? directory_.file(tag + ".db") : directory_.file(mode_file(mode) + ".db");
        std::vector<std::string> argv;
        for (const std::string& word : mode.prefix) argv.push_back(substitute(substitute(word, "{out}", out), "{db}", db));
        std::vector<std::string> runner = runner_argv(workload, times);
        argv.insert(argv.end(), runner.begin(), runner.end());

        std::string statements_path = directory_.file("statements.txt");
        std::remove(statements_path.c_str());
        setenv("VP_HOOK_STATEMENTS", statements_path.c_str(), 1);
        Measured& into = measured_[workload.name][mode.name];
        RunResult result;
        try {
            result = run_session(argv, times, directory_.file(tag + ".log"));
        } catch (const std::exception& failure) {
            // A tracer that crashes (perf 6.1 does, now and then) loses that
            // run, not the benchmark: counted, shown, left out of the medians.
            unsetenv("VP_HOOK_STATEMENTS");
            ++into.failed_runs;
            std::string first_line = failure.what();
            first_line = first_line.substr(0, first_line.find('\n'));
            std::printf("  %-12s %-28s RUN FAILED: %s\n", workload.name.c_str(), mode.name.c_str(),
                        first_line.c_str());
            std::printf("%s\n", tail_of(directory_.file(tag + ".log")).substr(0, 600).c_str());
            return;
        }
        unsetenv("VP_HOOK_STATEMENTS");

        into.invocations.insert(into.invocations.end(), result.invocation_ns.begin(), result.invocation_ns.end());
        into.first_invocations.push_back(result.invocation_ns.front());
        into.scripts.push_back(result.script_ns);
        into.processes.push_back(result.process_ns);
        into.ready.push_back(result.ready_ns);
        into.stop.push_back(result.stop_ns);
        std::string stored_text;
        if (mode.validprof) {
            StoredCost cost = read_stored_cost(db);
            std::uint64_t hook_statements = 0;
            std::ifstream counts(statements_path);
            for (std::uint64_t n = 0; counts >> n;) hook_statements += n;
            char text[200];
            std::snprintf(text, sizeof(text), "  gate holds %llu (%.1f ms), %llu processes stored",
                          static_cast<unsigned long long>(cost.gate_holds), static_cast<double>(cost.gate_held_us) / 1e3,
                          static_cast<unsigned long long>(cost.processes));
            stored_text = text;
            if (mode.sql && hook_statements) {
                std::snprintf(text, sizeof(text), ", %llu of the hooks' %llu statements stored",
                              static_cast<unsigned long long>(cost.statements),
                              static_cast<unsigned long long>(hook_statements));
                stored_text += text;
            }
            if (cost.lost) stored_text += ", " + std::to_string(cost.lost) + " events lost";
            into.stored.push_back(cost);
        }
        std::error_code ignored;
        fs::remove(out, ignored);
        fs::remove(out + ".old", ignored);
        if (options_.fresh_db) {
            fs::remove(db, ignored);
            fs::remove(db + "-wal", ignored);
            fs::remove(db + "-shm", ignored);
        }
        std::printf("  %-12s %-28s hook median %8.2f ms  script %8.1f ms  process %8.1f ms  ready %6.1f ms  "
                    "stop %6.1f ms%s\n",
                    workload.name.c_str(), mode.name.c_str(), median(result.invocation_ns) / 1e6,
                    result.script_ns / 1e6, result.process_ns / 1e6, result.ready_ns / 1e6, result.stop_ns / 1e6,
                    stored_text.c_str());
    }

    static std::string mode_file(const Mode& mode) {
        std::string name;
        for (char c : mode.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        return name;
    }

    void print_workload(const Workload& workload, const std::string& load_before, const std::string& load_after,
                        double minutes) const {
        const auto& by_mode = measured_.at(workload.name);
        const Measured& base = by_mode.at("none");
        double base_invocation = median(base.invocations), base_first = median(base.first_invocations);
        double base_script = median(base.scripts), base_process = median(base.processes);
        std::string command;
        for (const std::string& word : workload.command) command += (command.empty() ? "" : " ") + word;
        std::printf("\n== %s: `%s`, %d invocations per session, %d interleaved rounds (%.1f min); "
                    "load average %s before, %s after\n",
                    workload.name.c_str(), command.c_str(), options_.invocations, options_.rounds, minutes,
                    load_before.c_str(), load_after.c_str());
        std::printf("  %-28s %11s %10s %11s %10s %11s %10s %11s %10s\n", "mode", "invocation", "added", "1st inv.",
                    "added", "script", "added", "process", "added");
        for (const Mode& mode : modes_) {
            auto found = by_mode.find(mode.name);
            if (found == by_mode.end() || found->second.scripts.empty()) {
                std::printf("  %-28s every run failed\n", mode.name.c_str());
                continue;
            }
            const Measured& m = found->second;
            double invocation = median(m.invocations), first = median(m.first_invocations);
            double script = median(m.scripts), process = median(m.processes);
            std::printf("  %-28s %8.2f ms %10s %8.2f ms %10s %8.1f ms %10s %8.1f ms %10s\n", mode.name.c_str(),
                        invocation / 1e6, percent(invocation, base_invocation).c_str(), first / 1e6,
                        percent(first, base_first).c_str(), script / 1e6, percent(script, base_script).c_str(),
                        process / 1e6, percent(process, base_process).c_str());
            if (m.failed_runs) std::printf("  %-28s (%d runs failed, left out)\n", "", m.failed_runs);
        }
        std::printf("  start and stop (medians over the rounds): ready = exec of the tracer to the command's first "
                    "action; stop = the command's end to the tracer's exit\n");
        std::printf("  %-28s %10s %10s %10s %10s %14s %12s\n", "mode", "ready", "ready max", "stop", "stop max",
                    "gate holds", "held");
        for (const Mode& mode : modes_) {
            auto found = by_mode.find(mode.name);
            if (found == by_mode.end() || found->second.scripts.empty()) continue;
            const Measured& m = found->second;
            std::string holds = "-", held = "-";
            if (!m.stored.empty()) {
                std::vector<double> h, t;
                for (const StoredCost& cost : m.stored) {
                    h.push_back(static_cast<double>(cost.gate_holds));
                    t.push_back(static_cast<double>(cost.gate_held_us) / 1e3);
                }
                char text[64];
                std::snprintf(text, sizeof(text), "%.0f/session", median(h));
                holds = text;
                std::snprintf(text, sizeof(text), "%.1f ms", median(t));
                held = text;
            }
            std::printf("  %-28s %7.1f ms %7.1f ms %7.1f ms %7.1f ms %14s %12s\n", mode.name.c_str(),
                        median(m.ready) / 1e6, *std::max_element(m.ready.begin(), m.ready.end()) / 1e6,
                        median(m.stop) / 1e6, *std::max_element(m.stop.begin(), m.stop.end()) / 1e6, holds.c_str(),
                        held.c_str());
        }
    }

    Options options_;
    const TempDirectory& directory_;
    std::vector<Mode> modes_;
    std::map<std::string, std::map<std::string, Measured>> measured_;
    int counter_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    Options options;
    if (!parse_options(argc, argv, options)) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    if (geteuid() != 0) {
        std::fprintf(stderr, "bench_node_hooks: skipped: needs root (it runs validprof record): run with sudo\n");
        return kSkipped;
    }
    try {
        utsname names{};
        uname(&names);
        std::printf("bench_node_hooks: %u CPUs, Linux %s, load average %s, validprof %s\n",
                    std::thread::hardware_concurrency(), names.release, load_average().c_str(),
                    options.validprof.c_str());
        TempDirectory directory;
        Bench bench(options, directory);
        return bench.run();
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "bench_node_hooks: %s\n", failure.what());
        return 1;
    }
}
