#include "validcore/command_line.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "validation/hooks/hook_runner.h"

namespace validprof::validcore {

namespace po = boost::program_options;
using validation::HookKind;
using validation::HookRequest;

namespace {

constexpr const char* kUsage =
    "usage: validcore hooks HOOK [options]\n"
    "\n"
    "Runs one agent hook the way `npx claude-flow hooks HOOK` does: records it in\n"
    ".swarm/memory.db under the working directory and, on post-edit and post-task\n"
    "when the rollout admits this user, validates the completion: checks on the\n"
    "files, a truth score, and Byzantine consensus among validator threads.\n"
    "\n"
    "HOOK: pre-task|post-task|pre-edit|post-edit|pre-command|post-command|session-end|notify\n"
    "\n"
    "examples:\n"
    "  validcore hooks pre-task --description 'refactor the parser'\n"
    "  validcore hooks post-edit --file src/parser.c --memory-key swarm/coder/step-1 \\\n"
    "      --rollout-percent 100 --mode development --check-command 'cc -fsyntax-only \"$1\"'\n"
    "  validcore hooks post-edit --file config.yaml --rollout-percent 100 \\\n"
    "      --fault validator=0:silent --fault validator=2:slow --validators 7 --faulty-tolerance 2\n"
    "  validcore hooks session-end --generate-summary true\n";

struct Options {
    std::vector<std::string> files;
    std::string memory_key, description, command, message, task_id, session_id, agent;
    std::string validate_safety = "false";
    std::string ignored;
    int exit_code = 0;
    std::string database;
    bool batched = false;
    std::string rollout_percent;
    std::string user;
    std::string mode = "moderate";
    int validators = 4;
    int faulty_tolerance = 1;
    std::vector<std::string> faults;
    std::string check_command;
    int check_timeout_ms = 30'000;
    int max_line_length = 120;
    int view_timeout_ms = 50;
    int consensus_timeout_ms = 60'000;
    std::string link_delay_us;
    std::uint64_t seed = 0;
    bool fail_on_reject = false;
    bool verbose = false;
    bool help = false;
};

po::options_description describe(Options& o) {
    po::options_description hook("hook options");
    hook.add_options()
        ("file", po::value(&o.files)->composing()->value_name("FILE"), "file edited (post-edit, pre-edit) or to validate (post-task); repeatable")
        ("memory-key", po::value(&o.memory_key)->value_name("KEY"), "memory key of the step, e.g. swarm/coder/step-1 (its agent part names the agent)")
        ("description", po::value(&o.description)->value_name("TEXT"), "task description (pre-task)")
        ("command", po::value(&o.command)->value_name("CMD"), "the command run (pre-command, post-command)")
        ("exit-code", po::value(&o.exit_code)->value_name("N"), "the command's exit status (post-command)")
        ("message", po::value(&o.message)->value_name("TEXT"), "notification text (notify)")
        ("task-id", po::value(&o.task_id)->value_name("ID"), "task id (pre-task generates one if absent)")
        ("session-id", po::value(&o.session_id)->value_name("ID"), "session id (session-end)")
        ("agent", po::value(&o.agent)->value_name("NAME"), "agent whose track record feeds agent reliability (default: from --memory-key swarm/AGENT/..., else $VALIDCORE_AGENT)")
        ("validate-safety", po::value(&o.validate_safety)->implicit_value("true")->value_name("BOOL"), "pre-command: refuse dangerous commands (exit 2)")
        ("format", po::value(&o.ignored)->implicit_value("true")->value_name("BOOL"), "accepted for compatibility, no effect")
        ("update-memory", po::value(&o.ignored)->implicit_value("true")->value_name("BOOL"), "accepted for compatibility, no effect")
        ("generate-summary", po::value(&o.ignored)->implicit_value("true")->value_name("BOOL"), "accepted for compatibility (session-end always summarizes)")
        ("export-metrics", po::value(&o.ignored)->implicit_value("true")->value_name("BOOL"), "accepted for compatibility, no effect")
        ("db", po::value(&o.database)->value_name("PATH"), "memory database (default: .swarm/memory.db)")
        ("batched", po::bool_switch(&o.batched), "one transaction per hook instead of autocommit statements");

    po::options_description validation("completion validation (post-edit, post-task)");
    validation.add_options()
        ("rollout-percent", po::value(&o.rollout_percent)->value_name("P"), "validate when hash(user-truth-based-validation) % 100 < P (default: $VALIDCORE_ROLLOUT_PERCENT, else 0)")
        ("user", po::value(&o.user)->value_name("ID"), "user id for the rollout (default: $VALIDCORE_USER, else $USER)")
        ("mode", po::value(&o.mode)->value_name("MODE"), "strict (0.95), moderate (0.85, default) or development (0.75)")
        ("validators", po::value(&o.validators)->value_name("N"), "validators n (default 4)")
        ("faulty-tolerance", po::value(&o.faulty_tolerance)->value_name("F"), "faulty validators tolerated f, n >= 3f+1 (default 1)")
        ("fault", po::value(&o.faults)->composing()->value_name("validator=I:KIND"), "inject a fault: silent, slow, equivocate or always-reject; or hook:forge-evidence (the hook claims every check passed); repeatable")
        ("check-command", po::value(&o.check_command)->value_name("CMD"), "test or lint command run via /bin/sh -c per file ($1 and $VALIDCORE_FILE name it)")
        ("check-timeout-ms", po::value(&o.check_timeout_ms)->value_name("MS"), "kill the check command after this long (default 30000)")
        ("max-line-length", po::value(&o.max_line_length)->value_name("COLUMNS"), "line-length limit for C/C++ (default 120)")
        ("view-timeout-ms", po::value(&o.view_timeout_ms)->value_name("MS"), "first view's timeout before a view change; doubles per view (default 50)")
        ("consensus-timeout-ms", po::value(&o.consensus_timeout_ms)->value_name("MS"), "give up on consensus after this long (default 60000)")
        ("link-delay-us", po::value(&o.link_delay_us)->value_name("MIN:MAX"), "random delay per message, for stress runs (default none)")
        ("seed", po::value(&o.seed)->value_name("N"), "seed for --link-delay-us")
        ("fail-on-reject", po::bool_switch(&o.fail_on_reject), "exit 2 unless the validators approve");

    po::options_description general("general");
    general.add_options()
        ("verbose,v", po::bool_switch(&o.verbose), "per-validator details on stderr")
        ("help,h", po::bool_switch(&o.help), "show this help");

    po::options_description all;
    all.add(hook).add(validation).add(general);
    return all;
}

void print_error(const std::string& context, const std::string& message) {
    std::fprintf(stderr, "%s: %s\n", context.c_str(), message.c_str());
}

bool parse_bool(const std::string& text) { return text == "true" || text == "1" || text == "yes"; }

std::optional<int> parse_int(const std::string& text) {
    int value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// "swarm/coder/step-1" -> "coder".
std::string agent_from_memory_key(const std::string& key) {
    if (!key.starts_with("swarm/")) return {};
    const std::size_t end = key.find('/', 6);
    return key.substr(6, end == std::string::npos ? std::string::npos : end - 6);
}

void init_logging(bool verbose) {
    auto logger = spdlog::stderr_color_mt("validcore");
    logger->set_pattern("validcore: %^%l%$: %v");
    logger->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

void log_validation(const validation::ValidationRecord& record) {
    for (const auto& file : record.evidence.files) {
        for (const auto& check : file.checks) {
            spdlog::debug("{}: {} {}{}", file.path, check.name, check.passed ? "passed" : "failed",
                          check.detail.empty() ? "" : " (" + check.detail + ")");
        }
        if (file.command) {
            spdlog::debug("{}: command exit {} ({} warning lines, {:.1f} ms)", file.path, file.command->exit_status,
                          file.command->warning_lines, file.command->elapsed_ms);
        }
    }
    for (const auto& replica : record.consensus.replicas) {
        spdlog::debug("validator {} ({}): vote {} score {:.3f} confidence {:.3f}, committed {} in view {}, {} view changes",
                      replica.id, validation::fault_kind_name(replica.fault),
                      replica.evaluation.approve ? "approve" : "reject", replica.evaluation.score,
                      replica.evaluation.confidence, validation::decision_name(replica.committed),
                      replica.committed_view == validation::kNoView ? -1 : static_cast<long>(replica.committed_view),
                      replica.view_changes);
    }
}

// Turns parsed options into a request; errors are one-line messages.
common::Result<HookRequest> build_request(HookKind kind, const Options& o) {
    HookRequest request;
    validation::HookInput& input = request.input;
    input.kind = kind;
    input.files = o.files;
    input.memory_key = o.memory_key;
    input.description = o.description;
    input.command = o.command;
    input.message = o.message;
    input.task_id = o.task_id;
    input.session_id = o.session_id;
    input.agent = !o.agent.empty() ? o.agent : agent_from_memory_key(o.memory_key);
    if (input.agent.empty()) input.agent = env_or("VALIDCORE_AGENT", "");
    if (kind == HookKind::PostCommand) input.exit_code = o.exit_code;
    input.validate_safety = parse_bool(o.validate_safety);
    input.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    input.pid = static_cast<int>(::getpid());

    if (!o.database.empty()) request.database_path = o.database;
    request.batched = o.batched;

    const std::string percent = !o.rollout_percent.empty() ? o.rollout_percent : env_or("VALIDCORE_ROLLOUT_PERCENT", "0");
    auto parsed_percent = parse_int(percent);
    if (!parsed_percent || *parsed_percent < 0 || *parsed_percent > 100) {
        return common::make_error("rollout percent '" + percent + "' is not a number from 0 to 100");
    }
    request.rollout_percent = *parsed_percent;
    request.user = !o.user.empty() ? o.user : env_or("VALIDCORE_USER", env_or("USER", "uid-" + std::to_string(::getuid())));

    auto mode = validation::parse_mode(o.mode);
    if (!mode) return mode.error();
    request.mode = *mode;

    request.checks.check_command = o.check_command;
    if (o.check_timeout_ms <= 0) return common::make_error("--check-timeout-ms must be positive");
    request.checks.command_timeout = std::chrono::milliseconds(o.check_timeout_ms);
    if (o.max_line_length <= 0) return common::make_error("--max-line-length must be positive");
    request.checks.max_line_length = o.max_line_length;

    validation::ConsensusConfig& consensus = request.consensus;
    consensus.validators = o.validators;
    consensus.faulty_tolerance = o.faulty_tolerance;
    if (o.view_timeout_ms <= 0 || o.consensus_timeout_ms <= 0) {
        return common::make_error("--view-timeout-ms and --consensus-timeout-ms must be positive");
    }
    consensus.view_timeout = std::chrono::milliseconds(o.view_timeout_ms);
    consensus.deadline = std::chrono::milliseconds(o.consensus_timeout_ms);
    consensus.seed = o.seed;
    for (const std::string& spec : o.faults) {
        if (spec == "hook:forge-evidence") {
            request.forge_hook_evidence = true;
            continue;
        }
        auto fault = validation::parse_fault(spec);
        if (!fault) return fault.error();
        consensus.faults.push_back(*fault);
    }
    if (!o.link_delay_us.empty()) {
        const std::size_t colon = o.link_delay_us.find(':');
        auto low = parse_int(o.link_delay_us.substr(0, colon));
        auto high = colon == std::string::npos ? low : parse_int(o.link_delay_us.substr(colon + 1));
        if (!low || !high || *low < 0 || *high < *low) {
            return common::make_error("--link-delay-us wants MIN:MAX microseconds, got '" + o.link_delay_us + "'");
        }
        consensus.link_delay = {std::chrono::microseconds(*low), std::chrono::microseconds(*high)};
    }
    request.fail_on_reject = o.fail_on_reject;
    return request;
}

}  // namespace

int run_command_line(int argc, char** argv) {
    std::vector<std::string> arguments(argv + 1, argv + argc);
    if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h" || arguments[0] == "help") {
        Options options;
        std::cout << kUsage << "\n" << describe(options) << "\n";
        return arguments.empty() ? 1 : 0;
    }
    if (arguments[0] != "hooks") {
        print_error("validcore", "unknown command '" + arguments[0] + "' (expected: hooks; see validcore --help)");
        return 1;
    }
    if (arguments.size() < 2 || arguments[1] == "--help" || arguments[1] == "-h") {
        Options options;
        std::cout << kUsage << "\n" << describe(options) << "\n";
        return arguments.size() < 2 ? 1 : 0;
    }
    const std::string hook = arguments[1];
    const std::string context = "validcore hooks " + hook;
    const std::optional<HookKind> kind = validation::parse_hook(hook);
    if (!kind) {
        print_error("validcore hooks", "unknown hook '" + hook + "' (expected " + validation::hook_names() + ")");
        return 1;
    }

    Options options;
    const po::options_description description = describe(options);
    try {
        po::variables_map values;
        po::store(po::command_line_parser(std::vector<std::string>(arguments.begin() + 2, arguments.end()))
                      .options(description)
                      .run(),
                  values);
        po::notify(values);
    } catch (const po::error& error) {
        print_error(context, std::string(error.what()) + " (see validcore hooks " + hook + " --help)");
        return 1;
    }
    if (options.help) {
        std::cout << kUsage << "\n" << description << "\n";
        return 0;
    }
    init_logging(options.verbose);

    auto request = build_request(*kind, options);
    if (!request) {
        print_error(context, request.error().message);
        return 1;
    }
    auto outcome = validation::run_hook(*request);
    if (!outcome) {
        print_error(context, outcome.error().message);
        return 1;
    }
    if (outcome->validation) log_validation(*outcome->validation);
    for (const std::string& line : outcome->lines) std::cout << line << "\n";
    return outcome->exit_status;
}

}  // namespace validprof::validcore
