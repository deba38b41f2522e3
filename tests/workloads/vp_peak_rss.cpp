// A hook whose child needs memory: vp_peak_rss MIB. The child allocates MIB
// mebibytes, touches every page (so they are resident) and exits; the
// parent reaps it with wait4 and reports the kernel's own figure for the
// child's peak resident set, ru_maxrss in KiB: the truth for the peak
// validprof reads at the child's exit (signal->maxrss, the same counter).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    const long mebibytes = argc > 1 ? std::atol(argv[1]) : 64;
    const pid_t child = fork();
    if (child < 0) return 1;
    if (child == 0) {
        const std::size_t bytes = static_cast<std::size_t>(mebibytes) << 20;
        auto* memory = static_cast<char*>(std::malloc(bytes));
        if (memory == nullptr) _exit(2);
        std::memset(memory, 0x5a, bytes);
        // Read it back so the compiler keeps the writes.
        unsigned sum = 0;
        for (std::size_t i = 0; i < bytes; i += 4096) sum += static_cast<unsigned char>(memory[i]);
        _exit(sum == 0 ? 3 : 0);
    }
    int status = 0;
    rusage usage{};
    if (wait4(child, &status, 0, &usage) != child) return 1;
    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    write_truth("child=" + std::to_string(child) + " child_maxrss_kb=" + std::to_string(usage.ru_maxrss) +
                " child_status=" + std::to_string(status) + " self_maxrss_kb=" + std::to_string(self.ru_maxrss));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
