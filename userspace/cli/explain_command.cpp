// `validprof explain`: why each hook took its wall time (userspace/explain).
#include <iostream>

#include "cli/commands.h"
#include "cli/explain_data.h"
#include "cli/database_path.h"
#include "cli/option_parsing.h"
#include "cli/terminal.h"
#include "explain/explain_output.h"
#include "explain/explanation.h"
#include "storage/profile_database.h"
#include "text/text_colour.h"

namespace validprof::cli {
namespace {

const char* const kExplainUsage =
    "usage: validprof explain [--session N] [--hook NAME | --invocation ID] [--baseline SESSION]\n"
    "                         [--top K] [--json [--paths]] [--wide] [--db PATH]\n"
    "\n"
    "Why each hook took its wall time: the critical path of every complete\n"
    "invocation (the chain of waits from its last exit back to its start,\n"
    "following whoever woke each waiting thread), cut into causes (cpu,\n"
    "runqueue, disk_io, fsync, file_lock, network, pipe, sleep, futex,\n"
    "process_spawn, observer, ...; see docs/explain.md), ranked, with evidence:\n"
    "files, sockets, who held the CPU or the lock, SQL (sessions recorded with\n"
    "--sql), USDT phases (--usdt), hottest frames (--stacks). Then what the\n"
    "slowest tenth of the invocations spent more on, and with --baseline\n"
    "what grew since another session. Default: the latest session, every hook.\n"
    "Text fits the terminal (or $COLUMNS, else 100 columns); --wide cuts nothing.\n"
    "\n"
    "example:\n"
    "  validprof explain\n"
    "  validprof explain --hook post-edit --baseline 3 --top 3\n"
    "  validprof explain --invocation 42 --json --paths\n";

}  // namespace

int run_explain(const std::vector<std::string>& arguments) {
    CommonOptions common;
    bool json = false;
    bool paths = false;
    bool wide = false;
    std::size_t top = 5;
    std::int64_t session_id = 0;
    std::int64_t invocation_id = 0;
    std::int64_t baseline_id = 0;
    std::string hook;
    po::options_description description("explain options");
    description.add_options()
        ("session", po::value<std::int64_t>(&session_id)->value_name("N"), "session id (default: the latest)")
        ("hook", po::value<std::string>(&hook)->value_name("NAME"), "only this hook")
        ("invocation", po::value<std::int64_t>(&invocation_id)->value_name("ID"), "only this invocation (ids: report --json)")
        ("baseline", po::value<std::int64_t>(&baseline_id)->value_name("SESSION"), "compare the causes with this session's")
        ("top", po::value<std::size_t>(&top)->value_name("K"), "causes listed per hook (default 5)")
        ("json", po::bool_switch(&json), "print JSON")
        ("paths", po::bool_switch(&paths), "with --json: each invocation's critical path, piece by piece")
        ("wide", po::bool_switch(&wide), "text as wide as it is: nothing cut or wrapped to fit the terminal");
    add_common_options(description, common);
    auto values = parse_or_explain("explain", arguments, description, kExplainUsage, common);
    if (!values) return common.help ? 0 : 2;
    if (values->count("hook") && values->count("invocation")) {
        print_error("explain", "--hook and --invocation select differently: give one of them");
        return 2;
    }
    if (!check_ranges("explain", *values,
                      {{"session", 1, kMaxRowId}, {"invocation", 1, kMaxRowId}, {"baseline", 1, kMaxRowId},
                       {"top", 1, 1000}}))
        return 2;

    auto database = storage::ProfileDatabase::open(resolve_database_path(common.database), storage::OpenMode::ReadOnly);
    if (!database) {
        print_error("explain", database.error().message);
        return 1;
    }
    if (!values->count("session")) {
        auto latest = (*database)->latest_session_id();
        if (!latest) {
            print_error("explain", latest.error().message);
            return 1;
        }
        if (!*latest) {
            print_error("explain", "no sessions in '" + (*database)->path() +
                                       "': record one with `sudo validprof record -- COMMAND`");
            return 1;
        }
        session_id = **latest;
    }
    std::optional<std::string> hook_filter;
    if (!hook.empty()) hook_filter = hook;
    auto session = load_session_data(**database, session_id, hook_filter);
    if (!session) {
        print_error("explain", session.error().message);
        return 1;
    }
    std::optional<explain::SessionData> baseline;
    if (values->count("baseline")) {
        auto loaded = load_session_data(**database, baseline_id, hook_filter);
        if (!loaded) {
            print_error("explain", "baseline: " + loaded.error().message);
            return 1;
        }
        baseline = std::move(*loaded);
    }

    explain::ExplainOptions options;
    options.hook = hook_filter;
    if (values->count("invocation")) options.invocation_id = invocation_id;
    explain::Explanation explanation = explain::explain_session(*session, options, baseline ? &*baseline : nullptr);
    if (explanation.hooks.empty() && (hook_filter || options.invocation_id)) {
        print_error("explain", std::string("no complete invocation ") +
                                   (hook_filter ? "of hook '" + *hook_filter + "'"
                                                : "with id " + std::to_string(invocation_id)) +
                                   " in session " + std::to_string(session_id) +
                                   " (`validprof report --session " + std::to_string(session_id) + "` lists them)");
        return 1;
    }
    if (json) {
        std::cout << explain::explanation_json(explanation, paths).dump(2) << "\n";
    } else {
        explain::TextOptions text;
        text.top_causes = top;
        text.width = output_width(wide);
        const std::string rendered = explain::explanation_text(explanation, text);
        std::cout << (colour_wanted() ? text::colourize(rendered) : rendered);
    }
    return 0;
}

}  // namespace validprof::cli
