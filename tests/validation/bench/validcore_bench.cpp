// validcore_bench: what completion validation costs a hook.
//
// 1. post-edit hook wall time, the validcore process as an agent tool runs
//    it (fork, exec, wait), validation off versus on (n=4, f=1, no faults),
//    interleaved run by run so that drift in the machine affects both alike;
//    also --batched with validation off. p50, p99 and the p99 ratio.
// 2. one consensus round in-process on real evidence, for n = 4, 7, 10
//    (f = (n-1)/3): time to the client's (certified) decision and to all
//    threads joined, and messages per round; once with validators that score
//    the hook's evidence as sent (the protocol's own cost) and once with
//    independent validators (each re-reads the file, re-runs the checks and
//    reads the agent's history, as validcore does).
//
// usage: validcore_bench [--runs N] [--rounds N] [--validcore PATH]
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "validation/checks/file_checks.h"
#include "validation/consensus/consensus_round.h"
#include "validation/hooks/completion_validation.h"
#include "validation/hooks/independent_evaluation.h"
#include "validation/scoring/evidence.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace validprof::validation;

namespace {

struct Summary {
    double p50 = 0, p99 = 0, mean = 0, max = 0;
};

// Nearest-rank percentiles.
Summary summarize(std::vector<double> values) {
    Summary summary;
    if (values.empty()) return summary;
    std::sort(values.begin(), values.end());
    auto rank = [&](double p) {
        const std::size_t index = static_cast<std::size_t>(std::ceil(p * values.size())) - 1;
        return values[std::min(index, values.size() - 1)];
    };
    summary.p50 = rank(0.50);
    summary.p99 = rank(0.99);
    summary.max = values.back();
    for (double value : values) summary.mean += value;
    summary.mean /= values.size();
    return summary;
}

// Wall time of one validcore run in `directory`, in milliseconds; -1 when it
// failed.
double time_run(const std::string& directory, const std::vector<std::string>& argv) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::chdir(directory.c_str()) != 0) ::_exit(126);
        const int null_fd = ::open("/dev/null", O_WRONLY);
        ::dup2(null_fd, STDOUT_FILENO);
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ms : -1;
}

const char* kSample = R"(#include <stdio.h>
#include <string.h>

/* A small parser, the kind of file an agent edits. */
struct token {
    const char *text;
    size_t length;
};

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

int next_token(const char *input, struct token *out) {
    while (*input && is_space(*input)) {
        input++;
    }
    if (!*input) {
        return 0;
    }
    const char *start = input;
    while (*input && !is_space(*input)) {
        input++;
    }
    out->text = start;
    out->length = (size_t)(input - start);
    return 1;
}

int main(void) {
    struct token token;
    const char *line = "validate this completion";
    while (next_token(line, &token)) {
        printf("%.*s\n", (int)token.length, token.text);
        line = token.text + token.length;
    }
    return 0;
}
)";

void print_row(const std::string& label, const Summary& s) {
    std::printf("  %-34s p50 %8.2f ms  p99 %8.2f ms  mean %8.2f ms  max %8.2f ms\n", label.c_str(), s.p50, s.p99,
                s.mean, s.max);
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 100;
    int rounds = 200;
    std::string validcore = VALIDCORE_BINARY;
    po::options_description description("validcore_bench options");
    description.add_options()
        ("runs", po::value(&runs), "hook runs per variant (default 100)")
        ("rounds", po::value(&rounds), "consensus rounds per validator count (default 200)")
        ("validcore", po::value(&validcore), "the validcore binary")
        ("help,h", "show this help; example: validcore_bench --runs 200 --rounds 500");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, description), values);
        po::notify(values);
    } catch (const po::error& error) {
        std::fprintf(stderr, "validcore_bench: %s\n", error.what());
        return 1;
    }
    if (values.count("help")) {
        std::cout << description << "\n";
        return 0;
    }
    // The hook runs from a temporary directory: a relative path would name
    // nothing there (every run would fail).
    validcore = fs::absolute(validcore).string();

    const fs::path directory = fs::temp_directory_path() / ("validcore-bench-" + std::to_string(::getpid()));
    fs::create_directories(directory);
    std::ofstream(directory / "parser.c") << kSample;
    const std::vector<std::string> base = {validcore, "hooks", "post-edit", "--file", "parser.c", "--memory-key",
                                           "swarm/coder/step", "--mode", "development"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv = base;
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    };
    const auto off = with({"--rollout-percent", "0"});
    const auto on = with({"--rollout-percent", "100", "--validators", "4", "--faulty-tolerance", "1"});
    const auto batched = with({"--rollout-percent", "0", "--batched"});

    // Warm-up: page cache, the database file, the WAL.
    for (int i = 0; i < 5; ++i) {
        time_run(directory, off);
        time_run(directory, on);
    }
    std::vector<double> off_ms, on_ms, batched_ms;
    int failures = 0;
    for (int i = 0; i < runs; ++i) {
        for (auto [argv, into] : {std::pair{&off, &off_ms}, std::pair{&on, &on_ms}, std::pair{&batched, &batched_ms}}) {
            const double ms = time_run(directory, *argv);
            if (ms < 0) {
                ++failures;
            } else {
                into->push_back(ms);
            }
        }
    }
    const Summary off_summary = summarize(off_ms), on_summary = summarize(on_ms), batched_summary = summarize(batched_ms);
    std::printf("post-edit hook wall time, %d runs each (validcore process: fork, exec, exit)\n", runs);
    print_row("validation off (autocommit)", off_summary);
    print_row("validation off (--batched)", batched_summary);
    print_row("validation on (n=4, f=1, no faults)", on_summary);
    std::printf("  p99 ratio on/off: %.2f   p50 ratio on/off: %.2f   failures: %d\n",
                on_summary.p99 / off_summary.p99, on_summary.p50 / off_summary.p50, failures);

    // Consensus rounds on the evidence of the same file.
    auto evidence = check_file((directory / "parser.c").string(), {});
    if (!evidence) {
        std::fprintf(stderr, "validcore_bench: %s\n", evidence.error().message.c_str());
        return 1;
    }
    Evidence full;
    full.mode = Mode::Development;
    full.agent = AgentHistory{"coder", 0, 0};
    full.files.push_back(*evidence);
    const std::string evidence_json = evidence_to_json(full);
    const ValidatorContext context{(directory / ".swarm/memory.db").string(), Mode::Development, {}};
    const Evaluator as_sent = [](int, std::string_view request) { return evaluate_evidence_bytes(request); };
    const Evaluator independent = [&context](int, std::string_view request) {
        return evaluate_independently(context, request);
    };
    std::printf("\nconsensus round, in-process, %d rounds each (evidence %zu bytes)\n", rounds, evidence_json.size());
    for (auto [label, evaluator] : {std::pair{"evidence as sent", &as_sent}, std::pair{"independent", &independent}}) {
        std::printf(" validators judging: %s\n", label);
        for (int n : {4, 7, 10}) {
            ConsensusConfig config;
            config.validators = n;
            config.faulty_tolerance = (n - 1) / 3;
            std::vector<double> decision_ms, round_ms;
            std::uint64_t messages = 0, bytes = 0;
            for (int i = 0; i < rounds; ++i) {
                auto outcome = run_consensus(config, evidence_json, *evaluator);
                if (!outcome || outcome->decision != Decision::Approve || !outcome->certified) {
                    std::fprintf(stderr, "validcore_bench: a round did not approve\n");
                    return 1;
                }
                decision_ms.push_back(outcome->decision_ms);
                round_ms.push_back(outcome->round_ms);
                messages = outcome->messages;
                bytes = outcome->bytes;
            }
            const Summary decision = summarize(decision_ms), round = summarize(round_ms);
            std::printf("  n=%-2d f=%d  decision p50 %6.3f ms p99 %6.3f ms   round (threads joined) p50 %6.3f ms p99 %6.3f ms   %llu messages %llu bytes\n",
                        n, config.faulty_tolerance, decision.p50, decision.p99, round.p50, round.p99,
                        static_cast<unsigned long long>(messages), static_cast<unsigned long long>(bytes));
        }
    }
    std::error_code ignored;
    fs::remove_all(directory, ignored);
    return 0;
}
