// `validprof attach` and `validprof record`: option parsing in front of
// observe() (observe_session.cpp).
#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "cli/database_path.h"
#include "cli/observe_session.h"
#include "cli/option_parsing.h"
#include "cli/status_line.h"

namespace validprof::cli {
namespace {

const char* const kAttachUsage =
    "usage: validprof attach [--duration SECONDS] [--hook NAME=REGEX]... [--rules FILE] [--db PATH]\n"
    "                        [--metrics [ADDR:]PORT] [--json-lines]\n"
    "\n"
    "Observe hook invocations system-wide until Ctrl-C, SIGTERM or --duration.\n"
    "Needs root (CAP_BPF and CAP_PERFMON).\n"
    "\n"
    "example:\n"
    "  sudo validprof attach --duration 30\n"
    "  sudo validprof attach --hook post-edit='hooks post-edit' --hook fmt='prettier'\n"
    "  sudo validprof attach --metrics 9464        # Prometheus scrapes http://127.0.0.1:9464/metrics\n"
    "  sudo validprof attach --json-lines | jq -c '{hook, wall_ns}'\n";

const char* const kRecordUsage =
    "usage: validprof record [--hook NAME=REGEX]... [--rules FILE] [--timeline] [--db PATH] -- COMMAND [ARGS...]\n"
    "\n"
    "Run COMMAND under observation. Processes in its tree whose exec matches a\n"
    "hook rule start invocations; when none matches, the whole tree is one\n"
    "invocation named after COMMAND. Exits with COMMAND's exit code.\n"
    "\n"
    "example:\n"
    "  sudo validprof record -- ./scripts/demo-hooks.sh\n"
    "  sudo validprof record --hook slow='sleep' -- sh -c 'sleep 0.1; sleep 0.2'\n"
    "  sudo validprof record --stacks --freq 999 -- git commit -m wip\n"
    "  sudo validprof record --timeline -- ./hook.sh && validprof timeline -o hook.json\n";

// --stacks, --freq, --offcpu-min-us: shared by attach and record.
struct StackFlags {
    bool enabled = false;
    std::uint32_t frequency_hz = 99;
    double offcpu_min_us = 1000;
    std::string unwind = "cfi";
    std::uint32_t stack_copy_kb = 16;
};

void add_stack_options(po::options_description& description, StackFlags& flags) {
    description.add_options()
        ("stacks", po::bool_switch(&flags.enabled), "also record on-CPU and off-CPU stack profiles (see `validprof flamegraph`)")
        ("freq", po::value<std::uint32_t>(&flags.frequency_hz)->value_name("HZ"),
         "on-CPU sampling frequency per CPU, implies --stacks (default 99; up to 4999 and more for short hooks)")
        ("offcpu-min-us", po::value<double>(&flags.offcpu_min_us)->value_name("US"),
         "shortest off-CPU episode recorded, implies --stacks (default 1000)")
        ("unwind", po::value<std::string>(&flags.unwind)->value_name("cfi|fp"),
         "how user stacks are walked, implies --stacks: cfi (default) copies the top of the stack at each sample "
         "and unwinds it from .eh_frame, for code without frame pointers; fp walks frame pointers in the kernel")
        ("stack-copy-kb", po::value<std::uint32_t>(&flags.stack_copy_kb)->value_name("KB"),
         "user stack copied per sample with --unwind cfi, 1 to 16 (default 16)");
}

void add_probe_options(po::options_description& description, bool& usdt, bool& sql) {
    description.add_options()
        ("usdt", po::bool_switch(&usdt),
         "attach to USDT phase pairs (NAME_start/NAME_end) in the executables the hooks run; "
         "each new executable is held at its first exec until attached")
        ("sql", po::bool_switch(&sql),
         "trace SQLite in the hooks: statements, time in SQLite calls, database file I/O, syncs and locks "
         "(see `validprof report --sql`); new executables and libraries are held until inspected");
}

// Traced system calls for `validprof explain` (syncs, locks, fork, exec:
// their whole time, CPU included). They put every system call on the
// machine on the kernel's slower traced path while validprof runs, about
// 0.6 µs each here (docs/performance.md): on by default for record, which
// runs one command, opt-in for attach, which may run for days.
void add_syscall_span_option(po::options_description& description, bool& flag, bool default_on) {
    if (default_on) {
        description.add_options()("no-syscall-spans", po::bool_switch(&flag),
                                  "do not trace syscalls, forks and execs entry to exit (cheaper for everything "
                                  "else on the machine; `explain` then sees only their waits)");
    } else {
        description.add_options()("syscall-spans", po::bool_switch(&flag),
                                  "also trace syscalls, forks and execs entry to exit for `validprof explain` "
                                  "(every system call on the machine costs about 0.6 µs more meanwhile)");
    }
}

// Every off-CPU wait of a hook thread sent with its reason, not only those
// of 50 µs or more: one ring-buffer record (about 200 bytes, stored) per
// context switch of a tracked thread, so only when asked.
void add_timeline_option(po::options_description& description, bool& flag) {
    description.add_options()("timeline", po::bool_switch(&flag),
                              "record every off-CPU wait (not only those of 50 µs or more), so that "
                              "`validprof timeline` draws each thread's on-CPU, run-queue, sleeping and "
                              "blocked intervals; one stored record per context switch of a hook thread");
}

constexpr double kMaxSeconds = 365.0 * 24 * 3600;

std::vector<NumericRange> stack_option_ranges() {
    return {{"freq", 1, 100000}, {"offcpu-min-us", 0, 60e6}};
}

// Empty when stacks are not wanted; an error message for bad values.
std::optional<std::string> apply_stack_options(const po::variables_map& values, const StackFlags& flags,
                                               ObserveOptions& options) {
    if (!flags.enabled && !values.count("freq") && !values.count("offcpu-min-us") && !values.count("unwind") &&
        !values.count("stack-copy-kb"))
        return std::nullopt;
    if (flags.unwind != "cfi" && flags.unwind != "fp") return "--unwind must be cfi or fp";
    if (flags.stack_copy_kb < 1 || flags.stack_copy_kb > 16) return "--stack-copy-kb must be between 1 and 16";
    if (flags.frequency_hz == 0 || flags.frequency_hz > 100000) return "--freq must be between 1 and 100000";
    if (flags.offcpu_min_us < 0) return "--offcpu-min-us must not be negative";
    stacks::StackOptions stacks;
    stacks.frequency_hz = flags.frequency_hz;
    stacks.offcpu_min_ns = static_cast<std::uint64_t>(flags.offcpu_min_us * 1000);
    stacks.copy_bytes = flags.unwind == "cfi" ? flags.stack_copy_kb * 1024 : 0;
    options.stacks = stacks;
    return std::nullopt;
}

int finish(const std::string& command, const common::Result<ObserveOutcome>& outcome) {
    if (!outcome) {
        print_error(command, outcome.error().message);
        return 1;
    }
    return outcome->exit_code;
}

}  // namespace

int run_attach(const std::vector<std::string>& arguments) {
    CommonOptions common;
    RuleSources rule_sources;
    double duration = 0;
    po::options_description description("attach options");
    description.add_options()("duration", po::value<double>(&duration)->value_name("SECONDS"),
                              "stop after this many seconds (default: until Ctrl-C or SIGTERM)");
    add_rule_options(description, rule_sources);
    StackFlags stack_flags;
    add_stack_options(description, stack_flags);
    bool usdt = false;
    bool sql = false;
    add_probe_options(description, usdt, sql);
    bool syscall_spans = false;
    add_syscall_span_option(description, syscall_spans, false);
    bool timeline = false;
    add_timeline_option(description, timeline);
    bool json_lines = false;
    description.add_options()("json-lines", po::bool_switch(&json_lines),
                              "print each finished invocation to stdout as one JSON object per line, as it finishes");
    std::string metrics_address;
    description.add_options()("metrics", po::value<std::string>(&metrics_address)->value_name("[ADDR:]PORT"),
                              "serve Prometheus metrics on http://ADDR:PORT/metrics while attached "
                              "(ADDR defaults to 127.0.0.1; 0.0.0.0 for every interface)");
    add_common_options(description, common);
    auto values = parse_or_explain("attach", arguments, description, kAttachUsage, common);
    if (!values) return common.help ? 0 : 2;
    if (!check_ranges("attach", *values, stack_option_ranges())) return 2;
    if (values->count("duration") && !(duration > 0 && duration <= kMaxSeconds)) {
        print_error("attach", "--duration must be a number of seconds above 0, at most a year");
        return 2;
    }

    std::optional<metrics::ListenAddress> listen_address;
    if (values->count("metrics")) {
        auto parsed = metrics::parse_listen_address(metrics_address);
        if (!parsed) {
            print_error("attach", parsed.error().message);
            return 2;
        }
        listen_address = *parsed;
    }

    auto rules = resolve_rules(rule_sources, *values);
    if (!rules) {
        print_error("attach", rules.error().message);
        return 2;
    }
    ObserveOptions options;
    options.kind = ObserveOptions::Kind::Attach;
    options.metrics_address = listen_address;
    options.json_lines = json_lines;
    options.rules = std::move(*rules);
    options.database_path = resolve_database_path(common.database);
    if (values->count("duration")) options.duration_seconds = duration;
    options.show_status_line = stderr_is_terminal();
    options.usdt = usdt;
    options.sql = sql;
    options.syscall_spans = syscall_spans;
    options.timeline = timeline;
    if (auto problem = apply_stack_options(*values, stack_flags, options)) {
        print_error("attach", *problem);
        return 2;
    }
    return finish("attach", observe(std::move(options)));
}

int run_record(const std::vector<std::string>& arguments) {
    // Everything after "--" is the command, verbatim.
    auto separator = std::find(arguments.begin(), arguments.end(), "--");
    std::vector<std::string> own(arguments.begin(), separator);
    std::vector<std::string> command;
    if (separator != arguments.end()) command.assign(separator + 1, arguments.end());

    CommonOptions common;
    RuleSources rule_sources;
    double drain_timeout = 10.0;
    po::options_description description("record options");
    description.add_options()("drain-timeout", po::value<double>(&drain_timeout)->value_name("SECONDS"),
                              "after COMMAND exits, wait this long for its descendants (default 10)");
    add_rule_options(description, rule_sources);
    StackFlags stack_flags;
    add_stack_options(description, stack_flags);
    bool usdt = false;
    bool sql = false;
    add_probe_options(description, usdt, sql);
    bool no_syscall_spans = false;
    add_syscall_span_option(description, no_syscall_spans, true);
    bool timeline = false;
    add_timeline_option(description, timeline);
    add_common_options(description, common);
    auto values = parse_or_explain("record", own, description, kRecordUsage, common);
    if (!values) return common.help ? 0 : 2;
    std::vector<NumericRange> ranges = stack_option_ranges();
    ranges.push_back({"drain-timeout", 0, 3600});
    if (!check_ranges("record", *values, ranges)) return 2;
    if (command.empty()) {
        print_error("record", "no command to record: put it after --");
        std::fprintf(stderr, "%s", kRecordUsage);
        return 2;
    }

    auto rules = resolve_rules(rule_sources, *values);
    if (!rules) {
        print_error("record", rules.error().message);
        return 2;
    }
    ObserveOptions options;
    options.kind = ObserveOptions::Kind::Record;
    options.rules = std::move(*rules);
    options.database_path = resolve_database_path(common.database);
    options.command = std::move(command);
    options.drain_timeout_seconds = drain_timeout;
    options.show_status_line = stderr_is_terminal();
    options.usdt = usdt;
    options.sql = sql;
    options.syscall_spans = !no_syscall_spans;
    options.timeline = timeline;
    if (auto problem = apply_stack_options(*values, stack_flags, options)) {
        print_error("record", *problem);
        return 2;
    }
    return finish("record", observe(std::move(options)));
}

}  // namespace validprof::cli
