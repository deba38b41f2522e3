// `validprof sessions` and `validprof report`: read-only views of the
// profile database.
#include <cstdio>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/database_path.h"
#include "cli/option_parsing.h"
#include "report/json_report.h"
#include "report/sqlite_json.h"
#include "report/sqlite_text.h"
#include "report/text_layout.h"
#include "report/text_report.h"
#include "storage/profile_database.h"

namespace validprof::cli {
namespace {

const char* const kSessionsUsage =
    "usage: validprof sessions [--json] [--db PATH]\n"
    "\n"
    "List the sessions recorded in the profile database, oldest first.\n"
    "\n"
    "example:\n"
    "  validprof sessions --db ./validprof.db\n";

const char* const kReportUsage =
    "usage: validprof report [--session N] [--hook NAME] [--sql [--top N]] [--json] [--db PATH]\n"
    "\n"
    "Per-hook latency percentiles (exact, over the stored invocations) and\n"
    "where the time went: on-CPU, run-queue wait, sleeping, blocked on I/O,\n"
    "CPU time per core, the slowest invocations process by process.\n"
    "Default: the latest session. --sql: the top normalized SQL statements by\n"
    "total time instead (sessions recorded with --sql).\n"
    "\n"
    "example:\n"
    "  validprof report\n"
    "  validprof report --session 3 --hook post-edit --json\n"
    "  validprof report --sql --hook post-edit --top 10\n";

std::string local_time(std::int64_t unix_ns) {
    std::time_t seconds = static_cast<std::time_t>(unix_ns / 1'000'000'000);
    std::tm parts{};
    ::localtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &parts);
    return text;
}

std::string status_of(const model::SessionSummary& session) {
    if (session.complete) return "complete";
    return session.in_progress ? "RECORDING" : "INCOMPLETE";
}

}  // namespace

int run_sessions(const std::vector<std::string>& arguments) {
    CommonOptions common;
    bool json = false;
    po::options_description description("sessions options");
    description.add_options()("json", po::bool_switch(&json), "print JSON");
    add_common_options(description, common);
    if (!parse_or_explain("sessions", arguments, description, kSessionsUsage, common)) return common.help ? 0 : 2;

    auto database = storage::ProfileDatabase::open(resolve_database_path(common.database), storage::OpenMode::ReadOnly);
    if (!database) {
        print_error("sessions", database.error().message);
        return 1;
    }
    auto sessions = (*database)->list_sessions();
    if (!sessions) {
        print_error("sessions", sessions.error().message);
        return 1;
    }

    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const model::SessionSummary& session : *sessions) {
            // Command lines are bytes, not necessarily UTF-8: JSON needs valid text.
            list.push_back({{"id", session.id},
                            {"command", report::to_valid_utf8(session.info.command)},
                            {"target", report::to_valid_utf8(session.info.target)},
                            {"host", report::to_valid_utf8(session.info.host)},
                            {"kernel_release", report::to_valid_utf8(session.info.kernel_release)},
                            {"start_unix_ns", session.info.start_unix_ns},
                            {"end_unix_ns", session.complete ? nlohmann::json(session.end.end_unix_ns) : nlohmann::json()},
                            {"complete", session.complete},
                            {"in_progress", session.in_progress},
                            {"invocations", session.invocation_count},
                            {"lost_events", session.end.lost_events}});
        }
        std::cout << list.dump(2) << "\n";
        return 0;
    }

    if (sessions->empty()) {
        std::cout << "no sessions in " << report::sanitize((*database)->path()) << "\n";
        return 0;
    }
    std::printf("%-5s %-7s %-19s %10s %-10s %11s %6s  %s\n", "ID", "COMMAND", "STARTED", "DURATION", "STATUS",
                "INVOCATIONS", "LOST", "TARGET");
    for (const model::SessionSummary& session : *sessions) {
        char duration[32] = "-";
        if (session.complete)
            std::snprintf(duration, sizeof(duration), "%.1fs",
                          static_cast<double>(session.end.end_unix_ns - session.info.start_unix_ns) / 1e9);
        std::printf("%-5lld %-7s %-19s %10s %-10s %11llu %6llu  %s\n", static_cast<long long>(session.id),
                    report::sanitize(session.info.command).c_str(), local_time(session.info.start_unix_ns).c_str(),
                    duration, status_of(session).c_str(), static_cast<unsigned long long>(session.invocation_count),
                    static_cast<unsigned long long>(model::total_lost(session.end.lost_events)),
                    report::sanitize(session.info.target).c_str());
    }
    return 0;
}

int run_report(const std::vector<std::string>& arguments) {
    CommonOptions common;
    bool json = false;
    bool sql = false;
    std::size_t top = 20;
    std::int64_t session_id = 0;
    std::string hook;
    po::options_description description("report options");
    description.add_options()
        ("session", po::value<std::int64_t>(&session_id)->value_name("N"), "session id (default: the latest)")
        ("hook", po::value<std::string>(&hook)->value_name("NAME"), "only this hook")
        ("sql", po::bool_switch(&sql), "top SQL statements by total time (sessions recorded with --sql)")
        ("top", po::value<std::size_t>(&top)->value_name("N"), "statements listed with --sql (default 20)")
        ("json", po::bool_switch(&json), "print JSON");
    add_common_options(description, common);
    auto values = parse_or_explain("report", arguments, description, kReportUsage, common);
    if (!values) return common.help ? 0 : 2;
    if (!check_ranges("report", *values, {{"session", 1, kMaxRowId}, {"top", 1, 100000}})) return 2;

    auto database = storage::ProfileDatabase::open(resolve_database_path(common.database), storage::OpenMode::ReadOnly);
    if (!database) {
        print_error("report", database.error().message);
        return 1;
    }
    if (!values->count("session")) {
        auto latest = (*database)->latest_session_id();
        if (!latest) {
            print_error("report", latest.error().message);
            return 1;
        }
        if (!*latest) {
            print_error("report", "no sessions in '" + (*database)->path() +
                                      "': record one with `sudo validprof record -- COMMAND`");
            return 1;
        }
        session_id = **latest;
    }
    auto session = (*database)->load_session(session_id);
    if (!session) {
        print_error("report", session.error().message);
        return 1;
    }
    std::optional<std::string> hook_filter;
    if (!hook.empty()) hook_filter = hook;
    auto invocations = (*database)->load_invocations(session_id, hook_filter, true);
    if (!invocations) {
        print_error("report", invocations.error().message);
        return 1;
    }

    if (hook_filter && invocations->empty()) {
        // A selection that matches nothing is a mistake to say, not an empty report.
        auto hooks = (*database)->hook_names(session_id);
        std::string known;
        if (hooks)
            for (const std::string& name : *hooks) known += (known.empty() ? "" : ", ") + name;
        print_error("report", "no invocations of hook '" + *hook_filter + "' in session " +
                                  std::to_string(session_id) + "; its hooks: " + (known.empty() ? "none" : known));
        return 1;
    }

    auto phases = (*database)->load_phase_executions(session_id);
    if (!phases) {
        print_error("report", phases.error().message);
        return 1;
    }

    auto recorded_sql = (*database)->sqlite_activity_recorded(session_id);
    if (!recorded_sql) {
        print_error("report", recorded_sql.error().message);
        return 1;
    }

    report::ReportInput input;
    input.session = std::move(*session);
    input.invocations = std::move(*invocations);
    input.phases = std::move(*phases);
    input.hook_filter = hook_filter;
    if (*recorded_sql) {
        auto activity = (*database)->load_sqlite_activity(session_id);
        if (!activity) {
            print_error("report", activity.error().message);
            return 1;
        }
        input.sqlite = std::move(*activity);
    } else if (sql) {
        print_error("report", "session " + std::to_string(session_id) +
                                  " has no SQLite data: record it with `sudo validprof record --sql -- COMMAND`");
        return 1;
    }
    if (sql) {
        if (json)
            std::cout << report::render_sql_json(input, top).dump(2) << "\n";
        else
            std::cout << report::render_sql_text(input, top);
    } else if (json) {
        std::cout << report::render_json(input).dump(2) << "\n";
    } else {
        std::cout << report::render_text(input);
    }
    return 0;
}

}  // namespace validprof::cli
