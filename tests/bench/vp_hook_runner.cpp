// A hook runner for the benchmarks of issue 13: runs COMMAND COUNT times in
// a row, as a pipeline of hooks would (fork, exec, wait), and times each
// invocation with its own CLOCK_MONOTONIC, from before the fork to after the
// reap. It is the command that `validprof record` (or perf, or bpftrace)
// starts, so its clock readings are the workload's own:
//   start_mono_ns / start_real_ns  read as the very first action of main(),
//                                  so a parent that noted its clock just
//                                  before exec'ing the tracer gets the
//                                  tracer's time to ready;
//   wall_ns of each invocation;
//   end_mono_ns                    after the last invocation was reaped: the
//                                  command's end, from which the tracer's
//                                  exit is measured.
// The lines go to OUT at the end (no file I/O between the hooks):
//   start_mono_ns=N start_real_ns=N
//   run=I wall_ns=N            (one line per invocation, I from 1)
//   end_mono_ns=N count=COUNT
// usage: vp_hook_runner OUT COUNT COMMAND [ARGS...]
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

std::uint64_t clock_ns(clockid_t clock) {
    timespec now{};
    clock_gettime(clock, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(now.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
    const std::uint64_t start_mono = clock_ns(CLOCK_MONOTONIC);
    const std::uint64_t start_real = clock_ns(CLOCK_REALTIME);
    if (argc < 4) {
        std::fprintf(stderr,
                     "usage: vp_hook_runner OUT COUNT COMMAND [ARGS...]\n"
                     "example: vp_hook_runner /tmp/times 20 node -e 0\n");
        return 2;
    }
    const char* out_path = argv[1];
    long count = std::strtol(argv[2], nullptr, 10);
    if (count <= 0) {
        std::fprintf(stderr, "vp_hook_runner: COUNT must be a positive number, not '%s'\n", argv[2]);
        return 2;
    }
    std::vector<std::uint64_t> walls;
    walls.reserve(static_cast<std::size_t>(count));
    for (long i = 0; i < count; ++i) {
        std::uint64_t before = clock_ns(CLOCK_MONOTONIC);
        pid_t pid = fork();
        if (pid == 0) {
            execvp(argv[3], argv + 3);
            std::fprintf(stderr, "vp_hook_runner: cannot run %s: %s\n", argv[3], std::strerror(errno));
            _exit(127);
        }
        if (pid < 0) {
            std::fprintf(stderr, "vp_hook_runner: fork failed: %s\n", std::strerror(errno));
            return 1;
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        walls.push_back(clock_ns(CLOCK_MONOTONIC) - before);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "vp_hook_runner: invocation %ld of %s failed (status %d)\n", i + 1, argv[3], status);
            return 1;
        }
    }
    const std::uint64_t end_mono = clock_ns(CLOCK_MONOTONIC);
    FILE* out = std::fopen(out_path, "w");
    if (!out) {
        std::fprintf(stderr, "vp_hook_runner: cannot write %s: %s\n", out_path, std::strerror(errno));
        return 1;
    }
    std::fprintf(out, "start_mono_ns=%llu start_real_ns=%llu\n", static_cast<unsigned long long>(start_mono),
                 static_cast<unsigned long long>(start_real));
    for (std::size_t i = 0; i < walls.size(); ++i)
        std::fprintf(out, "run=%zu wall_ns=%llu\n", i + 1, static_cast<unsigned long long>(walls[i]));
    std::fprintf(out, "end_mono_ns=%llu count=%ld\n", static_cast<unsigned long long>(end_mono), count);
    return std::fclose(out) == 0 ? 0 : 1;
}
