// `validprof check`: a session (or a diff of two) against an alert-threshold
// file, as a CI gate. Exit status: the verdict (0 OK, 1 WARNING, 2
// CRITICAL), or 3 for a usage mistake or an invalid threshold file, 4 when
// the profile database or a session cannot be read. Usage errors elsewhere
// in validprof exit 2; here that would read as CRITICAL, so a gate could
// not tell a broken invocation from a failed rollout.
#include <iostream>

#include "cli/commands.h"
#include "cli/database_path.h"
#include "cli/option_parsing.h"
#include "cli/session_sample.h"
#include "thresholds/threshold_check.h"

namespace validprof::cli {
namespace {

constexpr int kCheckUsageError = 3;
constexpr int kCheckDataError = 4;

const char* const kCheckUsage =
    "usage: validprof check --thresholds FILE (--session N | --diff BASE CANDIDATE) [--stage NAME] [--json] [--db PATH]\n"
    "\n"
    "Judges measured figures against alert thresholds (performance_alerts:) and,\n"
    "with --stage, a rollout stage's success criterion and rollback trigger\n"
    "(rollout:). One line per threshold and hook: OK, WARNING, CRITICAL or SKIP\n"
    "(cannot be measured from the session; the reason is printed), with the\n"
    "measured value, its 95% bootstrap interval and the limit. Relative limits\n"
    "(+5%) and stages need --diff. probes/phase4-thresholds.yaml holds the\n"
    "seed assessment's values; docs/assessment.md describes the format.\n"
    "\n"
    "exit status: 0 OK, 1 WARNING, 2 CRITICAL (the worst line); 3 usage error or\n"
    "invalid threshold file; 4 the database or a session cannot be read.\n"
    "\n"
    "example:\n"
    "  validprof check --thresholds probes/phase4-thresholds.yaml --session 7\n"
    "  validprof check --thresholds probes/phase4-thresholds.yaml --diff 3 7 --stage 4A\n";

}  // namespace

int run_check(const std::vector<std::string>& arguments) {
    CommonOptions common;
    std::string thresholds_path;
    std::int64_t session_id = 0;
    std::vector<std::int64_t> diff;
    std::string stage_name;
    bool json = false;
    po::options_description description("check options");
    description.add_options()
        ("thresholds", po::value<std::string>(&thresholds_path)->required()->value_name("FILE"), "alert-threshold file")
        ("session", po::value<std::int64_t>(&session_id)->value_name("N"), "check one session")
        ("diff", po::value<std::vector<std::int64_t>>(&diff)->multitoken()->value_name("BASE CANDIDATE"),
         "check the candidate session against the base")
        ("stage", po::value<std::string>(&stage_name)->value_name("NAME"), "also judge this rollout stage (needs --diff)")
        ("json", po::bool_switch(&json), "print JSON");
    add_common_options(description, common);
    auto values = parse_or_explain("check", arguments, description, kCheckUsage, common);
    if (!values) return common.help ? 0 : kCheckUsageError;
    const bool by_session = values->count("session") > 0;
    const bool by_diff = values->count("diff") > 0;
    if (by_session == by_diff) {
        print_error("check", "give exactly one of --session N and --diff BASE CANDIDATE");
        return kCheckUsageError;
    }
    if (by_diff && diff.size() != 2) {
        print_error("check", "--diff takes two session ids, BASE and CANDIDATE");
        return kCheckUsageError;
    }

    auto file = thresholds::load_threshold_file(thresholds_path);
    if (!file) {
        print_error("check", file.error().message);
        return kCheckUsageError;
    }
    const thresholds::RolloutStage* stage = nullptr;
    if (!stage_name.empty()) {
        stage = thresholds::find_stage(*file, stage_name);
        if (!stage) {
            std::string known;
            for (const auto& s : file->stages) known += (known.empty() ? "" : ", ") + s.name;
            print_error("check", "no stage '" + stage_name + "' in " + thresholds_path +
                                     (known.empty() ? " (it has no rollout: section)" : " (stages: " + known + ")"));
            return kCheckUsageError;
        }
    }

    auto database = storage::ProfileDatabase::open(resolve_database_path(common.database), storage::OpenMode::ReadOnly);
    if (!database) {
        print_error("check", database.error().message);
        return kCheckDataError;
    }
    auto candidate = load_session_sample(**database, by_diff ? diff[1] : session_id);
    if (!candidate) {
        print_error("check", candidate.error().message);
        return kCheckDataError;
    }
    std::optional<compare::SessionSample> base;
    if (by_diff) {
        auto loaded = load_session_sample(**database, diff[0]);
        if (!loaded) {
            print_error("check", loaded.error().message);
            return kCheckDataError;
        }
        base = std::move(*loaded);
    }
    const thresholds::CheckResult result =
        thresholds::run_check(*file, base ? &*base : nullptr, *candidate, stage);
    if (json)
        std::cout << thresholds::render_check_json(result).dump(2) << "\n";
    else
        std::cout << thresholds::render_check_text(result);
    return thresholds::exit_status(result.worst);
}

}  // namespace validprof::cli
