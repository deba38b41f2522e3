// Benchmark (not a test), issue 13 item 4: how many fork/exec/exit events
// per second validprof's userspace side takes in with no loss, and whether
// its lost-event counters are exact once it cannot keep up.
//
// Each step is one `validprof record -- vp_storm KIND WORKERS PER_WORKER
// RATE`: WORKERS processes released together create short tasks (exec: fork
// and exec of the static vp_noop; fork: fork and _exit; thread: a thread
// that returns at once), paced to RATE tasks/s in all. The storm counts what
// it created; that count is the truth. Every task is one fork and one exit
// event, an exec task also one exec event; the storm's own processes add
// theirs (expected events = forks + execs + exits of the whole tree).
// The rate of a step is those events over the storm's own duration.
//
// Against the truth, from what validprof stored (processes rows of the
// session, its lost_events rows):
//   exits:  processes stored as exited + ringbuf_full_exit must equal the
//           processes the storm tree had (exec and fork storms: one thread
//           each, so one exit event per process);
//   execs:  processes stored with vp_noop as their executable (the root's
//           own exec included) + ringbuf_full_exec must equal the execs;
//   threads (thread storms): a thread is stored from its fork event, or
//           from its exit event when the fork was lost, so the threads
//           missing (created plus the workers' main threads, minus stored)
//           must be 0 without loss and at most min(ringbuf_full_fork,
//           ringbuf_full_exit) with it: a bound, not an equality.
// Rates go up step by step until loss appears or the storm cannot reach the
// rate asked (the generator saturates first: printed with how busy the
// machine was); a last unpaced step per kind gives the highest rate the
// storm reaches here. validprof's own CPU time from the storm's start to
// its exit (/proc/PID/task/*/schedstat, sampled) gives events per CPU-second
// of its userspace: the rate one core of it could take.
// The pid space bounds a storm (kernel.pid_max: pids wrap past it, and a
// reused pid whose exit was lost would merge two processes): --max-tasks.
#include <signal.h>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
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
using validprof::bench::process_cpu_ns;
using validprof::bench::split;
using validprof::bench::load_average;

const char* const kUsage =
    "usage: bench_ingest [--kinds LIST] [--rates LIST] [--workers N] [--seconds S]\n"
    "                    [--max-tasks N] [--record-option OPTION]... [--validprof PATH]\n"
    "\n"
    "Benchmark (run as root): fork/exec/exit storms of rising rates under\n"
    "`validprof record`; per step the events/s reached, what validprof stored and\n"
    "lost, whether delivered + lost = the storm's own count, and validprof's CPU.\n"
    "  --kinds LIST          comma-separated: exec, fork, thread (default: all three)\n"
    "  --rates LIST          target events/s, comma-separated; 0 = unpaced, as fast\n"
    "                        as the storm goes (default 10000,20000,40000,80000,\n"
    "                        160000,320000,0)\n"
    "  --workers N           storm processes creating tasks at once (default 8)\n"
    "  --seconds S           length of a paced storm (default 1)\n"
    "  --max-tasks N         at most this many tasks per storm (default 16000; the\n"
    "                        pid space is kernel.pid_max)\n"
    "  --record-option OPT   an option for validprof record, e.g. --no-syscall-spans\n"
    "                        or --sql (repeatable)\n"
    "  --validprof PATH      the validprof executable to measure\n"
    "\n"
    "example:\n"
    "  sudo ./build/tests/bench/bench_ingest --kinds fork,thread --rates 20000,80000,0\n";

constexpr int kSkipped = 77;

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

struct Options {
    std::vector<std::string> kinds = {"exec", "fork", "thread"};
    std::vector<double> rates = {10000, 20000, 40000, 80000, 160000, 320000, 0};
    int workers = 8;
    double seconds = 1;
    long max_tasks = 16000;
    std::vector<std::string> record_options;
    std::string validprof = VALIDPROF_BINARY;
};

bool parse_options(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        std::string option = argv[i];
        if (option == "--help" || option == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) return false;
        std::string value = argv[++i];
        if (option == "--kinds") {
            options.kinds = split(value, ',');
            for (const std::string& kind : options.kinds)
                if (kind != "exec" && kind != "fork" && kind != "thread") return false;
        } else if (option == "--rates") {
            options.rates.clear();
            for (const std::string& rate : split(value, ',')) options.rates.push_back(std::atof(rate.c_str()));
        } else if (option == "--workers") {
            options.workers = std::atoi(value.c_str());
        } else if (option == "--seconds") {
            options.seconds = std::atof(value.c_str());
        } else if (option == "--max-tasks") {
            options.max_tasks = std::atol(value.c_str());
        } else if (option == "--record-option") {
            options.record_options.push_back(value);
        } else if (option == "--validprof") {
            options.validprof = value;
        } else {
            return false;
        }
    }
    return options.workers > 0 && options.seconds > 0 && options.max_tasks > 0 && !options.rates.empty();
}

// Jiffies of all CPUs (first line of /proc/stat).
struct CpuTimes {
    std::uint64_t busy = 0, total = 0;
};

CpuTimes read_cpu_times() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return {user + nice + system + irq + softirq + steal, user + nice + system + idle + iowait + irq + softirq + steal};
}


std::map<std::string, std::string> read_fields(const std::string& path) {
    std::map<std::string, std::string> fields;
    std::ifstream file(path);
    std::string word;
    while (file >> word)
        if (auto equals = word.find('='); equals != std::string::npos)
            fields[word.substr(0, equals)] = word.substr(equals + 1);
    return fields;
}

std::uint64_t field_u64(const std::map<std::string, std::string>& fields, const std::string& key) {
    auto found = fields.find(key);
    if (found == fields.end()) fail("the storm's truth has no " + key);
    return std::strtoull(found->second.c_str(), nullptr, 10);
}

struct StoredProcesses {
    std::uint64_t rows = 0;
    std::uint64_t exited = 0;
    std::uint64_t noop_execs = 0;      // rows whose executable is vp_noop
    bool root_exec_seen = false;       // the storm root's row shows vp_storm
    std::uint64_t worker_threads = 0;  // threads of the storm's worker rows
};

StoredProcesses read_processes(const std::string& db_path, std::int64_t session, std::int32_t root_pid) {
    StoredProcesses stored;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close_v2(db);
        fail("cannot open " + db_path);
    }
    sqlite3_stmt* statement = nullptr;
    const char* sql =
        "SELECT p.pid, p.ppid, p.exe, p.exited, p.threads FROM processes p"
        " JOIN invocations i ON p.invocation_id = i.id WHERE i.session_id = ?1";
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) {
        std::string error = sqlite3_errmsg(db);
        sqlite3_close_v2(db);
        fail("query failed: " + error);
    }
    sqlite3_bind_int64(statement, 1, session);
    const std::string noop = VP_NOOP, storm = VP_STORM;
    while (sqlite3_step(statement) == SQLITE_ROW) {
        std::int32_t pid = sqlite3_column_int(statement, 0);
        std::int32_t ppid = sqlite3_column_int(statement, 1);
        std::string exe = reinterpret_cast<const char*>(sqlite3_column_text(statement, 2));
        ++stored.rows;
        if (sqlite3_column_int(statement, 3)) ++stored.exited;
        if (exe == noop) ++stored.noop_execs;
        if (pid == root_pid && exe == storm) stored.root_exec_seen = true;
        if (ppid == root_pid) stored.worker_threads += static_cast<std::uint64_t>(sqlite3_column_int(statement, 4));
    }
    sqlite3_finalize(statement);
    sqlite3_close_v2(db);
    return stored;
}

struct Step {
    std::string kind;
    double target_events_per_s = 0;  // 0: unpaced
    std::uint64_t tasks = 0, failed = 0;
    double storm_s = 0;
    std::uint64_t expected_forks = 0, expected_execs = 0, expected_exits = 0;
    double events_per_s = 0;
    double busy_cpus = 0;
    double validprof_cpu_s = 0;  // storm start to validprof's exit
    std::uint64_t events_received = 0;
    std::map<std::string, std::uint64_t> lost;
    std::uint64_t lost_total = 0;
    StoredProcesses stored;
};

class Bench {
public:
    Bench(Options options, const TempDirectory& directory) : options_(std::move(options)), directory_(directory) {}

    void run() {
        for (const std::string& kind : options_.kinds) {
            std::printf("\n== %s storm: %d workers; load average %s\n", kind.c_str(), options_.workers,
                        load_average().c_str());
            std::printf("  %9s %9s %7s %7s %9s %9s %6s %9s %8s  %-40s %s\n", "target/s", "events/s", "tasks",
                        "storm s", "events", "received", "busy", "vp CPU s", "vp ev/s", "lost (fork exec exit wait span)",
                        "delivered + lost = truth");
            bool saturated = false;
            for (double rate : options_.rates) {
                if (rate > 0 && saturated) continue;
                Step step = run_step(kind, rate);
                print_step(step);
                if (rate > 0 && step.events_per_s < 0.8 * rate) {
                    saturated = true;
                    std::printf("  (the storm reached %.0f of the %.0f events/s asked: the generator saturates; "
                                "higher paced rates skipped)\n",
                                step.events_per_s, rate);
                }
            }
        }
    }

private:
    Step run_step(const std::string& kind, double target_events) {
        Step step;
        step.kind = kind;
        step.target_events_per_s = target_events;
        const double events_per_task = kind == "exec" ? 3 : 2;
        long tasks = options_.max_tasks;
        double task_rate = 0;
        if (target_events > 0) {
            task_rate = target_events / events_per_task;
            tasks = std::min<long>(options_.max_tasks, std::lround(task_rate * options_.seconds));
        }
        long per_worker = std::max<long>(1, (tasks + options_.workers - 1) / options_.workers);
        std::string tag = kind + "-" + std::to_string(counter_++);
        std::string truth = directory_.file(tag + ".truth");
        std::string db = directory_.file(tag + ".db");
        std::vector<std::string> argv = {options_.validprof, "record", "--db", db};
        argv.insert(argv.end(), options_.record_options.begin(), options_.record_options.end());
        argv.insert(argv.end(), {"--", VP_STORM, kind, std::to_string(options_.workers), std::to_string(per_worker),
                                 std::to_string(task_rate), truth, VP_NOOP});

        std::string log = directory_.file(tag + ".log");
        CpuTimes cpu_before = read_cpu_times();
        pid_t pid = fork();
        if (pid == 0) {
            FILE* file = std::fopen(log.c_str(), "w");
            if (file) {
                dup2(fileno(file), STDOUT_FILENO);
                dup2(fileno(file), STDERR_FILENO);
            }
            std::vector<char*> args;
            for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
        if (pid < 0) fail(std::string("fork: ") + std::strerror(errno));
        // validprof's CPU, sampled with the time, until it exits.
        // The machine's CPU times too, to tell how busy it was during the storm.
        struct Sample {
            std::uint64_t when = 0, validprof_cpu = 0;
            CpuTimes machine;
        };
        std::vector<Sample> samples;
        int status = 0;
        while (true) {
            std::uint64_t cpu = process_cpu_ns(pid);
            CpuTimes machine = read_cpu_times();
            std::uint64_t now = monotonic_ns();
            pid_t done = waitpid(pid, &status, WNOHANG);
            if (done == pid) break;
            if (cpu) samples.push_back({now, cpu, machine});
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail("validprof record of the storm failed (status " + std::to_string(status) + "); log " + log);

        auto fields = read_fields(truth);
        step.tasks = field_u64(fields, "tasks");
        step.failed = field_u64(fields, "failed");
        std::uint64_t start = field_u64(fields, "start_ns"), end = field_u64(fields, "end_ns");
        auto root_pid = static_cast<std::int32_t>(field_u64(fields, "root_pid"));
        step.storm_s = static_cast<double>(end - start) / 1e9;
        const std::uint64_t workers = static_cast<std::uint64_t>(options_.workers);
        step.expected_forks = workers + step.tasks;
        step.expected_execs = 1 + (kind == "exec" ? step.tasks : 0);
        step.expected_exits = 1 + workers + step.tasks;
        step.events_per_s = static_cast<double>(step.expected_forks + step.expected_execs + step.expected_exits -
                                                1 /* the root's exec, before the storm */ - 1 /* its exit, after */) /
                            step.storm_s;
        // From the last sample before the storm began: validprof's CPU to the
        // last sample taken (just before its exit), the machine's to the
        // first sample after the storm ended.
        Sample at_start{0, 0, cpu_before}, at_end{0, 0, {}};
        for (const Sample& sample : samples) {
            if (sample.when <= start) at_start = sample;
            if (sample.when >= end && !at_end.when) at_end = sample;
        }
        if (!samples.empty()) {
            if (!at_start.validprof_cpu) at_start.validprof_cpu = samples.front().validprof_cpu;
            step.validprof_cpu_s = static_cast<double>(samples.back().validprof_cpu - at_start.validprof_cpu) / 1e9;
        }
        if (!at_end.when) at_end.machine = read_cpu_times();
        double jiffies = static_cast<double>(at_end.machine.total - at_start.machine.total);
        step.busy_cpus = jiffies > 0 ? static_cast<double>(at_end.machine.busy - at_start.machine.busy) / jiffies *
                                           static_cast<double>(std::thread::hardware_concurrency())
                                     : 0;

        auto session = read_latest_session(db);
        if (!session) fail(session.error().message);
        step.events_received = session->events_received;
        step.lost = session->lost_by_reason;
        step.lost_total = session->lost_events;
        step.stored = read_processes(db, session->id, root_pid);
        std::error_code ignored;
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db + suffix, ignored);
        return step;
    }

    static std::uint64_t lost_of(const Step& step, const char* reason) {
        auto found = step.lost.find(reason);
        return found == step.lost.end() ? 0 : found->second;
    }

    void print_step(const Step& step) const {
        std::uint64_t events = step.expected_forks + step.expected_execs + step.expected_exits;
        char target[32];
        if (step.target_events_per_s > 0)
            std::snprintf(target, sizeof(target), "%.0f", step.target_events_per_s);
        else
            std::snprintf(target, sizeof(target), "unpaced");
        std::uint64_t lost_fork = lost_of(step, "ringbuf_full_fork"), lost_exec = lost_of(step, "ringbuf_full_exec"),
                      lost_exit = lost_of(step, "ringbuf_full_exit"), lost_wait = lost_of(step, "ringbuf_full_wait"),
                      lost_span = lost_of(step, "ringbuf_full_span");
        char lost[96];
        std::snprintf(lost, sizeof(lost), "%llu (%llu %llu %llu %llu %llu)",
                      static_cast<unsigned long long>(step.lost_total), static_cast<unsigned long long>(lost_fork),
                      static_cast<unsigned long long>(lost_exec), static_cast<unsigned long long>(lost_exit),
                      static_cast<unsigned long long>(lost_wait), static_cast<unsigned long long>(lost_span));
        std::string checks;
        auto check = [&](const char* what, std::uint64_t delivered, std::uint64_t lost_count, std::uint64_t truth) {
            char text[128];
            long long off = static_cast<long long>(delivered + lost_count) - static_cast<long long>(truth);
            std::snprintf(text, sizeof(text), "%s %llu+%llu=%llu %s; ", what, static_cast<unsigned long long>(delivered),
                          static_cast<unsigned long long>(lost_count), static_cast<unsigned long long>(truth),
                          off == 0 ? "exact" : ("OFF BY " + std::to_string(off)).c_str());
            checks += text;
        };
        if (step.kind == "thread") {
            // A thread is stored (in its process's threads) from its fork
            // event or, that lost, from its exit event: only a thread that
            // lost both is missing. So missing = truth - stored must lie
            // within [0, min(lost forks, lost exits)], and is 0 without loss.
            std::uint64_t truth = step.tasks + static_cast<std::uint64_t>(options_.workers);
            std::uint64_t stored = step.stored.worker_threads;
            long long missing = static_cast<long long>(truth) - static_cast<long long>(stored);
            bool consistent = missing >= 0 && static_cast<std::uint64_t>(missing) <= std::min(lost_fork, lost_exit);
            char text[160];
            std::snprintf(text, sizeof(text), "threads stored %llu of %llu: %lld missing, %s min(lost forks, lost exits) %s; ",
                          static_cast<unsigned long long>(stored), static_cast<unsigned long long>(truth), missing,
                          consistent ? "within" : "NOT within",
                          consistent ? "consistent" : "INCONSISTENT");
            checks += text;
            std::snprintf(text, sizeof(text), "processes exited %llu of %llu",
                          static_cast<unsigned long long>(step.stored.exited),
                          static_cast<unsigned long long>(1 + options_.workers));
            checks += text;
        } else {
            check("exits", step.stored.exited, lost_exit, step.expected_exits);
            if (step.kind == "exec")
                check("execs", step.stored.noop_execs + (step.stored.root_exec_seen ? 1 : 0), lost_exec,
                      step.expected_execs);
        }
        double vp_rate = step.validprof_cpu_s > 0 ? static_cast<double>(step.events_received) / step.validprof_cpu_s : 0;
        std::printf("  %9s %9.0f %7llu %7.2f %9llu %9llu %6.2f %9.3f %8.0f  %-40s %s%s\n", target, step.events_per_s,
                    static_cast<unsigned long long>(step.tasks), step.storm_s, static_cast<unsigned long long>(events),
                    static_cast<unsigned long long>(step.events_received), step.busy_cpus, step.validprof_cpu_s,
                    vp_rate, lost, checks.c_str(),
                    step.failed ? (" (" + std::to_string(step.failed) + " tasks failed to start)").c_str() : "");
    }

    Options options_;
    const TempDirectory& directory_;
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
        std::fprintf(stderr, "bench_ingest: skipped: needs root (it runs validprof record): run with sudo\n");
        return kSkipped;
    }
    try {
        utsname names{};
        uname(&names);
        std::ifstream pid_max_file("/proc/sys/kernel/pid_max");
        long pid_max = 0;
        pid_max_file >> pid_max;
        std::string record_options;
        for (const std::string& option : options.record_options) record_options += " " + option;
        std::printf("bench_ingest: %u CPUs, Linux %s, kernel.pid_max %ld, load average %s, validprof %s record%s\n",
                    std::thread::hardware_concurrency(), names.release, pid_max, load_average().c_str(),
                    options.validprof.c_str(), record_options.c_str());
        if (pid_max > 0 && options.max_tasks + options.workers + 1000 > pid_max)
            std::printf("warning: --max-tasks %ld is close to kernel.pid_max %ld: pids will be reused within a storm\n",
                        options.max_tasks, pid_max);
        std::printf("columns: target and reached events/s (fork+exec+exit of the storm tree over the storm's own "
                    "duration), tasks the storm created, its duration, the fork/exec/exit events it caused, records "
                    "validprof received (waits and spans included), CPUs busy on the machine during the storm, validprof's CPU from "
                    "the storm's start to its exit and records received per second of it, the lost counters\n");
        TempDirectory directory;
        Bench bench(options, directory);
        bench.run();
        std::printf("\nload average at the end: %s\n", load_average().c_str());
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "bench_ingest: %s\n", failure.what());
        return 1;
    }
    return 0;
}
