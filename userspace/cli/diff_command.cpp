// `validprof diff BASE CANDIDATE`: what changed between two sessions, per
// hook, with confidence intervals (userspace/compare).
#include <iostream>

#include "cli/commands.h"
#include "cli/database_path.h"
#include "cli/option_parsing.h"
#include "cli/session_sample.h"
#include "compare/diff_output.h"

namespace validprof::cli {
namespace {

const char* const kDiffUsage =
    "usage: validprof diff BASE CANDIDATE [--hook NAME] [--top N] [--json] [--db PATH]\n"
    "\n"
    "Compares two sessions hook by hook: change of p50/p95/p99 wall time, on-CPU\n"
    "(in total and per core), each USDT phase, each normalized SQL statement\n"
    "(executions and time per invocation) and fsyncs, each with a 95% bootstrap\n"
    "interval over the complete invocations and a Mann-Whitney p-value. A change\n"
    "whose interval contains zero reads \"no detectable change\", with the\n"
    "smallest change the data could have detected. The resampling seed is\n"
    "fixed: the same sessions always print the same figures.\n"
    "\n"
    "example:\n"
    "  validprof diff 3 5\n"
    "  validprof diff 3 5 --hook post-edit --json\n";

}  // namespace

int run_diff(const std::vector<std::string>& arguments) {
    CommonOptions common;
    std::int64_t base_id = 0;
    std::int64_t candidate_id = 0;
    std::string hook;
    bool json = false;
    compare::ComparisonRequest request;
    po::options_description description("diff options");
    description.add_options()
        ("base", po::value<std::int64_t>(&base_id)->required()->value_name("BASE"), "base session id")
        ("candidate", po::value<std::int64_t>(&candidate_id)->required()->value_name("CANDIDATE"),
         "candidate session id")
        ("hook", po::value<std::string>(&hook)->value_name("NAME"), "only this hook")
        ("top", po::value<std::size_t>(&request.top_statements)->value_name("N"),
         "SQL statements listed per hook, by time (default 10, 0: all)")
        ("resamples", po::value<std::size_t>(&request.options.resamples)->value_name("N"),
         "bootstrap resamples (default 2000)")
        ("json", po::bool_switch(&json), "print JSON");
    add_common_options(description, common);
    po::positional_options_description positional;
    positional.add("base", 1).add("candidate", 1);
    auto values = parse_or_explain("diff", arguments, description, kDiffUsage, common, &positional);
    if (!values) return common.help ? 0 : 2;
    if (request.options.resamples < 100) {
        print_error("diff", "--resamples must be at least 100 for a 95% interval");
        return 2;
    }

    auto database = storage::ProfileDatabase::open(resolve_database_path(common.database), storage::OpenMode::ReadOnly);
    if (!database) {
        print_error("diff", database.error().message);
        return 1;
    }
    auto base = load_session_sample(**database, base_id);
    if (!base) {
        print_error("diff", base.error().message);
        return 1;
    }
    auto candidate = load_session_sample(**database, candidate_id);
    if (!candidate) {
        print_error("diff", candidate.error().message);
        return 1;
    }
    if (!hook.empty()) {
        bool found = false;
        for (const auto* session : {&*base, &*candidate})
            for (const model::Invocation& invocation : session->invocations) found = found || invocation.hook == hook;
        if (!found) {
            print_error("diff", "no hook '" + hook + "' in session " + std::to_string(base_id) + " or " +
                                    std::to_string(candidate_id));
            return 1;
        }
        request.hook = hook;
    }
    const compare::Comparison comparison = compare::compare_sessions(*base, *candidate, request);
    if (json)
        std::cout << compare::render_diff_json(comparison).dump(2) << "\n";
    else
        std::cout << compare::render_diff_text(comparison);
    return 0;
}

}  // namespace validprof::cli
