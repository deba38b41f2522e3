// `validprof sessions` and `validprof report`: read-only views of the
// profile database, as text, JSON, CSV or Markdown tables.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/database_path.h"
#include "cli/option_parsing.h"
#include "cli/terminal.h"
#include "report/json_report.h"
#include "report/sqlite_json.h"
#include "report/sqlite_text.h"
#include "report/table_export.h"
#include "text/text_colour.h"
#include "text/text_layout.h"
#include "report/text_report.h"
#include "storage/profile_database.h"

namespace validprof::cli {
namespace {

const char* const kSessionsUsage =
    "usage: validprof sessions [--json] [--wide] [--db PATH]\n"
    "\n"
    "List the sessions recorded in the profile database, oldest first. The\n"
    "table fits the terminal (or $COLUMNS, else 100 columns): long targets are\n"
    "cut with an ellipsis; --wide prints them whole.\n"
    "\n"
    "example:\n"
    "  validprof sessions --db ./validprof.db\n";

const char* const kReportUsage =
    "usage: validprof report [--session N] [--hook NAME] [--sql] [--top N] [--wide]\n"
    "                        [--json | --format text|json|csv|md [--table hooks|phases|slowest|sql]] [--db PATH]\n"
    "\n"
    "Per-hook latency percentiles (exact, over the stored invocations) and\n"
    "where the time went: on-CPU, run-queue wait, sleeping, blocked on I/O,\n"
    "CPU time per core, the slowest invocations process by process.\n"
    "Default: the latest session. --sql: the top normalized SQL statements by\n"
    "total time instead (sessions recorded with --sql).\n"
    "--format csv: one table (--table, default hooks) with a header row,\n"
    "durations in integer nanoseconds, an empty field where JSON has null.\n"
    "--format md: Markdown tables, durations readable; without --table the\n"
    "hooks, the phases (if any) and the slowest invocations. --top N: rows of\n"
    "the sql table (default 20) and, in csv and md, of the slowest (default 5).\n"
    "--json is --format json. Text fits the terminal (or $COLUMNS, else 100\n"
    "columns): commands are cut, columns hidden (and named), prose wrapped;\n"
    "--wide cuts nothing. Colour on a terminal only, never with NO_COLOR set.\n"
    "\n"
    "example:\n"
    "  validprof report\n"
    "  validprof report --session 3 --hook post-edit --json\n"
    "  validprof report --sql --hook post-edit --top 10\n"
    "  validprof report --format csv > hooks.csv\n"
    "  validprof report --format csv --table slowest --top 50\n"
    "  validprof report --format md >> \"$GITHUB_STEP_SUMMARY\"\n";

enum class ReportFormat { kText, kJson, kCsv, kMarkdown };

std::optional<ReportFormat> parse_report_format(const std::string& name) {
    if (name == "text") return ReportFormat::kText;
    if (name == "json") return ReportFormat::kJson;
    if (name == "csv") return ReportFormat::kCsv;
    if (name == "md") return ReportFormat::kMarkdown;
    return std::nullopt;
}

// What --json, --format, --table and --sql ask for together; nullopt after
// printing the one-line error (exit 2).
struct ReportOutput {
    ReportFormat format = ReportFormat::kText;
    std::optional<report::TableKind> table;
};

std::optional<ReportOutput> resolve_report_output(const po::variables_map& values, bool json, const std::string& format,
                                                  const std::string& table, bool sql) {
    ReportOutput output;
    if (values.count("format")) {
        auto parsed = parse_report_format(format);
        if (!parsed) {
            print_error("report", "unknown --format '" + text::sanitize(format) + "': use text, json, csv or md");
            return std::nullopt;
        }
        if (json && *parsed != ReportFormat::kJson) {
            print_error("report", "--json is --format json: give --json or --format " + text::sanitize(format) +
                                      ", not both");
            return std::nullopt;
        }
        output.format = *parsed;
    } else if (json) {
        output.format = ReportFormat::kJson;
    }
    if (values.count("table")) {
        if (output.format != ReportFormat::kCsv && output.format != ReportFormat::kMarkdown) {
            print_error("report", "--table chooses a table of --format csv or md: add one of them");
            return std::nullopt;
        }
        output.table = report::parse_table_kind(table);
        if (!output.table) {
            print_error("report", "unknown --table '" + text::sanitize(table) + "': use " +
                                      report::kTableKindNames);
            return std::nullopt;
        }
    }
    if (sql && output.table && *output.table != report::TableKind::kSql) {
        print_error("report", "--sql lists statements: give --table sql or no --table");
        return std::nullopt;
    }
    if (sql && (output.format == ReportFormat::kCsv || output.format == ReportFormat::kMarkdown))
        output.table = report::TableKind::kSql;
    return output;
}

std::string local_time(std::int64_t unix_ns) {
    std::time_t seconds = static_cast<std::time_t>(unix_ns / 1'000'000'000);
    std::tm parts{};
    ::localtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &parts);
    return text;
}

// Text for a terminal gets its colours; anything else stays plain.
std::string styled(const std::string& text) { return colour_wanted() ? text::colourize(text) : text; }

std::string status_of(const model::SessionSummary& session) {
    if (session.complete) return "complete";
    return session.in_progress ? "RECORDING" : "INCOMPLETE";
}

}  // namespace

int run_sessions(const std::vector<std::string>& arguments) {
    CommonOptions common;
    bool json = false;
    bool wide = false;
    po::options_description description("sessions options");
    description.add_options()("json", po::bool_switch(&json), "print JSON")(
        "wide", po::bool_switch(&wide), "print targets whole instead of fitting the terminal");
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
                            {"command", text::to_valid_utf8(session.info.command)},
                            {"target", text::to_valid_utf8(session.info.target)},
                            {"host", text::to_valid_utf8(session.info.host)},
                            {"kernel_release", text::to_valid_utf8(session.info.kernel_release)},
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
        std::cout << "no sessions in " << text::sanitize((*database)->path()) << "\n";
        return 0;
    }
    text::TextTable table({"ID", "COMMAND", "STARTED", "DURATION", "STATUS", "INVOCATIONS", "LOST", "TARGET"},
                            {text::Align::kLeft, text::Align::kLeft, text::Align::kLeft, text::Align::kRight,
                             text::Align::kLeft, text::Align::kRight, text::Align::kRight, text::Align::kLeft});
    for (const model::SessionSummary& session : *sessions) {
        char duration[32] = "-";
        if (session.complete)
            std::snprintf(duration, sizeof(duration), "%.1fs",
                          static_cast<double>(session.end.end_unix_ns - session.info.start_unix_ns) / 1e9);
        table.add_row({std::to_string(session.id), text::sanitize(session.info.command),
                       local_time(session.info.start_unix_ns), duration, status_of(session),
                       std::to_string(session.invocation_count),
                       std::to_string(model::total_lost(session.end.lost_events)),
                       text::sanitize(session.info.target)});
    }
    table.set_elastic(7, 16);
    table.set_drop_order({1, 3});  // COMMAND, DURATION
    const std::string text = table.render("", output_width(wide));
    std::cout << (colour_wanted() ? text::colourize(text) : text);
    return 0;
}

int run_report(const std::vector<std::string>& arguments) {
    CommonOptions common;
    bool json = false;
    bool sql = false;
    std::size_t top = 20;
    std::int64_t session_id = 0;
    std::string hook;
    std::string format;
    std::string table;
    bool wide = false;
    po::options_description description("report options");
    description.add_options()
        ("session", po::value<std::int64_t>(&session_id)->value_name("N"), "session id (default: the latest)")
        ("hook", po::value<std::string>(&hook)->value_name("NAME"), "only this hook")
        ("sql", po::bool_switch(&sql), "top SQL statements by total time (sessions recorded with --sql)")
        ("top", po::value<std::size_t>(&top)->value_name("N"),
         "statements listed with --sql (default 20); slowest invocations in csv and md (default 5)")
        ("json", po::bool_switch(&json), "print JSON (--format json)")
        ("wide", po::bool_switch(&wide), "text as wide as it is: nothing cut, hidden or wrapped to fit the terminal")
        ("format", po::value<std::string>(&format)->value_name("FORMAT"), "text (default), json, csv or md")
        ("table", po::value<std::string>(&table)->value_name("TABLE"),
         "with csv or md: hooks (default), phases, slowest or sql");
    add_common_options(description, common);
    auto values = parse_or_explain("report", arguments, description, kReportUsage, common);
    if (!values) return common.help ? 0 : 2;
    if (!check_ranges("report", *values, {{"session", 1, kMaxRowId}, {"top", 1, 100000}})) return 2;
    const auto output = resolve_report_output(*values, json, format, table, sql);
    if (!output) return 2;
    // The sql table is the --sql ranking: it needs the session's SQLite data.
    if (output->table == report::TableKind::kSql) sql = true;

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
    input.width = output_width(wide);
    const bool tables = output->format == ReportFormat::kCsv || output->format == ReportFormat::kMarkdown;
    if (tables && values->count("top")) input.slowest_count = top;
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
    if (output->format == ReportFormat::kCsv) {
        std::cout << report::render_csv(report::build_table(input, output->table.value_or(report::TableKind::kHooks), top));
    } else if (output->format == ReportFormat::kMarkdown) {
        if (output->table)
            std::cout << report::render_markdown(report::build_table(input, *output->table, top));
        else
            std::cout << report::render_markdown_report(input);
    } else if (sql) {
        if (output->format == ReportFormat::kJson)
            std::cout << report::render_sql_json(input, top).dump(2) << "\n";
        else
            std::cout << styled(report::render_sql_text(input, top));
    } else if (output->format == ReportFormat::kJson) {
        std::cout << report::render_json(input).dump(2) << "\n";
    } else {
        std::cout << styled(report::render_text(input));
    }
    return 0;
}

}  // namespace validprof::cli
