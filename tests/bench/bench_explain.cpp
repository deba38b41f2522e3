// Benchmark (not a test): `validprof explain` over a large session.
//
// Builds a profile database with one session of --invocations invocations
// (default 10,000) of a hook shaped like a post-edit pipeline: `sh` forks
// a checker and a writer; the checker burns, the writer fsyncs, sh waits in
// wait4 for both; with their threads, waits (the ones the kernel side would
// send) and traced system calls. Then times `validprof explain` on it, as a
// user runs it (text and JSON, best of --repeat), and prints the figure that
// docs/performance.md records. Unprivileged: nothing is traced.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "storage/profile_database.h"
#include "temp_directory.h"

using namespace validprof;

namespace {

constexpr std::uint64_t kUs = 1'000;
constexpr std::int64_t kWait4 = 61, kFsync = 74, kClone = 56;

model::ThreadRecord thread(std::int32_t tid, std::int32_t creator, std::uint64_t start, std::uint64_t end,
                           std::uint64_t on_cpu) {
    model::ThreadRecord record;
    record.tid = tid;
    record.creator_tid = creator;
    record.start_ns = start;
    record.end_ns = end;
    record.exiting_ns = end - 50 * kUs;
    record.exited = true;
    record.times.on_cpu_ns = on_cpu;
    return record;
}

model::ProcessRecord process(std::int32_t pid, std::int32_t ppid, const char* exe, model::ThreadRecord main,
                             std::uint64_t exec_ns) {
    model::ProcessRecord record;
    record.pid = pid;
    record.ppid = ppid;
    record.exe = exe;
    record.comm = exe;
    record.start_ns = main.start_ns;
    record.end_ns = main.end_ns;
    record.exited = true;
    record.exec_ns = exec_ns;
    record.times = main.times;
    record.thread_records.push_back(main);
    return record;
}

model::WaitInterval wait(std::int32_t pid, std::uint64_t off, std::uint64_t woken, std::uint64_t on,
                         std::int64_t syscall, std::uint64_t cpu_before, std::int32_t waker) {
    model::WaitInterval w;
    w.pid = pid;
    w.tid = pid;
    w.off_ns = off;
    w.woken_ns = woken;
    w.on_ns = on;
    w.syscall = syscall;
    w.on_cpu_before_ns = cpu_before;
    w.waker_pid = waker;
    w.waker_tid = waker;
    w.waker_comm = "w";
    return w;
}

double run_seconds(const std::vector<std::string>& argv) {
    auto start = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(127);
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "bench_explain: %s failed\n", argv[0].c_str());
        std::exit(1);
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    int count = 10000, repeat = 3;
    std::string validprof = VALIDPROF_BINARY;
    std::string keep;  // --keep PATH: build the database there and leave it (for profiling)
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--invocations" && i + 1 < argc) count = std::atoi(argv[++i]);
        else if (arg == "--repeat" && i + 1 < argc) repeat = std::atoi(argv[++i]);
        else if (arg == "--validprof" && i + 1 < argc) validprof = argv[++i];
        else if (arg == "--keep" && i + 1 < argc) keep = argv[++i];
        else {
            std::fprintf(stderr, "usage: bench_explain [--invocations N] [--repeat N] [--validprof PATH] [--keep DB]\n");
            return 2;
        }
    }
    bench::TempDirectory dir;
    const std::string db = keep.empty() ? dir.file("explain.db") : keep;
    auto database = storage::ProfileDatabase::open(db, storage::OpenMode::ReadWrite);
    if (!database) {
        std::fprintf(stderr, "bench_explain: %s\n", database.error().message.c_str());
        return 1;
    }
    model::SessionInfo info;
    info.command = "record";
    info.target = "bench";
    auto session = (*database)->begin_session(info);
    if (!session) return 1;

    std::vector<model::Invocation> invocations;
    std::vector<model::WaitInterval> waits;
    std::vector<model::SyscallSpan> spans;
    std::uint64_t t = 1'000'000'000;
    for (int i = 0; i < count; ++i) {
        const std::int32_t sh = 100000 + 3 * (i % 100000), checker = sh + 1, writer = sh + 2;
        const std::uint64_t start = t, end = t + 20000 * kUs;
        model::Invocation invocation;
        invocation.hook = i % 3 ? "post-edit" : "pre-task";
        invocation.root_pid = sh;
        invocation.start_ns = start;
        invocation.last_end_ns = invocation.root_end_ns = end;
        invocation.complete = true;
        invocation.processes.push_back(process(sh, 1, "/bin/sh", thread(sh, 0, start, end, 1500 * kUs), 0));
        invocation.processes.push_back(process(checker, sh, "/usr/bin/checker",
                                               thread(checker, sh, start + 500 * kUs, start + 9000 * kUs, 8000 * kUs),
                                               start + 800 * kUs));
        invocation.processes.push_back(process(writer, sh, "/usr/bin/writer",
                                               thread(writer, sh, start + 9500 * kUs, start + 19500 * kUs, 2000 * kUs),
                                               start + 9800 * kUs));
        for (const auto& p : invocation.processes) invocation.times.add(p.times);
        waits.push_back(wait(sh, start + 600 * kUs, start + 9000 * kUs, start + 9100 * kUs, kWait4, 600 * kUs, checker));
        waits.push_back(wait(sh, start + 9600 * kUs, start + 19500 * kUs, start + 19600 * kUs, kWait4, 900 * kUs, writer));
        for (int sync = 0; sync < 4; ++sync) {
            const std::uint64_t off = start + (10500 + 2000 * sync) * kUs;
            auto fsync = wait(writer, off, off + 1500 * kUs, off + 1520 * kUs, kFsync, (500 + 300 * sync) * kUs, 0);
            fsync.object = model::WaitObject::File;
            fsync.object_path = "/project/.swarm/memory.db-wal";
            fsync.state = model::WaitState::Blocked;
            waits.push_back(fsync);
            spans.push_back({writer, writer, kFsync, off - 100 * kUs, off + 1600 * kUs, 0, 3, 0});
        }
        spans.push_back({sh, sh, kClone, start + 400 * kUs, start + 520 * kUs, checker, 0x11, 0});
        invocations.push_back(std::move(invocation));
        t = end + 1000 * kUs;
    }
    if (!(*database)->store_invocations(*session, invocations) || !(*database)->store_waits(*session, waits) ||
        !(*database)->store_syscall_spans(*session, spans)) {
        std::fprintf(stderr, "bench_explain: storing the session failed\n");
        return 1;
    }
    if (!(*database)->finish_session(*session, {})) return 1;
    database->reset();

    double best_text = 1e9, best_json = 1e9;
    for (int round = 0; round < repeat; ++round) {
        best_text = std::min(best_text, run_seconds({validprof, "explain", "--db", db}));
        best_json = std::min(best_json, run_seconds({validprof, "explain", "--db", db, "--json"}));
    }
    std::printf("explain over %d invocations (%zu waits, %zu traced calls): text %.2f s, json %.2f s (best of %d)\n",
                count, waits.size(), spans.size(), best_text, best_json, repeat);
    return 0;
}
