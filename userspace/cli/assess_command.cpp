// `validprof assess`: the load-testing suite, recorded and judged
// (userspace/assess), into DIR/report.md and DIR/report.html.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "assess/assessment_report.h"
#include "assess/runner.h"
#include "bpf_support/kernel_features.h"
#include "cli/commands.h"
#include "cli/option_parsing.h"
#include "cli/session_sample.h"

namespace validprof::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kAssessUsageError = 3;
constexpr int kAssessFailure = 4;

const char* const kAssessUsage =
    "usage: validprof assess --out DIR [--suite FILE] [--quick] [--thresholds FILE] [--validcore PATH]\n"
    "\n"
    "Runs the load-testing suite, each scenario recorded as its own session\n"
    "(validprof record --usdt --sql) into DIR/assessment.db, judges every\n"
    "scenario with `check` against the thresholds (default: the seed's,\n"
    "probes/phase4-thresholds.yaml, built in), and writes DIR/report.md and a\n"
    "self-contained DIR/report.html. Default suite: the seed assessment's\n"
    "load tests against the validation core (validcore hooks ...): baseline,\n"
    "10% and 25% rollout, each rollout stage, peak load, consensus stress,\n"
    "database under a concurrent writer. --quick: a few invocations each, for\n"
    "CI (under 3 minutes on 2 cores). --suite FILE: other hook commands (see\n"
    "docs/assessment.md). Needs root (it records).\n"
    "\n"
    "exit status: the worst check verdict (0 OK, 1 WARNING, 2 CRITICAL); 3 usage\n"
    "error or invalid suite/threshold file; 4 a scenario could not be recorded.\n"
    "\n"
    "example:\n"
    "  sudo validprof assess --quick --out /tmp/assessment\n"
    "  sudo validprof assess --suite my-hooks.yaml --out assessment\n";

std::string self_path() {
    std::error_code error;
    fs::path path = fs::read_symlink("/proc/self/exe", error);
    return error ? std::string("validprof") : path.string();
}

// --validcore, $VALIDCORE, the build tree's (beside cli/), or PATH's.
std::string find_validcore(const std::string& option) {
    if (!option.empty()) return option;
    if (const char* env = std::getenv("VALIDCORE"); env && *env) return env;
    const fs::path beside = fs::path(self_path()).parent_path().parent_path() / "validcore" / "validcore";
    if (::access(beside.c_str(), X_OK) == 0) return beside.string();
    const fs::path installed = fs::path(self_path()).parent_path() / "validcore";
    if (::access(installed.c_str(), X_OK) == 0) return installed.string();
    return "validcore";
}

std::string joined(const std::vector<std::string>& arguments) {
    std::string text = "validprof assess";
    for (const std::string& argument : arguments) text += " " + assess::shell_quote(argument);
    return text;
}

bool write_file(const fs::path& path, const std::string& content) {
    std::ofstream file(path);
    file << content;
    return static_cast<bool>(file);
}

}  // namespace

int run_assess(const std::vector<std::string>& arguments) {
    CommonOptions common;
    std::string out;
    std::string suite_path;
    std::string thresholds_path;
    std::string validcore_option;
    bool quick = false;
    po::options_description description("assess options");
    description.add_options()
        ("out", po::value<std::string>(&out)->required()->value_name("DIR"), "output directory (created)")
        ("suite", po::value<std::string>(&suite_path)->value_name("FILE"), "suite file (default: the built-in suite)")
        ("quick", po::bool_switch(&quick), "brief scenarios, for CI")
        ("thresholds", po::value<std::string>(&thresholds_path)->value_name("FILE"),
         "alert thresholds (default: probes/phase4-thresholds.yaml, built in)")
        ("validcore", po::value<std::string>(&validcore_option)->value_name("PATH"),
         "validcore binary for the default suite (default: $VALIDCORE, the build tree's, PATH's)")
        ("verbose,v", po::bool_switch(&common.verbose), "debug logging")
        ("help,h", po::bool_switch(&common.help), "show this help");
    if (!parse_or_explain("assess", arguments, description, kAssessUsage, common)) return common.help ? 0 : kAssessUsageError;

    thresholds::ThresholdFile thresholds_file = thresholds::shipped_thresholds();
    std::string thresholds_name = thresholds::kShippedThresholdsName;
    if (!thresholds_path.empty()) {
        auto loaded = thresholds::load_threshold_file(thresholds_path);
        if (!loaded) {
            print_error("assess", loaded.error().message);
            return kAssessUsageError;
        }
        thresholds_file = std::move(*loaded);
        thresholds_name = thresholds_path;
    }
    assess::Suite suite;
    if (!suite_path.empty()) {
        auto loaded = assess::load_suite_file(suite_path);
        if (!loaded) {
            print_error("assess", loaded.error().message);
            return kAssessUsageError;
        }
        suite = std::move(*loaded);
    } else {
        const std::string validcore = find_validcore(validcore_option);
        suite = assess::default_suite({validcore, quick}, thresholds_file);
    }
    for (const assess::Scenario& scenario : suite.scenarios)
        if (!scenario.stage.empty() && !thresholds::find_stage(thresholds_file, scenario.stage)) {
            print_error("assess", "scenario " + scenario.name + " names stage '" + scenario.stage +
                                      "', which " + thresholds_name + " does not define");
            return kAssessUsageError;
        }
    if (auto privileges = bpf_support::check_tracing_privileges(); !privileges) {
        print_error("assess", privileges.error().message);
        return kAssessFailure;
    }

    std::error_code error;
    fs::create_directories(out, error);
    const fs::path out_dir = fs::absolute(out, error);
    assess::RunOptions options{self_path(), out_dir.string(), (out_dir / "assessment.db").string()};
    std::size_t done = 0;
    auto runs = assess::run_suite(suite, options, [&](const std::string& name) {
        std::fprintf(stderr, "validprof assess: [%zu/%zu] %s\n", ++done, suite.scenarios.size(), name.c_str());
    });
    if (!runs) {
        print_error("assess", runs.error().message);
        return kAssessFailure;
    }

    auto database = storage::ProfileDatabase::open(options.database, storage::OpenMode::ReadOnly);
    if (!database) {
        print_error("assess", database.error().message);
        return kAssessFailure;
    }
    std::vector<compare::SessionSample> sessions;
    for (const assess::ScenarioRun& run : *runs) {
        auto sample = load_session_sample(**database, run.session_id);
        if (!sample) {
            print_error("assess", sample.error().message);
            return kAssessFailure;
        }
        sessions.push_back(std::move(*sample));
    }
    assess::Assessment assessment = assess::analyze(suite, *runs, std::move(sessions), thresholds_file, thresholds_name);
    assessment.out_dir = out_dir.string();
    assessment.database = options.database;
    assessment.command_line = joined(arguments);
    const assess::Document document = assess::build_report(assessment);
    if (!write_file(out_dir / "report.md", assess::render_markdown(document)) ||
        !write_file(out_dir / "report.html", assess::render_html(document))) {
        print_error("assess", "cannot write the reports into " + out_dir.string());
        return kAssessFailure;
    }
    std::printf("assessment: %s (exit %d); reports: %s, %s\n", thresholds::verdict_name(assessment.worst),
                thresholds::exit_status(assessment.worst), (out_dir / "report.md").c_str(),
                (out_dir / "report.html").c_str());
    return thresholds::exit_status(assessment.worst);
}

}  // namespace validprof::cli
