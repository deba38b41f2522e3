// Benchmark (not a test): what `validprof attach` adds to a short hook's
// wall time, and what its scheduler programs cost per event.
//
// Phase 1, paired runs: the 5 ms hook `vp_burn_sleep 1 4` (1 ms of CPU, then
// a 4 ms sleep) runs --runs times by fork/exec, each timed with
// CLOCK_MONOTONIC from fork to reap, in blocks of --block that alternate
// without / with validprof (ABAB...), so slow drift of the machine falls on
// both conditions alike. Each "with" block has a validprof attach of its own,
// started before the block and stopped with SIGINT after it; the "without"
// blocks therefore run with nothing of validprof loaded (a restart per block
// rather than one validprof paused between blocks: a paused validprof still
// has its programs attached). The figure is the ratio of the medians.
//
// Phase 2, system-wide load: two threads of this (untracked) process, both
// on CPU 0, ping-pong a byte over two pipes, without and then with
// validprof attached, twice; each round trip is two wakeups and two context
// switches that validprof's programs see and must filter out.
//
// In both phases the kernel's own BPF run-time statistics give the number of
// scheduler events validprof's programs handled and the mean time per event.
//
// The machine may be shared: each period waits for it to be nearly idle, and
// a pair of periods is measured again (and says so) when other work or
// another validprof disturbed it. docs/performance.md records the figures.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "background_validprof.h"
#include "bpf_introspection.h"
#include "sample_summary.h"
#include "session_reader.h"
#include "temp_directory.h"
#include "bench_utilities.h"

namespace fs = std::filesystem;
using namespace validprof;
using namespace validprof::bench;

namespace {

using validprof::bench::monotonic_ns;
using validprof::bench::process_cpu_ns;

const char* const kUsage =
    "usage: bench_hook_overhead [--runs N] [--block N] [--burn-ms MS] [--sleep-ms MS]\n"
    "                           [--load-seconds S] [--no-bpf-stats] [--no-quiet-wait]\n"
    "                           [--bpf-only] [--split-cpus] [--syscall-spans] [--validprof PATH]\n"
    "\n"
    "Benchmark (run as root): wall time of a short hook (vp_burn_sleep BURN SLEEP)\n"
    "with and without `validprof attach` running, in interleaved blocks, and the\n"
    "scheduler events validprof's BPF programs handled (kernel BPF run-time stats).\n"
    "  --runs N          hook runs in all, both conditions (default 400)\n"
    "  --block N         runs per block; blocks alternate without/with (default 50)\n"
    "  --burn-ms MS      CPU the hook burns (default 1)\n"
    "  --sleep-ms MS     then sleeps (default 4)\n"
    "  --load-seconds S  length of each ping-pong load period (default 3)\n"
    "  --no-bpf-stats    leave the kernel's BPF run-time statistics off (they add\n"
    "                    two clock reads to every program run)\n"
    "  --no-quiet-wait   start each block at once, even when other work keeps the\n"
    "                    machine busy (by default it waits, up to 2 minutes, for\n"
    "                    < 0.2 CPUs busy)\n"
    "  --bpf-only        attribution: freeze validprof's userspace (SIGSTOP) during\n"
    "                    each measured period, leaving its BPF programs attached;\n"
    "                    events wait in the ring buffer until SIGCONT\n"
    "  --syscall-spans   run validprof attach with --syscall-spans (record's default):\n"
    "                    the sys_enter/sys_exit programs for `validprof explain`\n"
    "  --split-cpus      attribution: run this benchmark and its hooks on CPU 0 only\n"
    "                    and validprof on CPU 1 only, so they never share a CPU\n"
    "  --validprof PATH  the validprof executable to measure (default: the one\n"
    "                    built with this benchmark)\n"
    "\n"
    "example:\n"
    "  sudo ./build/tests/bench/bench_hook_overhead --runs 400 --block 50\n";

struct Options {
    int runs = 400;
    int block = 50;
    double burn_ms = 1;
    double sleep_ms = 4;
    double load_seconds = 3;
    bool bpf_stats = true;
    bool quiet_wait = true;
    bool bpf_only = false;
    bool split_cpus = false;
    bool syscall_spans = false;  // attach --syscall-spans: what record does by default
    std::string validprof = VALIDPROF_BINARY;
};

double ms(double ns) { return ns / 1e6; }


double cpu_ms(const rusage& usage) {
    return (static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
            static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3);
}

// Thrown rather than exiting, so that unwinding stops a running validprof
// (BackgroundValidprof's destructor) and removes the temporary directory.
[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

bool parse_options(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        std::string option = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) return nullptr;
            return argv[++i];
        };
        const char* text = nullptr;
        if (option == "--help" || option == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (option == "--no-bpf-stats") {
            options.bpf_stats = false;
        } else if (option == "--split-cpus") {
            options.split_cpus = true;
        } else if (option == "--bpf-only") {
            options.bpf_only = true;
        } else if (option == "--syscall-spans") {
            options.syscall_spans = true;
        } else if (option == "--no-quiet-wait") {
            options.quiet_wait = false;
        } else if (option == "--runs" && (text = value())) {
            options.runs = std::atoi(text);
        } else if (option == "--block" && (text = value())) {
            options.block = std::atoi(text);
        } else if (option == "--burn-ms" && (text = value())) {
            options.burn_ms = std::atof(text);
        } else if (option == "--sleep-ms" && (text = value())) {
            options.sleep_ms = std::atof(text);
        } else if (option == "--validprof" && (text = value())) {
            options.validprof = text;
        } else if (option == "--load-seconds" && (text = value())) {
            options.load_seconds = std::atof(text);
        } else {
            return false;
        }
    }
    return options.runs > 0 && options.block > 0 && options.load_seconds > 0;
}

struct HookRun {
    std::uint64_t wall_ns = 0;  // fork to reap
    pid_t pid = 0;
};

// The hook, run as a hook runner would: fork, exec, wait.
class Hook {
public:
    Hook(double burn_ms, double sleep_ms)
        : arguments_{"vp_burn_sleep", format(burn_ms), format(sleep_ms)} {
        // argv[0] is the bare name, so the rule ^vp_burn_sleep matches argv.
        for (std::string& argument : arguments_) argv_.push_back(argument.data());
        argv_.push_back(nullptr);
    }

    std::string command_line() const { return arguments_[0] + " " + arguments_[1] + " " + arguments_[2]; }

    // Wall time from fork to reap.
    HookRun run() const {
        std::uint64_t start = monotonic_ns();
        pid_t pid = fork();
        if (pid == 0) {
            execv(VP_BURN_SLEEP, argv_.data());
            _exit(127);
        }
        if (pid < 0) fail(std::string("fork failed: ") + std::strerror(errno));
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        std::uint64_t end = monotonic_ns();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("the hook " + command_line() + " failed");
        return {end - start, pid};
    }

private:
    static std::string format(double value) {
        char text[32];
        std::snprintf(text, sizeof(text), "%g", value);
        return text;
    }

    std::vector<std::string> arguments_;
    std::vector<char*> argv_;
};

// Waits (up to 5 s) until none of the programs `ids` is listed any more.
void wait_until_released(const std::set<std::uint32_t>& ids) {
    for (int attempt = 0; attempt < 250 && !scheduler_programs(ids).empty(); ++attempt)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// Keeps the calling thread on CPU 0. Both ping-pong threads share it, so
// every round trip is the same work (two wakeups, two switches between
// them) wherever the scheduler would otherwise have placed them; unpinned,
// the rate swung by +-30% from one period to the next.
void pin_to_first_cpu() {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) fail(std::string("sched_setaffinity: ") + std::strerror(errno));
}

// Untracked scheduler load: round trips of one byte between two threads.
std::uint64_t ping_pong(double seconds) {
    int there[2], back[2];
    if (pipe2(there, O_CLOEXEC) != 0 || pipe2(back, O_CLOEXEC) != 0) fail("pipe2 failed");
    cpu_set_t previous;
    sched_getaffinity(0, sizeof(previous), &previous);
    pin_to_first_cpu();
    std::thread echo([&] {
        char byte;
        while (read(there[0], &byte, 1) == 1)
            if (write(back[1], &byte, 1) != 1) break;
    });
    std::uint64_t deadline = monotonic_ns() + static_cast<std::uint64_t>(seconds * 1e9);
    std::uint64_t trips = 0;
    char byte = 'x';
    bool broken = false;
    while ((trips % 64 != 0) || monotonic_ns() < deadline) {
        if (write(there[1], &byte, 1) != 1 || read(back[0], &byte, 1) != 1) {
            broken = true;
            break;
        }
        ++trips;
    }
    close(there[1]);  // the echo thread reads end-of-file and returns
    echo.join();
    close(there[0]);
    close(back[0]);
    close(back[1]);
    sched_setaffinity(0, sizeof(previous), &previous);
    if (broken) fail("ping-pong pipe failed");
    return trips;
}

// Jiffies of all CPUs from the first line of /proc/stat.
struct CpuTimes {
    std::uint64_t busy = 0;
    std::uint64_t total = 0;
};

CpuTimes read_cpu_times() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    CpuTimes times;
    times.busy = user + nice + system + irq + softirq + steal;
    times.total = times.busy + idle + iowait;
    return times;
}

// CPUs' worth of work the whole machine did between two readings.
double busy_cpus(const CpuTimes& from, const CpuTimes& to) {
    if (to.total <= from.total) return 0;
    return static_cast<double>(to.busy - from.busy) / static_cast<double>(to.total - from.total) *
           static_cast<double>(std::thread::hardware_concurrency());
}

// On a shared machine, other work (a compiler, a test suite) moves the
// timings more than validprof does. Before each measured period, wait
// until the machine is nearly idle: under 0.2 CPUs busy over 300 ms, for
// at most two minutes (then measure anyway, and say so).
void wait_for_quiet_machine() {
    constexpr double kQuietCpus = 0.2;
    std::uint64_t give_up = monotonic_ns() + 120'000'000'000ull;
    bool told = false;
    while (true) {
        CpuTimes before = read_cpu_times();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        double busy = busy_cpus(before, read_cpu_times());
        if (busy < kQuietCpus) return;
        if (monotonic_ns() > give_up) {
            std::printf("  note: machine still busy (%.2f CPUs) after 2 minutes; measuring anyway\n", busy);
            return;
        }
        if (!told) std::printf("  (waiting for the machine to quiet down: %.2f CPUs busy)\n", busy);
        told = true;
    }
}

// One measured period: how busy the machine was and whether another
// validprof was loaded meanwhile (its programs would run on every event).
struct Period {
    double busy_cpus = 0;
    bool foreign_validprof = false;
};

// What validprof's programs and process cost over the periods it observed.
struct ObservedCost {
    std::map<std::string, ProgramStats> programs;  // by name
    double seconds = 0;                            // measured periods only
    double period_cpu_ms = 0;                      // validprof's userspace CPU in the measured periods
    double validprof_cpu_ms = 0;                   // whole runs, start-up included
    double validprof_wall_s = 0;                   // whole runs

    void add(const ObservedCost& other) {
        for (const auto& [name, program] : other.programs) {
            ProgramStats& sum = programs[name];
            sum.name = name;
            sum.run_count += program.run_count;
            sum.run_time_ns += program.run_time_ns;
        }
        seconds += other.seconds;
        period_cpu_ms += other.period_cpu_ms;
        validprof_cpu_ms += other.validprof_cpu_ms;
        validprof_wall_s += other.validprof_wall_s;
    }
};

// A pair is measured again when either of its periods was disturbed: the
// machine did more than the benchmark itself accounts for, or another
// validprof was loaded. Repeats are printed, and at most this many are made
// in all (then the last pairs are kept whatever happened).
constexpr int kMaxRepeats = 8;

class Bench {
public:
    Bench(Options options, fs::path directory) : options_(options), directory_(std::move(directory)) {}

    void hook_phase() {
        Hook hook(options_.burn_ms, options_.sleep_ms);
        int pairs = std::max(1, (options_.runs + 2 * options_.block - 1) / (2 * options_.block));
        std::printf("== hook wall time: %s, %d runs in %d interleaved blocks of %d (without, with, ...)\n",
                    hook.command_line().c_str(), 2 * pairs * options_.block, 2 * pairs, options_.block);
        for (int i = 0; i < 20; ++i) hook.run();  // warm-up: page cache, CPU frequency

        // The hook alone keeps about 0.35 CPUs busy, validprof adds 0.03.
        constexpr double kBusyLimit = 0.6;
        std::vector<std::uint64_t> without, with;
        std::vector<double> pair_added;
        ObservedCost cost;
        std::size_t runs_stored = 0, others_stored = 0;
        int repeats = 0;
        for (int pair = 0; pair < pairs;) {
            std::vector<std::uint64_t> times_without, times_with;
            std::set<pid_t> pids;
            auto run_block = [&](std::vector<std::uint64_t>& times) {
                for (int i = 0; i < options_.block; ++i) {
                    HookRun run = hook.run();
                    times.push_back(run.wall_ns);
                    pids.insert(run.pid);
                }
            };
            if (options_.quiet_wait) wait_for_quiet_machine();
            Period a = measure_period([&] { run_block(times_without); });
            pids.clear();
            ObservedCost pair_cost;
            Period b;
            std::string db = with_validprof("hooks-" + std::to_string(pair + repeats), pair_cost,
                                            [&] { b = measure_period([&] { run_block(times_with); }); });
            SampleSummary sa = summarize(times_without), sb = summarize(times_with);
            print_block(2 * pair + 1, "without", sa, a);
            print_block(2 * pair + 2, "with", sb, b);
            std::string disturbed = disturbance(a, kBusyLimit) + disturbance(b, kBusyLimit);
            if (!disturbed.empty() && repeats < kMaxRepeats) {
                ++repeats;
                std::printf("  pair discarded and measured again:%s\n", disturbed.c_str());
                continue;
            }
            without.insert(without.end(), times_without.begin(), times_without.end());
            with.insert(with.end(), times_with.begin(), times_with.end());
            pair_added.push_back(added_percent(sb.median_ns, sa.median_ns));
            cost.add(pair_cost);
            auto [ours, others] = stored_invocations(db, pids);
            runs_stored += ours;
            others_stored += others;
            ++pair;
        }

        SampleSummary a = summarize(without), b = summarize(with);
        std::printf("without validprof: n=%zu  median %.3f ms  mean %.3f ms  p90 %.3f ms  min %.3f ms\n", a.count,
                    ms(a.median_ns), ms(a.mean_ns), ms(a.p90_ns), ms(a.min_ns));
        std::printf("with validprof:    n=%zu  median %.3f ms  mean %.3f ms  p90 %.3f ms  min %.3f ms\n", b.count,
                    ms(b.median_ns), ms(b.mean_ns), ms(b.p90_ns), ms(b.min_ns));
        std::printf("added wall time: %+.2f%% (median %.3f ms vs %.3f ms)\n", added_percent(b.median_ns, a.median_ns),
                    ms(b.median_ns), ms(a.median_ns));
        std::printf("added wall time, mean: %+.2f%%  p90: %+.2f%%\n", added_percent(b.mean_ns, a.mean_ns),
                    added_percent(b.p90_ns, a.p90_ns));
        std::printf("added, per kept pair of blocks (median vs median):");
        for (double added : pair_added) std::printf(" %+.2f%%", added);
        std::printf("\n");
        if (repeats) std::printf("pairs discarded as disturbed and measured again: %d\n", repeats);
        std::printf("validprof stored %zu of the %zu hook runs it observed as invocations of 'short'", runs_stored,
                    with.size());
        if (others_stored) std::printf(" (and %zu invocations of other processes)", others_stored);
        std::printf("\n");
        print_cost("scheduler events handled during the 'with' blocks", cost);
    }

    void load_phase() {
        std::printf("== untracked load: two threads on CPU 0 ping-ponging a byte over pipes, %.1f s per period\n",
                    options_.load_seconds);
        // The two threads keep one CPU busy.
        constexpr double kBusyLimit = 1.25;
        ObservedCost cost;
        std::uint64_t trips_without = 0, trips_with = 0;
        int repeats = 0;
        for (int pair = 0; pair < 2;) {
            if (options_.quiet_wait) wait_for_quiet_machine();
            std::uint64_t a_trips = 0, b_trips = 0;
            Period a = measure_period([&] { a_trips = ping_pong(options_.load_seconds); });
            ObservedCost pair_cost;
            Period b;
            with_validprof("load-" + std::to_string(pair + repeats), pair_cost,
                           [&] { b = measure_period([&] { b_trips = ping_pong(options_.load_seconds); }); });
            std::printf("  pair %d: %.0f round trips/s without, %.0f with (%+.2f%%)  (machine busy: %.2f, %.2f CPUs)\n",
                        pair + 1, static_cast<double>(a_trips) / options_.load_seconds,
                        static_cast<double>(b_trips) / options_.load_seconds,
                        added_percent(static_cast<double>(b_trips), static_cast<double>(a_trips)), a.busy_cpus,
                        b.busy_cpus);
            std::string disturbed = disturbance(a, kBusyLimit) + disturbance(b, kBusyLimit);
            if (!disturbed.empty() && repeats < kMaxRepeats) {
                ++repeats;
                std::printf("  pair discarded and measured again:%s\n", disturbed.c_str());
                continue;
            }
            trips_without += a_trips;
            trips_with += b_trips;
            cost.add(pair_cost);
            ++pair;
        }
        double seconds = 2 * options_.load_seconds;
        std::printf("round trips/s: %.0f without, %.0f with validprof: throughput %+.2f%%, time per round trip %+.2f%%\n",
                    static_cast<double>(trips_without) / seconds, static_cast<double>(trips_with) / seconds,
                    added_percent(static_cast<double>(trips_with), static_cast<double>(trips_without)),
                    added_percent(static_cast<double>(trips_without), static_cast<double>(trips_with)));
        if (repeats) std::printf("pairs discarded as disturbed and measured again: %d\n", repeats);
        print_cost("scheduler events handled under the load (all of them untracked)", cost);
    }

private:
    // Runs body, noting how busy the machine was and whether any program
    // named like validprof's other than the current run's was loaded.
    Period measure_period(const std::function<void()>& body) {
        Period period;
        std::size_t loaded_before = scheduler_programs().size();
        CpuTimes before = read_cpu_times();
        body();
        period.busy_cpus = busy_cpus(before, read_cpu_times());
        std::size_t loaded_after = scheduler_programs().size();
        period.foreign_validprof = std::max(loaded_before, loaded_after) > expected_programs_;
        return period;
    }

    static std::string disturbance(const Period& period, double busy_limit) {
        std::string reasons;
        if (period.foreign_validprof) reasons += " another validprof was loaded;";
        if (period.busy_cpus > busy_limit) {
            char text[96];
            std::snprintf(text, sizeof(text), " machine busy %.2f CPUs (limit %.2f);", period.busy_cpus, busy_limit);
            reasons += text;
        }
        return reasons;
    }

    static void print_block(int number, const char* condition, const SampleSummary& summary, const Period& period) {
        std::printf("  block %2d %-8s median %.3f ms  mean %.3f ms  p90 %.3f ms  (machine busy: %.2f CPUs%s)\n",
                    number, condition, ms(summary.median_ns), ms(summary.mean_ns), ms(summary.p90_ns),
                    period.busy_cpus, period.foreign_validprof ? ", another validprof loaded" : "");
    }

    // Starts a validprof attach of its own, runs body while it observes,
    // stops it with SIGINT; adds what it cost to `cost`. Returns the
    // database it wrote.
    std::string with_validprof(const std::string& label, ObservedCost& cost, const std::function<void()>& body) {
        std::string db = (directory_ / (label + ".db")).string();
        std::uint64_t started = monotonic_ns();
        std::vector<std::string> arguments = {"attach", "--db", db, "--hook", "short=^vp_burn_sleep"};
        if (options_.syscall_spans) arguments.push_back("--syscall-spans");
        auto validprof = BackgroundValidprof::start(
            options_.validprof, arguments,
            (directory_ / (label + ".log")).string(), options_.split_cpus ? std::optional<int>(1) : std::nullopt);
        if (!validprof) fail(validprof.error().message);
        if (auto observing = (*validprof)->wait_until_observing(db, 1, std::chrono::seconds(60)); !observing)
            fail(observing.error().message);
        // Let its start-up work (BPF verification, first poll) finish.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (options_.quiet_wait) wait_for_quiet_machine();

        std::set<std::uint32_t> ours = bpf_ids_held_by((*validprof)->pid(), "prog_id");
        auto before = scheduler_programs(ours);
        if (ours.empty() || before.empty()) fail("validprof is attached but holds none of its programs");
        expected_programs_ = before.size();
        std::uint64_t cpu_start = process_cpu_ns((*validprof)->pid());
        if (options_.bpf_only) kill((*validprof)->pid(), SIGSTOP);
        std::uint64_t period_start = monotonic_ns();
        body();
        std::uint64_t period_end = monotonic_ns();
        if (options_.bpf_only) kill((*validprof)->pid(), SIGCONT);
        std::uint64_t cpu_end = process_cpu_ns((*validprof)->pid());
        auto after = scheduler_programs(ours);
        expected_programs_ = 0;

        ExitedProcess exited = (*validprof)->stop(SIGINT);
        if (exited.exit_code != 0)
            fail("validprof exited with " + std::to_string(exited.exit_code) + ":\n" + (*validprof)->log_tail());
        // The kernel frees released programs after an RCU grace period; until
        // then the next period would take them for another validprof's.
        wait_until_released(ours);
        for (const ProgramStats& program : stats_difference(after, before)) {
            ProgramStats& sum = cost.programs[program.name];
            sum.name = program.name;
            sum.run_count += program.run_count;
            sum.run_time_ns += program.run_time_ns;
        }
        cost.seconds += static_cast<double>(period_end - period_start) / 1e9;
        cost.period_cpu_ms += static_cast<double>(cpu_end - cpu_start) / 1e6;
        cost.validprof_cpu_ms += cpu_ms(exited.usage);
        cost.validprof_wall_s += static_cast<double>(monotonic_ns() - started) / 1e9;
        return db;
    }

    // Invocations of 'short' whose root is one of the hook runs in `pids`,
    // and invocations of other processes (other users of the machine).
    static std::pair<std::size_t, std::size_t> stored_invocations(const std::string& db, const std::set<pid_t>& pids) {
        auto session = read_latest_session(db);
        if (!session) fail(session.error().message);
        std::size_t ours = 0, others = 0;
        for (const StoredInvocation& invocation : session->invocations) {
            if (invocation.hook == "short" && pids.count(invocation.root_pid))
                ++ours;
            else
                ++others;
        }
        return {ours, others};
    }

    void print_cost(const char* title, const ObservedCost& cost) const {
        std::printf("%s (kernel BPF run-time stats, %.2f s observed):\n", title, cost.seconds);
        if (!options_.bpf_stats) {
            std::printf("  (not measured: --no-bpf-stats)\n");
        } else {
            std::uint64_t runs = 0, time_ns = 0;
            std::printf("  %-24s %12s %12s %12s\n", "program", "events", "events/s", "ns/event");
            for (const auto& [name, program] : cost.programs) {
                runs += program.run_count;
                time_ns += program.run_time_ns;
                std::printf("  %-24s %12llu %12.0f %12.1f\n", name.c_str(),
                            static_cast<unsigned long long>(program.run_count),
                            static_cast<double>(program.run_count) / cost.seconds,
                            program.run_count
                                ? static_cast<double>(program.run_time_ns) / static_cast<double>(program.run_count)
                                : 0.0);
            }
            std::printf("  %-24s %12llu %12.0f %12.1f\n", "all", static_cast<unsigned long long>(runs),
                        static_cast<double>(runs) / cost.seconds,
                        runs ? static_cast<double>(time_ns) / static_cast<double>(runs) : 0.0);
            std::printf("  time in validprof's BPF programs: %.1f ms = %.2f%% of one CPU\n",
                        static_cast<double>(time_ns) / 1e6,
                        static_cast<double>(time_ns) / (cost.seconds * 1e9) * 100);
        }
        std::printf("  validprof userspace: %.1f ms CPU in the measured periods (%.2f%% of one CPU); "
                    "%.0f ms over its whole runs (%.1f s, start-up included)\n",
                    cost.period_cpu_ms, cost.period_cpu_ms / (cost.seconds * 1e3) * 100, cost.validprof_cpu_ms,
                    cost.validprof_wall_s);
    }

    Options options_;
    fs::path directory_;
    std::size_t expected_programs_ = 0;  // while a validprof of ours is attached: its programs
};

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows through a pipe (tee)
    Options options;
    if (!parse_options(argc, argv, options)) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    if (geteuid() != 0) {
        std::fprintf(stderr, "bench_hook_overhead: needs root (it runs validprof attach): run with sudo\n");
        return 2;
    }
    unsetenv("VALIDPROF_TRUTH");  // the hook writes nothing

    try {
        std::optional<common::UniqueFd> stats;
        if (options.bpf_stats) {
            auto enabled = enable_bpf_run_time_stats();
            if (!enabled) fail(enabled.error().message + ": " + std::strerror(enabled.error().errno_value));
            stats.emplace(std::move(*enabled));
        }
        // A validprof that exited a moment ago (the previous benchmark's) is
        // still listed until the kernel has freed its programs.
        wait_until_released(program_ids(scheduler_programs()));
        if (std::size_t loaded = scheduler_programs().size())
            std::fprintf(stderr,
                         "bench_hook_overhead: warning: %zu programs named like validprof's are already loaded "
                         "(another validprof?): not counted, but they disturb the timings\n",
                         loaded);

        utsname names{};
        uname(&names);
        std::printf("bench_hook_overhead: %u CPUs, Linux %s, BPF run-time stats %s, validprof %s%s%s\n",
                    std::thread::hardware_concurrency(), names.release, options.bpf_stats ? "on" : "off",
                    options.validprof.c_str(), options.bpf_only ? " (userspace frozen: --bpf-only)" : "",
                    options.split_cpus ? " (benchmark on CPU 0, validprof on CPU 1: --split-cpus)" : "");
        if (options.split_cpus) {
            if (std::thread::hardware_concurrency() < 2) fail("--split-cpus needs two CPUs");
            pin_to_first_cpu();  // inherited by every hook
        }
        TempDirectory directory;
        Bench bench(options, directory.path());
        bench.hook_phase();
        bench.load_phase();
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "bench_hook_overhead: %s\n", failure.what());
        return 1;
    }
    return 0;
}
