// Benchmark (not a test): what tracing SQLite costs per statement.
//
// The hook is vp_sqlite_insert_loop N DB: one prepared INSERT stepped N
// times inside one transaction, on an in-memory database (or, with --file,
// a WAL file with synchronous=OFF) so that I/O does not dominate. The
// workload times its own loop (BEGIN to COMMIT, CLOCK_MONOTONIC) and
// reports it, so process start-up and validprof's own start and stop are
// not in the figures. Each round runs, in this order:
//
//   without        the workload alone, nothing of validprof loaded;
//   record         `validprof record --sql -- vp_sqlite_insert_loop ...`:
//                  the workload is the hook, every statement is traced;
//   attach         `validprof attach --sql` observing system-wide with a
//                  rule the workload does not match: untracked, and no
//                  tracked process has mapped libsqlite3.so, so no uprobe
//                  sits on it;
//   attach+probed  the same attach after a tracked hook (vp_sqlite_inserts
//                  autocommit 1) used libsqlite3.so, so validprof's uprobes
//                  are on that file, which the untracked workload shares:
//                  each probed call traps into the kernel and runs the BPF
//                  filter, which finds the thread untracked and returns.
//
// Per condition: median loop time over the rounds, statements per second,
// the ratio to "without" and the added cost per statement,
// (t_with - t_without) / statements. With BPF run-time statistics on, the
// kernel's own count of validprof's SQLite program runs (uprobe and
// syscall programs) in the attach periods says whether the probes fired.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "background_validprof.h"
#include "bpf_introspection.h"
#include "temp_directory.h"

using namespace validprof;
using namespace validprof::bench;

namespace {

const char* const kUsage =
    "usage: bench_sqlite_overhead [--inserts N] [--rounds R] [--file] [--no-bpf-stats]\n"
    "                             [--validprof PATH]\n"
    "\n"
    "Benchmark (run as root): statements per second of a tight prepared-INSERT\n"
    "loop (vp_sqlite_insert_loop, one transaction) without validprof, as the hook of\n"
    "`validprof record --sql`, and untracked while `validprof attach --sql` observes\n"
    "the system (before and after its uprobes are on libsqlite3.so).\n"
    "  --inserts N       INSERTs per run (default 200000)\n"
    "  --rounds R        rounds; each runs every condition once (default 5)\n"
    "  --file            a WAL database file with synchronous=OFF instead of :memory:\n"
    "  --no-bpf-stats    leave the kernel's BPF run-time statistics off\n"
    "  --validprof PATH  the validprof executable to measure (default: the one\n"
    "                    built with this benchmark)\n"
    "\n"
    "example:\n"
    "  sudo ./build/tests/bench/bench_sqlite_overhead --inserts 200000 --rounds 5\n";

struct Options {
    long inserts = 200000;
    int rounds = 5;
    bool file = false;
    bool bpf_stats = true;
    std::string validprof = VALIDPROF_BINARY;
};

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

bool parse_options(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        std::string option = argv[i];
        const char* text = i + 1 < argc ? argv[i + 1] : nullptr;
        if (option == "--help" || option == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (option == "--file") {
            options.file = true;
        } else if (option == "--no-bpf-stats") {
            options.bpf_stats = false;
        } else if (option == "--inserts" && text) {
            options.inserts = std::atol(text);
            ++i;
        } else if (option == "--rounds" && text) {
            options.rounds = std::atoi(text);
            ++i;
        } else if (option == "--validprof" && text) {
            options.validprof = text;
            ++i;
        } else {
            return false;
        }
    }
    return options.inserts > 0 && options.rounds > 0;
}

// Runs argv with VALIDPROF_TRUTH=truth_path, output to log_path; fails
// unless it exits 0.
void run(const std::vector<std::string>& argv, const std::string& truth_path, const std::string& log_path) {
    pid_t pid = fork();
    if (pid == 0) {
        setenv("VALIDPROF_TRUTH", truth_path.c_str(), 1);
        FILE* log = std::fopen(log_path.c_str(), "a");
        if (log) {
            dup2(fileno(log), STDOUT_FILENO);
            dup2(fileno(log), STDERR_FILENO);
        }
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    if (pid < 0) fail(std::string("fork: ") + std::strerror(errno));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::ifstream log(log_path);
        std::stringstream text;
        text << log.rdbuf();
        fail(argv[0] + " failed (status " + std::to_string(status) + "):\n" + text.str());
    }
}

// The key=value fields of the last line of a truth file.
std::map<std::string, std::string> last_truth(const std::string& path) {
    std::ifstream file(path);
    std::string line, last;
    while (std::getline(file, line))
        if (!line.empty()) last = line;
    std::map<std::string, std::string> fields;
    std::istringstream words(last);
    std::string word;
    while (words >> word)
        if (auto equals = word.find('='); equals != std::string::npos)
            fields[word.substr(0, equals)] = word.substr(equals + 1);
    return fields;
}

struct LoopRun {
    double loop_ns = 0;
    double statements = 0;  // in the timed loop: the INSERTs, BEGIN, COMMIT
};

LoopRun read_loop(const std::string& truth_path) {
    auto fields = last_truth(truth_path);
    if (!fields.count("loop_ns")) fail("the workload wrote no loop_ns to " + truth_path);
    return {std::atof(fields["loop_ns"].c_str()), std::atof(fields["inserts"].c_str()) + 2};
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Run counts and times of validprof's SQLite programs (uprobes on the API,
// the sys_enter/sys_exit programs of its file accounting) among `ids`.
struct SqlitePrograms {
    std::uint64_t uprobe_runs = 0, uprobe_ns = 0;
    std::uint64_t syscall_runs = 0, syscall_ns = 0;
};

SqlitePrograms sqlite_programs(const std::set<std::uint32_t>& ids) {
    SqlitePrograms programs;
    for (std::uint32_t id : ids) {
        common::UniqueFd fd(bpf_prog_get_fd_by_id(id));
        if (!fd.valid()) continue;
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0) continue;
        std::string name = info.name;
        if (name.rfind("sqlite_", 0) == 0) {
            programs.uprobe_runs += info.run_cnt;
            programs.uprobe_ns += info.run_time_ns;
        } else if (name.rfind("sys_enter", 0) == 0 || name.rfind("sys_exit", 0) == 0) {
            programs.syscall_runs += info.run_cnt;
            programs.syscall_ns += info.run_time_ns;
        }
    }
    return programs;
}

SqlitePrograms operator-(const SqlitePrograms& a, const SqlitePrograms& b) {
    return {a.uprobe_runs - b.uprobe_runs, a.uprobe_ns - b.uprobe_ns, a.syscall_runs - b.syscall_runs,
            a.syscall_ns - b.syscall_ns};
}

class Bench {
public:
    Bench(Options options, const TempDirectory& directory) : options_(std::move(options)), directory_(directory) {}

    void run_rounds() {
        for (int round = 0; round < options_.rounds; ++round) {
            std::printf("round %d/%d\n", round + 1, options_.rounds);
            measure("without", round, {});
            measure("record", round,
                    {options_.validprof, "record", "--sql", "--db", directory_.file("record-" + std::to_string(round) + ".db"),
                     "--"});
            attach_round(round);
        }
    }

    void print_summary() const {
        double base = median(loop_ns_.at("without"));
        double statements = statements_;
        std::printf("\n%s database, %.0f statements per run, medians over %d rounds:\n",
                    options_.file ? "WAL file (synchronous=OFF)" : "in-memory", statements, options_.rounds);
        std::printf("  %-15s %12s %14s %10s %16s\n", "condition", "loop ms", "statements/s", "slowdown", "added ns/stmt");
        for (const char* condition : {"without", "record", "attach", "attach+probed"}) {
            double loop = median(loop_ns_.at(condition));
            std::printf("  %-15s %12.1f %14.0f %9.2fx %16.0f\n", condition, loop / 1e6, statements / (loop / 1e9),
                        loop / base, (loop - base) / statements);
        }
        if (options_.bpf_stats) {
            for (const auto& [condition, programs] : programs_) {
                double runs = static_cast<double>(programs.uprobe_runs) / options_.rounds;
                std::printf("  %s: validprof's SQLite uprobe programs ran %.0f times per run (%.2f per statement), "
                            "%.0f ns each; its syscall programs %.0f times per run\n",
                            condition.c_str(), runs, runs / statements,
                            programs.uprobe_runs ? static_cast<double>(programs.uprobe_ns) / static_cast<double>(programs.uprobe_runs) : 0.0,
                            static_cast<double>(programs.syscall_runs) / options_.rounds);
            }
        }
    }

private:
    std::string database(const std::string& label, int round) const {
        return options_.file ? directory_.file(label + "-" + std::to_string(round) + ".sqlite") : ":memory:";
    }

    // One run of the loop, as `prefix... vp_sqlite_insert_loop N DB`.
    void measure(const std::string& condition, int round, std::vector<std::string> prefix) {
        std::string tag = condition + "-" + std::to_string(round);
        std::string truth = directory_.file(tag + ".truth");
        prefix.insert(prefix.end(), {VP_SQLITE_INSERT_LOOP, std::to_string(options_.inserts), database(tag, round)});
        run(prefix, truth, directory_.file(tag + ".log"));
        LoopRun loop = read_loop(truth);
        loop_ns_[condition].push_back(loop.loop_ns);
        statements_ = loop.statements;
        std::printf("  %-14s loop %8.1f ms  %10.0f statements/s\n", condition.c_str(), loop.loop_ns / 1e6,
                    loop.statements / (loop.loop_ns / 1e9));
    }

    void attach_round(int round) {
        std::string db = directory_.file("attach-" + std::to_string(round) + ".db");
        auto validprof = BackgroundValidprof::start(
            options_.validprof, {"attach", "--sql", "--db", db, "--hook", "primer=vp_sqlite_inserts autocommit"},
            directory_.file("attach-" + std::to_string(round) + ".log"));
        if (!validprof) fail(validprof.error().message);
        if (auto observing = (*validprof)->wait_until_observing(db, 1, std::chrono::seconds(60)); !observing)
            fail(observing.error().message);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        pid_t pid = (*validprof)->pid();

        auto programs_before = sqlite_programs(bpf_ids_held_by(pid, "prog_id"));
        measure("attach", round, {});
        auto programs_after = sqlite_programs(bpf_ids_held_by(pid, "prog_id"));
        add_programs("attach", programs_after - programs_before);

        // A tracked hook maps libsqlite3.so: validprof puts its uprobes on it
        // (new libraries are held until inspected, so they are there when
        // the hook's first SQLite call runs; the link count says so).
        std::size_t links_before = bpf_ids_held_by(pid, "link_id").size();
        run({VP_SQLITE_INSERTS, "autocommit", "1", directory_.file("primer-" + std::to_string(round) + ".db")},
            directory_.file("primer.truth"), directory_.file("primer.log"));
        std::size_t links_after = bpf_ids_held_by(pid, "link_id").size();
        if (links_after <= links_before)
            std::printf("  warning: validprof holds no more BPF links after the SQLite hook ran (%zu): "
                        "were uprobes attached?\n",
                        links_after);

        programs_before = sqlite_programs(bpf_ids_held_by(pid, "prog_id"));
        measure("attach+probed", round, {});
        programs_after = sqlite_programs(bpf_ids_held_by(pid, "prog_id"));
        add_programs("attach+probed", programs_after - programs_before);

        ExitedProcess exited = (*validprof)->stop(SIGINT);
        if (exited.exit_code != 0)
            fail("validprof attach exited with " + std::to_string(exited.exit_code) + ":\n" + (*validprof)->log_tail());
    }

    void add_programs(const std::string& condition, const SqlitePrograms& delta) {
        SqlitePrograms& sum = programs_[condition];
        sum.uprobe_runs += delta.uprobe_runs;
        sum.uprobe_ns += delta.uprobe_ns;
        sum.syscall_runs += delta.syscall_runs;
        sum.syscall_ns += delta.syscall_ns;
    }

    Options options_;
    const TempDirectory& directory_;
    std::map<std::string, std::vector<double>> loop_ns_;
    std::map<std::string, SqlitePrograms> programs_;
    double statements_ = 0;
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
        std::fprintf(stderr, "bench_sqlite_overhead: needs root (it runs validprof record and attach): run with sudo\n");
        return 2;
    }
    try {
        std::optional<common::UniqueFd> stats;
        if (options.bpf_stats) {
            auto enabled = enable_bpf_run_time_stats();
            if (!enabled) fail(enabled.error().message + ": " + std::strerror(enabled.error().errno_value));
            stats.emplace(std::move(*enabled));
        }
        utsname names{};
        uname(&names);
        std::printf("bench_sqlite_overhead: %u CPUs, Linux %s, BPF run-time stats %s, validprof %s\n",
                    std::thread::hardware_concurrency(), names.release, options.bpf_stats ? "on" : "off",
                    options.validprof.c_str());
        TempDirectory directory;
        Bench bench(options, directory);
        bench.run_rounds();
        bench.print_summary();
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "bench_sqlite_overhead: %s\n", failure.what());
        return 1;
    }
    return 0;
}
