// Runs a command the way a hook runner would, as its parent, so that the
// kernel's final figures of the command's process can be read while it is a
// zombie (workload_truth.h): vp_reaper [-n COPIES] COMMAND [ARGS...].
// It also writes when it forked each copy ("pid=C forked_ns=T"): with the
// time the copy was found final, a window that contains the copy's life.
// With -n, COPIES instances run at once. Exits with the first non-zero exit
// status of a copy (128 + signal for a killed one), else 0.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    int first = 1;
    int copies = 1;
    if (argc > 2 && std::strcmp(argv[1], "-n") == 0) {
        copies = std::atoi(argv[2]);
        first = 3;
    }
    if (first >= argc || copies < 1) {
        std::fprintf(stderr, "usage: vp_reaper [-n COPIES] COMMAND [ARGS...]\n");
        return 2;
    }
    std::vector<pid_t> children;
    for (int copy = 0; copy < copies; ++copy) {
        std::uint64_t forked_ns = monotonic_ns();
        pid_t pid = fork();
        if (pid < 0) {
            std::perror("vp_reaper: fork");
            return 2;
        }
        if (pid == 0) {
            execvp(argv[first], argv + first);
            std::fprintf(stderr, "vp_reaper: cannot run %s: %s\n", argv[first], std::strerror(errno));
            _exit(127);
        }
        children.push_back(pid);
        char line[96];
        int length = std::snprintf(line, sizeof(line), "pid=%d forked_ns=%llu\n", static_cast<int>(pid),
                                   static_cast<unsigned long long>(forked_ns));
        if (length > 0) append_truth_line(line, static_cast<std::size_t>(length));
    }
    int result = 0;
    for (std::size_t reaped = 0; reaped < children.size(); ++reaped) {
        int status = 0;
        if (reap_with_truth(-1, &status) < 0) break;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (result == 0) result = code;
    }
    return result;
}
