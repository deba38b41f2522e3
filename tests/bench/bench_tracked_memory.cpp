// Benchmark (not a test): validprof's own resident memory while it tracks
// many processes at once.
//
// Runs `validprof record --db TMP -- vp_many_sleepers 1000 3`: one hook
// whose root forks 1000 children that all sleep 3 s together, so validprof
// holds 1001 live processes in one open invocation. While it runs, the
// benchmark samples validprof's /proc/PID/status (VmRSS, its RssAnon /
// RssFile split, VmHWM) every 50 ms and, as an independent witness that the
// processes really were tracked at the same time, counts the keys of
// validprof's tracked_threads BPF map through the kernel's map-id interface.
// After the exit it reports wait4()'s ru_maxrss and what the session stored.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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

#include "background_validprof.h"
#include "bpf_introspection.h"
#include "session_reader.h"
#include "temp_directory.h"

using namespace validprof;
using namespace validprof::bench;

namespace {

const char* const kUsage =
    "usage: bench_tracked_memory [--processes N] [--seconds S] [--interval-ms MS] [--validprof PATH]\n"
    "\n"
    "Benchmark (run as root): validprof's resident memory while it tracks N\n"
    "processes at once (validprof record -- vp_many_sleepers N S).\n"
    "  --processes N     children the hook forks, all alive together (default 1000)\n"
    "  --seconds S       how long each child sleeps (default 3)\n"
    "  --interval-ms MS  sampling period of /proc/PID/status (default 50)\n"
    "  --validprof PATH  the validprof executable to measure (default: the one\n"
    "                    built with this benchmark)\n"
    "\n"
    "example:\n"
    "  sudo ./build/tests/bench/bench_tracked_memory --processes 1000 --seconds 3\n";

constexpr double kTargetMiB = 64;

struct Options {
    int processes = 1000;
    double seconds = 3;
    int interval_ms = 50;
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
        } else if (option == "--processes" && text) {
            options.processes = std::atoi(text);
        } else if (option == "--seconds" && text) {
            options.seconds = std::atof(text);
        } else if (option == "--validprof" && text) {
            options.validprof = text;
        } else if (option == "--interval-ms" && text) {
            options.interval_ms = std::atoi(text);
        } else {
            return false;
        }
        ++i;
    }
    return options.processes > 0 && options.seconds > 0 && options.interval_ms > 0;
}

// The kB fields of /proc/PID/status that describe memory; empty once the
// process is a zombie (it has no memory left to describe).
std::map<std::string, std::uint64_t> memory_status(pid_t pid) {
    std::map<std::string, std::uint64_t> fields;
    std::ifstream file("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(file, line)) {
        if (line.rfind("Vm", 0) != 0 && line.rfind("Rss", 0) != 0) continue;
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        fields[line.substr(0, colon)] = std::strtoull(line.c_str() + colon + 1, nullptr, 10);
    }
    return fields;
}

double mib(std::uint64_t kib) { return static_cast<double>(kib) / 1024; }

// Resident memory by mapping (/proc/PID/smaps), in KiB, largest first:
// files by name, "anon_inode:bpf-map" for mmapped BPF maps (the ring
// buffer), "[heap]", "[anonymous]" for unnamed anonymous mappings.
std::vector<std::pair<std::string, std::uint64_t>> resident_by_mapping(pid_t pid) {
    std::map<std::string, std::uint64_t> by_name;
    std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
    std::string line, current = "[anonymous]";
    while (std::getline(smaps, line)) {
        if (line.rfind("Rss:", 0) == 0) {
            by_name[current] += std::strtoull(line.c_str() + 4, nullptr, 10);
            continue;
        }
        // A mapping's header: "start-end perms offset dev inode [name]";
        // the other lines are "Key:   value kB".
        auto dash = line.find('-');
        if (dash == std::string::npos || dash == 0 || line.find(':') < dash) continue;
        std::istringstream fields(line);
        std::string range, perms, offset, device, inode, name;
        fields >> range >> perms >> offset >> device >> inode;
        std::getline(fields >> std::ws, name);
        if (name.empty())
            current = "[anonymous]";
        else if (name.front() == '/')
            current = std::filesystem::path(name).filename().string();
        else
            current = name;
    }
    std::vector<std::pair<std::string, std::uint64_t>> sorted(by_name.begin(), by_name.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return sorted;
}

struct Sample {
    double at_s = 0;
    std::uint64_t tracked = 0;
    std::map<std::string, std::uint64_t> status;
    std::vector<std::pair<std::string, std::uint64_t>> mappings;  // taken at new RSS peaks only
    std::uint64_t field(const char* name) const {
        auto found = status.find(name);
        return found == status.end() ? 0 : found->second;
    }
    std::uint64_t rss() const { return field("VmRSS"); }
};

void print_sample(const char* label, const Sample& sample) {
    std::printf("  %-24s t=%5.2f s  tracked threads %5llu  VmRSS %6.1f MiB (anon %.1f, file %.1f, shmem %.1f)\n",
                label, sample.at_s, static_cast<unsigned long long>(sample.tracked), mib(sample.rss()),
                mib(sample.field("RssAnon")), mib(sample.field("RssFile")), mib(sample.field("RssShmem")));
}

std::map<std::string, std::string> root_truth(const std::string& path) {
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        if (line.find("role=root") == std::string::npos) continue;
        std::map<std::string, std::string> fields;
        std::istringstream words(line);
        std::string word;
        while (words >> word)
            if (auto equals = word.find('='); equals != std::string::npos)
                fields[word.substr(0, equals)] = word.substr(equals + 1);
        return fields;
    }
    return {};
}

struct MemoryRun {
    Sample peak_rss, peak_tracked, last;
    std::uint64_t last_hwm_kib = 0;
    std::uint64_t max_rss_kib = 0;  // wait4() ru_maxrss
    std::uint64_t peak_kib() const { return std::max(peak_rss.rss(), last_hwm_kib); }
};

// One `validprof record -- vp_many_sleepers PROCESSES SECONDS`, sampled.
MemoryRun measure(const Options& options, int processes, const TempDirectory& directory, bool verbose) {
    std::string label = "n" + std::to_string(processes);
    std::string db = directory.file(label + ".db");
    std::string truth = directory.file(label + ".truth");
    setenv("VALIDPROF_TRUTH", truth.c_str(), 1);
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%g", options.seconds);
    std::vector<std::string> arguments = {"record", "--db", db, "--", VP_MANY_SLEEPERS, std::to_string(processes),
                                          seconds};
    std::printf("== %s record --db %s -- vp_many_sleepers %d %s\n", options.validprof.c_str(), db.c_str(),
                processes, seconds);
    auto started = std::chrono::steady_clock::now();
    auto validprof = BackgroundValidprof::start(options.validprof, arguments, directory.file(label + ".log"));
    if (!validprof) fail(validprof.error().message);
    pid_t pid = (*validprof)->pid();

    MemoryRun run;
    std::optional<common::UniqueFd> tracked_map;
    std::size_t samples = 0;
    std::optional<ExitedProcess> exited;
    while (!(exited = (*validprof)->exited())) {
        Sample sample;
        sample.at_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        sample.status = memory_status(pid);
        if (!tracked_map) tracked_map = open_map_named("tracked_threads", bpf_ids_held_by(pid, "map_id"));
        if (tracked_map) sample.tracked = count_u32_keys(tracked_map->get());
        if (!sample.status.empty()) {
            ++samples;
            if (sample.rss() > run.peak_rss.rss()) {
                sample.mappings = resident_by_mapping(pid);
                run.peak_rss = sample;
            }
            if (sample.tracked > run.peak_tracked.tracked) run.peak_tracked = sample;
            run.last_hwm_kib = sample.field("VmHWM");
            run.last = sample;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(options.interval_ms));
    }
    tracked_map.reset();  // the map is freed once validprof's and our descriptors are gone
    double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (exited->exit_code != 0)
        fail("validprof record exited with " + std::to_string(exited->exit_code) + ":\n" + (*validprof)->log_tail());
    run.max_rss_kib = static_cast<std::uint64_t>(exited->usage.ru_maxrss);

    std::printf("  %zu samples of /proc/%d/status every %d ms over %.2f s\n", samples, pid, options.interval_ms,
                wall_s);
    print_sample("most threads tracked:", run.peak_tracked);
    print_sample("highest VmRSS:", run.peak_rss);
    if (verbose) print_sample("last sample before exit:", run.last);
    std::printf("  VmHWM at the last sample %.1f MiB; wait4() ru_maxrss %.1f MiB\n", mib(run.last_hwm_kib),
                mib(run.max_rss_kib));
    if (verbose) {
        std::printf("  resident at the highest sample, largest mappings:");
        std::size_t shown = 0;
        for (const auto& [name, kib] : run.peak_rss.mappings) {
            if (shown++ == 6) break;
            std::printf("%s %s %.1f MiB", shown > 1 ? "," : "", name.c_str(), mib(kib));
        }
        std::printf("\n");
        double cpu_s = static_cast<double>(exited->usage.ru_utime.tv_sec + exited->usage.ru_stime.tv_sec) +
                       static_cast<double>(exited->usage.ru_utime.tv_usec + exited->usage.ru_stime.tv_usec) / 1e6;
        std::printf("  CPU of validprof and its reaped descendants: %.2f s\n", cpu_s);
        auto root = root_truth(truth);
        std::printf("  workload (its own report): forked %s children in %.0f ms, root wall %.0f ms\n",
                    root.count("children") ? root["children"].c_str() : "?",
                    root.count("fork_all_ns") ? std::atof(root["fork_all_ns"].c_str()) / 1e6 : 0.0,
                    root.count("wall_ns") ? std::atof(root["wall_ns"].c_str()) / 1e6 : 0.0);
    }

    auto session = read_latest_session(db);
    if (!session) fail(session.error().message);
    std::printf("  stored: session %lld complete=%s, %zu invocation(s), %llu events received, %llu lost\n",
                static_cast<long long>(session->id), session->complete ? "yes" : "no", session->invocations.size(),
                static_cast<unsigned long long>(session->events_received),
                static_cast<unsigned long long>(session->lost_events));
    for (const StoredInvocation& invocation : session->invocations)
        std::printf("    invocation '%s': %llu processes, complete=%s, wall %.0f ms\n", invocation.hook.c_str(),
                    static_cast<unsigned long long>(invocation.processes), invocation.complete ? "yes" : "no",
                    static_cast<double>(invocation.wall_ns) / 1e6);
    return run;
}

int run(const Options& options) {
    TempDirectory directory;
    // A reference run with a single child first: what validprof holds
    // whatever the number of processes (libraries, the BPF ring buffer,
    // SQLite's cache).
    MemoryRun reference = measure(options, 1, directory, false);
    MemoryRun full = measure(options, options.processes, directory, true);

    std::printf("validprof resident memory with %llu threads tracked at once: peak %.1f MiB "
                "(max of sampled VmRSS and VmHWM; target < %.0f MiB: %s)\n",
                static_cast<unsigned long long>(full.peak_tracked.tracked), mib(full.peak_kib()), kTargetMiB,
                mib(full.peak_kib()) < kTargetMiB ? "met" : "missed");
    double extra_kib = static_cast<double>(full.peak_kib()) - static_cast<double>(reference.peak_kib());
    std::printf("with 2 processes: peak %.1f MiB; the other %d add %.1f MiB, %.2f KiB per tracked process\n",
                mib(reference.peak_kib()), options.processes - 1, extra_kib / 1024,
                extra_kib / static_cast<double>(std::max(options.processes - 1, 1)));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    Options options;
    if (!parse_options(argc, argv, options)) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    if (geteuid() != 0) {
        std::fprintf(stderr, "bench_tracked_memory: needs root (it runs validprof record): run with sudo\n");
        return 2;
    }
    try {
        return run(options);
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "bench_tracked_memory: %s\n", failure.what());
        return 1;
    }
}
