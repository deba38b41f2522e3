// A fork/exec/exit storm for the ingest benchmark (bench_ingest, issue 13):
// WORKERS processes, started together, each create PER_WORKER short tasks
// one after another, paced so that all of them together create RATE tasks
// per second (0: as fast as they can):
//   exec    fork, the child execs EXEC (a static do-nothing program), reap;
//   fork    fork, the child _exits at once, reap;
//   thread  pthread_create of a thread that returns at once, join.
// The storm counts what it created itself (the truth the benchmark holds
// validprof's stored processes and lost-event counters against) and writes
// one line to OUT when every worker is done:
//   kind=K workers=N tasks=T failed=F root_pid=P start_ns=S end_ns=E
// where tasks is the number of forks (or threads) that succeeded, failed
// those that did not (EAGAIN...), start_ns the moment the workers were
// released and end_ns the moment the last worker was reaped
// (CLOCK_MONOTONIC).
// usage: vp_storm exec|fork|thread WORKERS PER_WORKER RATE OUT [EXEC]
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_utilities.h"

namespace {

using validprof::bench::monotonic_ns;

void sleep_until(std::uint64_t deadline_ns) {
    timespec at{static_cast<time_t>(deadline_ns / 1'000'000'000ull), static_cast<long>(deadline_ns % 1'000'000'000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
    }
}

void* returns_at_once(void*) { return nullptr; }

struct Counts {
    std::atomic<std::uint64_t> created{0};
    std::atomic<std::uint64_t> failed{0};
};

bool reap(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return false;
    return true;
}

// One task of the given kind; false when it could not be created.
bool create_task(const std::string& kind, const char* exec_path) {
    if (kind == "thread") {
        pthread_t thread;
        if (pthread_create(&thread, nullptr, returns_at_once, nullptr) != 0) return false;
        pthread_join(thread, nullptr);
        return true;
    }
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        if (kind == "exec") {
            char* argv[] = {const_cast<char*>(exec_path), nullptr};
            execv(exec_path, argv);
        }
        _exit(0);
    }
    return reap(pid);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr,
                     "usage: vp_storm exec|fork|thread WORKERS PER_WORKER RATE OUT [EXEC]\n"
                     "example: vp_storm exec 8 500 20000 /tmp/storm.truth /bin/true\n");
        return 2;
    }
    std::string kind = argv[1];
    long workers = std::strtol(argv[2], nullptr, 10);
    long per_worker = std::strtol(argv[3], nullptr, 10);
    double rate = std::strtod(argv[4], nullptr);
    const char* out_path = argv[5];
    const char* exec_path = argc > 6 ? argv[6] : "/bin/true";
    if ((kind != "exec" && kind != "fork" && kind != "thread") || workers <= 0 || per_worker <= 0 || rate < 0) {
        std::fprintf(stderr, "vp_storm: bad arguments (kind exec|fork|thread, WORKERS > 0, PER_WORKER > 0, RATE >= 0)\n");
        return 2;
    }

    void* shared = mmap(nullptr, sizeof(Counts), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) return 1;
    auto* counts = new (shared) Counts;
    // Workers block on the pipe until the root closes it: they all start
    // at the same moment, after every one of them exists.
    int gate[2];
    if (pipe(gate) != 0) return 1;
    std::uint64_t* start_shared = static_cast<std::uint64_t*>(
        mmap(nullptr, sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    std::vector<pid_t> pids;
    for (long w = 0; w < workers; ++w) {
        pid_t pid = fork();
        if (pid < 0) {
            std::fprintf(stderr, "vp_storm: cannot fork worker %ld: %s\n", w, std::strerror(errno));
            return 1;
        }
        if (pid == 0) {
            close(gate[1]);
            char byte;
            while (read(gate[0], &byte, 1) < 0 && errno == EINTR) {
            }
            std::uint64_t start = *start_shared;
            // Worker w creates its i-th task at start + (i * workers + w) / rate.
            double interval_ns = rate > 0 ? 1e9 * static_cast<double>(workers) / rate : 0;
            double offset_ns = rate > 0 ? 1e9 * static_cast<double>(w) / rate : 0;
            for (long i = 0; i < per_worker; ++i) {
                if (rate > 0) sleep_until(start + static_cast<std::uint64_t>(offset_ns + interval_ns * static_cast<double>(i)));
                if (create_task(kind, exec_path))
                    counts->created.fetch_add(1, std::memory_order_relaxed);
                else
                    counts->failed.fetch_add(1, std::memory_order_relaxed);
            }
            _exit(0);
        }
        pids.push_back(pid);
    }
    close(gate[0]);
    std::uint64_t start = monotonic_ns();
    *start_shared = start;
    close(gate[1]);  // release
    bool all_reaped = true;
    for (pid_t pid : pids) all_reaped = reap(pid) && all_reaped;
    std::uint64_t end = monotonic_ns();

    FILE* out = std::fopen(out_path, "w");
    if (!out) {
        std::fprintf(stderr, "vp_storm: cannot write %s: %s\n", out_path, std::strerror(errno));
        return 1;
    }
    std::fprintf(out, "kind=%s workers=%ld tasks=%llu failed=%llu root_pid=%d start_ns=%llu end_ns=%llu\n",
                 kind.c_str(), workers, static_cast<unsigned long long>(counts->created.load()),
                 static_cast<unsigned long long>(counts->failed.load()), static_cast<int>(getpid()),
                 static_cast<unsigned long long>(start), static_cast<unsigned long long>(end));
    return std::fclose(out) == 0 && all_reaped ? 0 : 1;
}
