#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"

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
    "  diff       what changed between two sessions, with confidence intervals\n"
    "  check      a session or a diff against alert thresholds (CI gate: exit 0/1/2)\n"
    "  assess     run the rollout load-testing suite into an HTML report (root)\n"
    "\n"
    "Run 'validprof <command> --help' for its options and an example.\n"
    "example:\n"
    "  sudo validprof record -- ./scripts/demo-hooks.sh && validprof report\n";

}  // namespace

int run_command_line(int argc, char** argv) {
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
    if (command == "explain") return run_explain(arguments);
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
    std::fprintf(stderr, "validprof: unknown command '%s'\n", command.c_str());
    std::fputs(kUsage, stderr);
    return 2;
}

}  // namespace validprof::cli
