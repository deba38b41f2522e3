#include "report/exit_status.h"

#include <sys/wait.h>

#include <csignal>
#include <cstring>

namespace validprof::report {

namespace {

// Names for the signals that end hooks in practice; others print as numbers
// because strsignal()'s prose ("Killed") is localised and longer.
const char* signal_name(int sig) {
    switch (sig) {
        case SIGHUP: return "HUP";
        case SIGINT: return "INT";
        case SIGQUIT: return "QUIT";
        case SIGILL: return "ILL";
        case SIGTRAP: return "TRAP";
        case SIGABRT: return "ABRT";
        case SIGBUS: return "BUS";
        case SIGFPE: return "FPE";
        case SIGKILL: return "KILL";
        case SIGUSR1: return "USR1";
        case SIGSEGV: return "SEGV";
        case SIGUSR2: return "USR2";
        case SIGPIPE: return "PIPE";
        case SIGALRM: return "ALRM";
        case SIGTERM: return "TERM";
        case SIGXCPU: return "XCPU";
        case SIGXFSZ: return "XFSZ";
        case SIGSYS: return "SYS";
        default: return nullptr;
    }
}

}  // namespace

std::string describe_exit_status(std::int32_t wait_status) {
    const int status = wait_status;
    if (WIFEXITED(status)) {
        const int code = WEXITSTATUS(status);
        return code == 0 ? "0" : "exit " + std::to_string(code);
    }
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        std::string text = "signal " + std::to_string(sig);
        if (const char* name = signal_name(sig)) text += std::string(" (") + name + ")";
        if (WCOREDUMP(status)) text += ", core dumped";
        return text;
    }
    // Stopped/continued statuses are not exit statuses; show the raw value
    // rather than guess.
    return "status " + std::to_string(status);
}

}  // namespace validprof::report
