// Benchmark (not a test): what stack sampling adds to a CPU-bound hook.
// Runs vp_fixed_work (a fixed number of iterations) repeatedly, interleaved
// in rounds: plain; under `validprof record` without stacks; with --stacks
// at 99 Hz and at 999 Hz, each with the frame-pointer walk in the kernel
// (--unwind fp) and with stack copies unwound from CFI (the default). Prints the median of the hook's own
// wall clock per condition and each one's ratio to plain.
// Then, robust to a busy machine: per stacks condition, one run with the
// kernel's BPF run-time statistics on, giving the sampler programs' own
// time per run (what a sample adds to the sampled thread), and validprof's
// own CPU time (the unwinding happens there, on whichever CPU is free).
// Usage (root): bench_stack_sampling [--rounds N] [--work MILLIONS]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bpf_introspection.h"

namespace {

struct ProgramCost {
    std::map<std::string, validprof::bench::ProgramStats> programs;  // last seen, by name
    double validprof_cpu_s = 0;
};

// Runs validprof (argv) once, reading its sampler programs' statistics
// every 50 ms until it exits.
ProgramCost run_with_stats(const std::vector<std::string>& argv, const std::string& truth_path) {
    ProgramCost cost;
    pid_t pid = fork();
    if (pid == 0) {
        setenv("VALIDPROF_TRUTH", truth_path.c_str(), 1);
        freopen("/dev/null", "w", stderr);
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, WNOHANG, &usage) == 0) {
        auto ids = validprof::bench::bpf_ids_held_by(pid, "prog_id");
        for (const auto& [id, stats] : validprof::bench::scheduler_programs(ids))
            if (stats.name.rfind("cpu_sample", 0) == 0 || stats.name.rfind("offcpu_switch", 0) == 0)
                cost.programs[stats.name] = stats;
        usleep(50000);
    }
    cost.validprof_cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    return cost;
}

// Runs argv with VALIDPROF_TRUTH=truth_path, returns the hook's own wall
// time from the truth line (0 on failure).
std::uint64_t run_once(const std::vector<std::string>& argv, const std::string& truth_path) {
    std::remove(truth_path.c_str());
    pid_t pid = fork();
    if (pid == 0) {
        setenv("VALIDPROF_TRUTH", truth_path.c_str(), 1);
        freopen("/dev/null", "w", stderr);
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::ifstream truth(truth_path);
    std::string word;
    while (truth >> word)
        if (word.rfind("wall_ns=", 0) == 0) return std::strtoull(word.c_str() + 8, nullptr, 10);
    return 0;
}

std::uint64_t median(std::vector<std::uint64_t> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 15;
    std::string work = "300";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--work") == 0) work = argv[i + 1];
    }
    if (geteuid() != 0) {
        std::fprintf(stderr, "bench_stack_sampling: needs root to run validprof record\n");
        return 1;
    }
    char directory[] = "/tmp/validprof-bench-stacks-XXXXXX";
    if (!mkdtemp(directory)) return 1;
    std::string db = std::string(directory) + "/p.db";
    std::string truth = std::string(directory) + "/truth";
    std::string hook = VP_FIXED_WORK;
    std::string validprof = VALIDPROF_BINARY;

    struct Condition {
        std::string name;
        std::vector<std::string> argv;
    };
    std::vector<Condition> conditions = {
        {"plain", {hook, work}},
        {"record", {validprof, "record", "--db", db, "--", hook, work}},
        {"--freq 99 --unwind fp", {validprof, "record", "--stacks", "--freq", "99", "--unwind", "fp", "--db", db, "--", hook, work}},
        {"--freq 99 (cfi)", {validprof, "record", "--stacks", "--freq", "99", "--db", db, "--", hook, work}},
        {"--freq 999 --unwind fp", {validprof, "record", "--stacks", "--freq", "999", "--unwind", "fp", "--db", db, "--", hook, work}},
        {"--freq 999 (cfi)", {validprof, "record", "--stacks", "--freq", "999", "--db", db, "--", hook, work}},
    };
    std::map<std::string, std::vector<std::uint64_t>> walls;
    for (int round = 0; round < rounds; ++round) {
        for (const Condition& condition : conditions) walls[condition.name].push_back(run_once(condition.argv, truth));
        std::fprintf(stderr, "\rround %d/%d", round + 1, rounds);
    }
    std::fprintf(stderr, "\n");
    std::uint64_t plain = median(walls["plain"]);
    std::printf("CPU-bound hook (vp_fixed_work %s), %d interleaved rounds, median of the hook's own wall clock:\n",
                work.c_str(), rounds);
    for (const Condition& condition : conditions) {
        std::uint64_t value = median(walls[condition.name]);
        std::printf("  %-28s %8.2f ms  ratio %.4f (%+.2f%%)\n", condition.name.c_str(), value / 1e6,
                    plain ? static_cast<double>(value) / plain : 0.0,
                    plain ? 100.0 * (static_cast<double>(value) - plain) / plain : 0.0);
    }

    auto stats = validprof::bench::enable_bpf_run_time_stats();
    if (!stats) {
        std::fprintf(stderr, "cannot enable BPF run-time statistics: %s\n", stats.error().message.c_str());
    } else {
        std::printf("Sampler programs' own time (BPF run-time statistics, one run each) and validprof's CPU time:\n");
        for (const Condition& condition : conditions) {
            if (condition.argv.front() != validprof) continue;
            ProgramCost cost = run_with_stats(condition.argv, truth);
            std::printf("  %-28s validprof CPU %.3f s", condition.name.c_str(), cost.validprof_cpu_s);
            for (const auto& [name, program] : cost.programs)
                if (program.run_count)
                    std::printf("; %s %llu runs, %.2f us per run", name.c_str(),
                                static_cast<unsigned long long>(program.run_count),
                                static_cast<double>(program.run_time_ns) / program.run_count / 1e3);
            std::printf("\n");
        }
    }
    std::string cleanup = "rm -rf " + std::string(directory);
    return std::system(cleanup.c_str()) == 0 ? 0 : 1;
}
