// `validprof timeline`: a session's stored invocations as a Chrome
// trace-event file (userspace/timeline), for ui.perfetto.dev and
// chrome://tracing.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/database_path.h"
#include "cli/option_parsing.h"
#include "storage/profile_database.h"
#include "timeline/chrome_trace.h"

namespace validprof::cli {
namespace {

const char* const kCommand = "timeline";

const char* const kTimelineUsage =
    "usage: validprof timeline [--session N] [--hook NAME | --invocation ID] [--format chrome] -o FILE\n"
    "                          [--db PATH]\n"
    "\n"
    "A session's invocations (default: the latest session, every invocation)\n"
    "as a timeline in the Chrome trace-event format: a track group per\n"
    "process, a track per thread, with slices for the invocation, each\n"
    "process's and thread's lifetime, USDT phases (--usdt), SQL statements\n"
    "(--sql), traced system calls and off-CPU waits. Open it at\n"
    "ui.perfetto.dev (Open trace file) or in chrome://tracing. -o - writes\n"
    "to standard output.\n"
    "\n"
    "example:\n"
    "  validprof timeline -o session.json\n"
    "  validprof timeline --session 3 --hook post-edit -o post-edit.trace.json\n"
    "  validprof timeline --invocation 42 -o - | gzip > invocation-42.json.gz\n";

// The loaded session, everything the timeline draws from.
common::Result<timeline::TimelineInput> load_timeline(storage::ProfileDatabase& database, std::int64_t session_id,
                                                      const timeline::Selection& selection) {
    timeline::TimelineInput input;
    auto session = database.load_session(session_id);
    if (!session) return session.error();
    input.session = std::move(*session);
    auto invocations = database.load_invocations(session_id, selection.hook, true);
    if (!invocations) return invocations.error();
    input.invocations = timeline::select_invocations(std::move(*invocations), selection);
    if (selection.hook && input.invocations.empty()) {
        auto hooks = database.hook_names(session_id);
        std::string known;
        if (hooks)
            for (const std::string& name : *hooks) known += (known.empty() ? "" : ", ") + name;
        return common::make_error("no invocations of hook '" + *selection.hook + "' in session " +
                                  std::to_string(session_id) + "; its hooks: " + (known.empty() ? "none" : known));
    }
    if (selection.invocation_id && input.invocations.empty())
        return common::make_error("no invocation with id " + std::to_string(*selection.invocation_id) +
                                  " in session " + std::to_string(session_id) + " (`validprof report --session " +
                                  std::to_string(session_id) + " --json` lists them)");
    if (selection.hook)
        input.selection_label = "hook " + *selection.hook;
    else if (selection.invocation_id)
        input.selection_label = "invocation " + std::to_string(*selection.invocation_id);

    auto phases = database.load_phase_executions(session_id);
    if (!phases) return phases.error();
    input.phases = std::move(*phases);
    auto recorded_sql = database.sqlite_activity_recorded(session_id);
    if (!recorded_sql) return recorded_sql.error();
    if (*recorded_sql) {
        auto activity = database.load_sqlite_activity(session_id);
        if (!activity) return activity.error();
        input.statements = std::move(activity->statements);
    }
    auto spans = database.load_syscall_spans(session_id);
    if (!spans) return spans.error();
    input.spans = std::move(*spans);
    auto waits = database.load_waits(session_id);
    if (!waits) return waits.error();
    input.waits = std::move(*waits);
    return input;
}

// Writes the trace to `output`: "-" is standard output; a regular file (or
// a new one) is written beside it and renamed over it once complete, so a
// failure leaves an existing file as it was; anything else (a FIFO,
// /dev/null) is written in place.
common::Result<void> write_trace(const nlohmann::json& trace, const std::string& output) {
    auto write_to = [&trace](std::ostream& out) -> common::Result<void> {
        try {
            out << trace << "\n";
        } catch (const nlohmann::json::exception& error) {
            return common::make_error(std::string("cannot encode the trace: ") + error.what());
        }
        out.flush();
        if (!out) return common::make_error("writing the output failed");
        return common::success();
    };
    if (output == "-") {
        // A failed write to standard output is reported once, by the
        // dispatcher (command_line.cpp), like every command's.
        try {
            std::cout << trace << "\n";
        } catch (const nlohmann::json::exception& error) {
            return common::make_error(std::string("cannot encode the trace: ") + error.what());
        }
        return common::success();
    }

    struct stat status {};
    const bool special = ::stat(output.c_str(), &status) == 0 && !S_ISREG(status.st_mode);
    if (special) {
        std::ofstream file(output, std::ios::binary);
        if (!file) return common::make_error("cannot write '" + output + "': " + std::strerror(errno));
        auto written = write_to(file);
        if (!written) return common::make_error("cannot write '" + output + "': " + written.error().message);
        return common::success();
    }
    const std::string temporary = output + ".tmp-" + std::to_string(::getpid());
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) return common::make_error("cannot write '" + output + "': " + std::strerror(errno));
    auto written = write_to(file);
    file.close();
    if (!written || !file) {
        std::remove(temporary.c_str());
        return common::make_error("cannot write '" + output + "': " +
                                  (written ? std::string("writing failed") : written.error().message));
    }
    if (std::rename(temporary.c_str(), output.c_str()) != 0) {
        const int error = errno;
        std::remove(temporary.c_str());
        return common::make_error("cannot write '" + output + "': " + std::strerror(error));
    }
    return common::success();
}

}  // namespace

int run_timeline(const std::vector<std::string>& arguments) {
    CommonOptions common;
    std::int64_t session_id = 0;
    std::int64_t invocation_id = 0;
    std::string hook, format = "chrome", output;
    po::options_description description("timeline options");
    description.add_options()
        ("session", po::value<std::int64_t>(&session_id)->value_name("N"), "session id (default: the latest)")
        ("hook", po::value<std::string>(&hook)->value_name("NAME"), "only this hook's invocations")
        ("invocation", po::value<std::int64_t>(&invocation_id)->value_name("ID"),
         "only this invocation (ids: report --json)")
        ("format", po::value<std::string>(&format)->value_name("FORMAT"),
         "chrome (default, the only one): Chrome trace-event JSON")
        ("output,o", po::value<std::string>(&output)->required()->value_name("FILE"),
         "write the trace here; - for standard output");
    add_common_options(description, common);
    auto values = parse_or_explain(kCommand, arguments, description, kTimelineUsage, common);
    if (!values) return common.help ? 0 : 2;
    if (!check_ranges(kCommand, *values, {{"session", 1, kMaxRowId}, {"invocation", 1, kMaxRowId}})) return 2;
    if (values->count("hook") && values->count("invocation")) {
        print_error(kCommand, "--hook and --invocation select differently: give one of them");
        return 2;
    }
    if (format != "chrome") {
        print_error(kCommand, "unknown --format '" + format + "': the only format is chrome");
        return 2;
    }
    if (output.empty()) {
        print_error(kCommand, "-o needs a file name, or - for standard output");
        return 2;
    }

    auto database = storage::ProfileDatabase::open(resolve_database_path(common.database), storage::OpenMode::ReadOnly);
    if (!database) {
        print_error(kCommand, database.error().message);
        return 1;
    }
    if (!values->count("session")) {
        auto latest = (*database)->latest_session_id();
        if (!latest) {
            print_error(kCommand, latest.error().message);
            return 1;
        }
        if (!*latest) {
            print_error(kCommand, "no sessions in '" + (*database)->path() +
                                      "': record one with `sudo validprof record -- COMMAND`");
            return 1;
        }
        session_id = **latest;
    }
    timeline::Selection selection;
    if (values->count("hook")) selection.hook = hook;
    if (values->count("invocation")) selection.invocation_id = invocation_id;
    auto input = load_timeline(**database, session_id, selection);
    if (!input) {
        print_error(kCommand, input.error().message);
        return 1;
    }
    auto written = write_trace(timeline::chrome_trace(*input), output);
    if (!written) {
        print_error(kCommand, written.error().message);
        return 1;
    }
    return 0;
}

}  // namespace validprof::cli
