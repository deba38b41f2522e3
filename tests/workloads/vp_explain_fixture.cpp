// Hooks with one dominant, planted cause of their wall time, for the
// `validprof explain` tests: vp_explain_fixture MODE [ARGS]. Each measures
// the planted cause with its own clock and reports it ("planted_ns"), with
// the pid it happened in ("planted_pid") and what names it.
//
//   cpu-child MS        a child burns MS of CPU; the parent waits
//   sleep-child MS      a child sleeps MS; the parent waits
//   fsync PATH N        N times: write 4 KiB to PATH and fsync it
//   flock PATH [FIFO]   wait for an exclusive flock on PATH (held elsewhere)
//   tcp PORT            ask a loopback server on PORT and wait for its reply
//   cpu MS              burn MS of CPU (while other processes hog the CPUs)
//   pipeline MS         writer | reader: the writer sleeps MS, then writes
//   burst N             start N short processes (fork + exec of vp_noop), one after another
//   sqlite-busy DB [FIFO]  BEGIN IMMEDIATE on DB while another connection holds it
//   threads MS          the main thread burns MS; 8 idle workers wait for it
//
// With FIFO, a byte is written to it just before the wait begins, so that
// whoever holds the lock can hold it for a known time from then on.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "workload_truth.h"

using namespace validprof::workloads;

namespace {

int fail(const char* what) {
    std::fprintf(stderr, "vp_explain_fixture: %s: %s\n", what, std::strerror(errno));
    return 1;
}

// The process's run-queue wait when main() began. Waits before that (from
// record's fork of the command to its exec) lie outside the invocation,
// which starts at the exec, so explain cannot count them: on a loaded
// machine they were milliseconds, and made contention look bigger here
// than in the invocation explain is asked about.
std::uint64_t run_delay_at_main_ns = 0;

std::uint64_t own_runqueue_since_main_ns() {
    const std::uint64_t now = read_own_schedstat().run_queue_wait_ns;
    return now > run_delay_at_main_ns ? now - run_delay_at_main_ns : 0;
}

// Every report says how long the reporting process waited for a CPU since
// main() began ("runqueue_ns", unless the mode counts more than itself): on
// a busy machine that contention can outweigh the planted cause, and
// explain then rightly names it first.
void report(const std::string& mode, std::uint64_t planted_ns, pid_t planted_pid, const std::string& more = "") {
    std::string line = "mode=" + mode + " planted_ns=" + std::to_string(planted_ns) +
                       " planted_pid=" + std::to_string(planted_pid);
    if (!more.empty()) line += " " + more;
    if (more.find("runqueue_ns=") == std::string::npos)
        line += " runqueue_ns=" + std::to_string(own_runqueue_since_main_ns());
    write_truth(line);
}

// The planted time as explain should see it: the wall time of the planted
// calls less this thread's waits for a CPU inside them, as the kernel counts
// them (schedstat's run_delay). explain names waiting for a CPU apart, as
// contention, wherever it happens; on a busy machine it grows while the
// planted time does not.
class PlantedClock {
public:
    void begin() {
        run_delay_ns_ = read_own_schedstat().run_queue_wait_ns;
        began_ns_ = monotonic_ns();
    }
    void end() {
        std::uint64_t wall = monotonic_ns() - began_ns_;
        std::uint64_t waited_for_cpu = read_own_schedstat().run_queue_wait_ns - run_delay_ns_;
        total_ns_ += wall > waited_for_cpu ? wall - waited_for_cpu : 0;
    }
    std::uint64_t total_ns() const { return total_ns_; }

private:
    std::uint64_t began_ns_ = 0;
    std::uint64_t run_delay_ns_ = 0;
    std::uint64_t total_ns_ = 0;
};

int child_then_wait(const std::string& mode, double ms, bool burn) {
    int channel[2];
    if (pipe(channel) != 0) return fail("pipe");
    pid_t child = fork();
    if (child < 0) return fail("fork");
    if (child == 0) {
        close(channel[0]);
        std::uint64_t planted = 0;
        if (burn) {
            std::uint64_t start = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
            burn_cpu_ms(ms);
            planted = clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - start;
        } else {
            PlantedClock clock;
            clock.begin();
            sleep_ms(ms);
            clock.end();
            planted = clock.total_ns();
        }
        (void)!write(channel[1], &planted, sizeof(planted));
        _exit(0);
    }
    close(channel[1]);
    std::uint64_t planted = 0;
    (void)!read(channel[0], &planted, sizeof(planted));
    // The invocation's waits for a CPU: the child's whole life (its exit
    // path included, read while it is a zombie) and this process's so far.
    siginfo_t info{};
    while (waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
    }
    const std::uint64_t child_runqueue_ns = read_final_schedstat(child).stat.run_queue_wait_ns;
    waitpid(child, nullptr, 0);
    const std::uint64_t runqueue_ns = child_runqueue_ns + own_runqueue_since_main_ns();
    report(mode, planted, child, "runqueue_ns=" + std::to_string(runqueue_ns));
    return 0;
}

int fsync_loop(const char* path, int count) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail("open");
    char block[4096];
    std::memset(block, 'v', sizeof(block));
    PlantedClock in_fsync;
    for (int i = 0; i < count; ++i) {
        if (write(fd, block, sizeof(block)) != static_cast<ssize_t>(sizeof(block))) return fail("write");
        in_fsync.begin();
        if (fsync(fd) != 0) return fail("fsync");
        in_fsync.end();
    }
    close(fd);
    report("fsync", in_fsync.total_ns(), getpid(), std::string("path=") + path);
    return 0;
}

void notify(const char* fifo) {
    if (!fifo || !*fifo) return;
    int fd = open(fifo, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void)!write(fd, "!", 1);
    close(fd);
}

int wait_for_flock(const char* path, const char* fifo) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return fail("open");
    notify(fifo);
    PlantedClock waited;
    waited.begin();
    if (flock(fd, LOCK_EX) != 0) return fail("flock");
    waited.end();
    flock(fd, LOCK_UN);
    close(fd);
    report("flock", waited.total_ns(), getpid(), std::string("path=") + path);
    return 0;
}

int ask_server(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return fail("connect");
    PlantedClock waited;
    waited.begin();
    if (send(fd, "?", 1, 0) != 1) return fail("send");
    char reply = 0;
    if (recv(fd, &reply, 1, MSG_WAITALL) != 1) return fail("recv");
    waited.end();
    close(fd);
    report("tcp", waited.total_ns(), getpid(), "port=" + std::to_string(port));
    return 0;
}

int burn_under_contention(double ms) {
    SchedStat before = read_own_schedstat();
    burn_cpu_ms(ms);
    SchedStat after = read_own_schedstat();
    report("cpu", after.run_queue_wait_ns - before.run_queue_wait_ns, getpid(),
           "cpu_ns=" + std::to_string(after.on_cpu_ns - before.on_cpu_ns));
    return 0;
}

int pipeline(double ms) {
    int data[2], truth[2];
    if (pipe(data) != 0 || pipe(truth) != 0) return fail("pipe");
    pid_t writer = fork();
    if (writer < 0) return fail("fork");
    if (writer == 0) {
        close(data[0]);
        close(truth[0]);
        PlantedClock clock;
        clock.begin();
        sleep_ms(ms);
        clock.end();
        std::uint64_t slept = clock.total_ns();
        (void)!write(data[1], "result\n", 7);
        (void)!write(truth[1], &slept, sizeof(slept));
        _exit(0);
    }
    pid_t reader = fork();
    if (reader < 0) return fail("fork");
    if (reader == 0) {
        close(data[1]);
        close(truth[0]);
        close(truth[1]);
        char buffer[64];
        while (read(data[0], buffer, sizeof(buffer)) > 0) {
        }
        _exit(0);
    }
    close(data[0]);
    close(data[1]);
    close(truth[1]);
    std::uint64_t slept = 0;
    (void)!read(truth[0], &slept, sizeof(slept));
    waitpid(writer, nullptr, 0);
    waitpid(reader, nullptr, 0);
    report("pipeline", slept, writer, "reader_pid=" + std::to_string(reader));
    return 0;
}

int burst(int count) {
    // vp_noop sits beside this program.
    char self[4096] = {};
    if (readlink("/proc/self/exe", self, sizeof(self) - 1) <= 0) return fail("readlink /proc/self/exe");
    std::string noop = self;
    noop = noop.substr(0, noop.find_last_of('/') + 1) + "vp_noop";
    // The planted time is what the loop spends inside fork() and in waiting
    // for each child, less the waits for a CPU (the loop's and each
    // child's, as the kernel counts them): contention is a cause of its own,
    // which grows on a busy machine while the planted time does not.
    PlantedClock spawning;
    std::uint64_t children_runqueue_ns = 0;
    SchedStat loop_start = read_own_schedstat();
    for (int i = 0; i < count; ++i) {
        spawning.begin();
        pid_t child = fork();
        if (child < 0) return fail("fork");
        if (child == 0) {
            execl(noop.c_str(), "vp_noop", static_cast<char*>(nullptr));
            _exit(127);
        }
        spawning.end();
        int status = 0;
        spawning.begin();
        siginfo_t exited{};
        waitid(P_PID, child, &exited, WEXITED | WNOWAIT);  // a zombie: its schedstat is still there
        spawning.end();
        char path[64];
        std::snprintf(path, sizeof(path), "/proc/%d/schedstat", static_cast<int>(child));
        SchedStat child_stat;
        if (read_schedstat(path, child_stat)) children_runqueue_ns += child_stat.run_queue_wait_ns;
        waitpid(child, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "vp_explain_fixture: %s failed\n", noop.c_str());
            return 1;
        }
    }
    // The children's waits for a CPU happened while the loop waited for them.
    std::uint64_t spawning_ns = spawning.total_ns();
    spawning_ns = spawning_ns > children_runqueue_ns ? spawning_ns - children_runqueue_ns : 0;
    std::uint64_t runqueue_ns =
        read_own_schedstat().run_queue_wait_ns - loop_start.run_queue_wait_ns + children_runqueue_ns;
    report("burst", spawning_ns, getpid(),
           "children=" + std::to_string(count) + " runqueue_ns=" + std::to_string(runqueue_ns));
    return 0;
}

int sqlite_busy(const char* path, const char* fifo) {
    sqlite3* db = nullptr;
    if (sqlite3_open(path, &db) != SQLITE_OK) return fail("sqlite3_open");
    sqlite3_busy_timeout(db, 10000);
    notify(fifo);
    PlantedClock waited;
    waited.begin();
    char* error = nullptr;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, &error) != SQLITE_OK) {
        std::fprintf(stderr, "vp_explain_fixture: BEGIN IMMEDIATE: %s\n", error ? error : "?");
        return 1;
    }
    waited.end();
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    report("sqlite-busy", waited.total_ns(), getpid(), std::string("path=") + path);
    return 0;
}

int idle_workers(double ms) {
    std::mutex mutex;
    std::condition_variable done_signal;
    bool done = false;
    std::vector<std::thread> workers;
    for (int i = 0; i < 8; ++i)
        workers.emplace_back([&] {
            std::unique_lock<std::mutex> lock(mutex);
            done_signal.wait(lock, [&] { return done; });
        });
    std::uint64_t before = clock_now_ns(CLOCK_THREAD_CPUTIME_ID);
    burn_cpu_ms(ms);
    std::uint64_t burnt = clock_now_ns(CLOCK_THREAD_CPUTIME_ID) - before;
    {
        std::lock_guard<std::mutex> lock(mutex);
        done = true;
    }
    done_signal.notify_all();
    for (std::thread& worker : workers) worker.join();
    report("threads", burnt, getpid(), "main_tid=" + std::to_string(gettid()));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    run_delay_at_main_ns = read_own_schedstat().run_queue_wait_ns;
    if (argc < 2) {
        std::fprintf(stderr, "usage: vp_explain_fixture MODE [ARGS] (see the source)\n");
        return 2;
    }
    std::string mode = argv[1];
    const char* arg = argc > 2 ? argv[2] : "";
    if (mode == "cpu-child") return child_then_wait(mode, std::atof(arg), true);
    if (mode == "sleep-child") return child_then_wait(mode, std::atof(arg), false);
    if (mode == "fsync") return fsync_loop(arg, argc > 3 ? std::atoi(argv[3]) : 20);
    const char* fifo = argc > 3 ? argv[3] : "";
    if (mode == "flock") return wait_for_flock(arg, fifo);
    if (mode == "tcp") return ask_server(std::atoi(arg));
    if (mode == "cpu") return burn_under_contention(std::atof(arg));
    if (mode == "pipeline") return pipeline(std::atof(arg));
    if (mode == "burst") return burst(std::atoi(arg));
    if (mode == "sqlite-busy") return sqlite_busy(arg, fifo);
    if (mode == "threads") return idle_workers(std::atof(arg));
    std::fprintf(stderr, "vp_explain_fixture: unknown mode '%s'\n", mode.c_str());
    return 2;
}
