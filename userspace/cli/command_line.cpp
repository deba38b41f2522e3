#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "text/text_layout.h"

namespace validprof::cli {
namespace {

const char* const kUsage =
    "usage: validprof <command> [options]\n"
    "\n"
    "Measures hook pipelines (git hooks, agent-tool hooks) with eBPF: per-hook\n"
    "latency percentiles and where the time went.\n"
    "\n"
    "commands:\n"
    "  attach     observe hooks system-wide until Ctrl-C or --duration (root)\n"
    "  record     run a command under observation: record [options] -- COMMAND (root)\n"
    "  sessions   list the recorded sessions\n"
    "  report     per-hook latency percentiles and the time breakdown\n"
    "  explain    why each hook took its time: causes on the critical path, with evidence\n"
    "  flamegraph on-CPU/off-CPU/wall flame graphs of a session recorded with --stacks\n"
    "  timeline   a session as a Chrome trace-event timeline (ui.perfetto.dev, chrome://tracing)\n"
    "  rules      the hook rules in effect (catalogue, --rules, --hook, Claude Code's settings)\n"
    "  diff       what changed between two sessions, with confidence intervals\n"
    "  check      a session or a diff against alert thresholds (CI gate: exit 0/1/2)\n"
    "  assess     run the rollout load-testing suite into an HTML report (root)\n"
    "\n"
    "Run 'validprof <command> --help' for its options and an example.\n"
    "example:\n"
    "  sudo validprof record -- ./scripts/demo-hooks.sh && validprof report\n";


// Every command's report goes to standard output; a write that failed
// there (a full disk, a closed pipe with SIGPIPE ignored) must not end in
// exit status 0 with a truncated report.
int check_output_written(int status) {
    std::cout.flush();
    errno = 0;
    if (std::fflush(stdout) == 0 && !std::ferror(stdout) && std::cout) return status;
    int error = errno;
    // stdio's error indicator does not keep the errno of the write that
    // failed; one more write (of a newline the report would have ended
    // with) says why.
    if (error == 0 && ::write(STDOUT_FILENO, "\n", 1) < 0) error = errno;
    std::fprintf(stderr, "validprof: cannot write the output: %s\n",
                 error ? std::strerror(error) : "write error");
    return status == 0 ? 1 : status;
}

int dispatch(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    std::string command = argv[1];
    std::vector<std::string> arguments(argv + 2, argv + argc);
    if (command == "attach") return run_attach(arguments);
    if (command == "record") return run_record(arguments);
    if (command == "sessions") return run_sessions(arguments);
    if (command == "report") return run_report(arguments);
    if (command == "flamegraph") return run_flamegraph(arguments);
    if (command == "timeline") return run_timeline(arguments);
    if (command == "explain") return run_explain(arguments);
    if (command == "rules") return run_rules(arguments);
    if (command == "diff") return run_diff(arguments);
    if (command == "check") return run_check(arguments);
    if (command == "assess") return run_assess(arguments);
    if (command == "--help" || command == "-h" || command == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (command == "--version") {
        std::puts("validprof " VALIDPROF_VERSION);
        return 0;
    }
    std::fprintf(stderr, "validprof: unknown command '%s'\n", text::sanitize(text::truncate(command, 80)).c_str());
    std::fputs(kUsage, stderr);
    return 2;
}

}  // namespace

int run_command_line(int argc, char** argv) { return check_output_written(dispatch(argc, argv)); }

}  // namespace validprof::cli
