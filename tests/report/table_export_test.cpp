// The CSV and Markdown tables of `validprof report --format csv|md`: hostile
// names survive both encodings, and every number read back from the CSV by
// an RFC 4180 reader written here equals the JSON report's figure for the
// same input.
#include "report/table_export.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/json_report.h"
#include "report/sqlite_json.h"
#include "text/text_layout.h"
#include "scenario.h"
#include "sqlite_scenario.h"

namespace validprof::report {
namespace {

using nlohmann::json;
using testing::at;
using testing::kMs;

// Names that break naive CSV and Markdown writers: separators, quotes,
// line breaks, a pipe after a backslash, bytes that are not UTF-8.
const std::string kCommaQuoteNewline = "pre,commit \"fmt\"\nsecond line\xff";
const std::string kPipe = "pre-push|lint \\|x";
const std::string kNeverDone = "never\tdone";

// testing::scenario() with its hooks renamed, one more hook that never
// completed, and USDT phases with hostile names inside pre-commit A (pid 100).
ReportInput hostile_scenario() {
    ReportInput input = testing::scenario();
    for (model::Invocation& invocation : input.invocations)
        invocation.hook = invocation.hook == "pre-commit" ? kCommaQuoteNewline : kPipe;
    model::Invocation stuck = testing::invocation(kNeverDone, at(900 * kMs), 50 * kMs, false);
    stuck.id = 5;
    input.invocations.push_back(stuck);
    input.session.invocation_count = input.invocations.size();

    const auto phase = [](std::string provider, std::string name, std::uint64_t start_ms, std::uint64_t duration) {
        model::PhaseExecution p;
        p.pid = p.tid = 100;
        p.provider = std::move(provider);
        p.phase = std::move(name);
        p.start_ns = at(start_ms * kMs);
        p.end_ns = p.start_ns + duration;
        p.on_cpu_ns = duration / 2;
        p.on_cpu_ns_per_cpu = {{0, duration / 2}};
        return p;
    };
    input.phases = {phase("validcore", "checks", 110, 3 * kMs), phase("validcore", "checks", 120, 5 * kMs),
                    phase("vc,\"q\"", "con|sensus\n", 130, 7 * kMs)};
    return input;
}

// A small RFC 4180 reader: quoted fields with doubled quotes and embedded
// line breaks, LF or CRLF record ends. Every record, the header included.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> record;
    std::string field;
    bool quoted = false;
    bool field_started = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"' && !field_started) {
            quoted = field_started = true;
        } else if (c == ',') {
            record.push_back(field);
            field.clear();
            field_started = false;
        } else if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
            if (c == '\r') ++i;
            record.push_back(field);
            records.push_back(record);
            record.clear();
            field.clear();
            field_started = false;
        } else {
            EXPECT_FALSE(field_started && text[i - 1] == '"') << "text after a closing quote at " << i;
            field += c;
            field_started = true;
        }
    }
    EXPECT_FALSE(quoted) << "unterminated quoted field";
    EXPECT_TRUE(record.empty() && field.empty()) << "last record without a line end";
    return records;
}

// Records as header name -> field.
std::vector<std::map<std::string, std::string>> csv_rows(const std::string& text) {
    const auto records = parse_csv(text);
    std::vector<std::map<std::string, std::string>> rows;
    if (records.empty()) return rows;
    for (std::size_t r = 1; r < records.size(); ++r) {
        EXPECT_EQ(records[r].size(), records[0].size()) << "record " << r;
        std::map<std::string, std::string> row;
        for (std::size_t i = 0; i < records[0].size() && i < records[r].size(); ++i) row[records[0][i]] = records[r][i];
        rows.push_back(std::move(row));
    }
    return rows;
}

// A CSV cell against the JSON report's value: empty for null, the same
// integer, or a decimal that reads back as the same double.
::testing::AssertionResult same_figure(const std::string& column, const std::string& cell, const json& expected) {
    if (expected.is_null()) {
        if (cell.empty()) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << column << ": '" << cell << "' where JSON has null";
    }
    if (cell.empty()) return ::testing::AssertionFailure() << column << ": empty where JSON has " << expected.dump();
    std::size_t used = 0;
    bool same = false;
    if (expected.is_number_unsigned()) {
        same = std::stoull(cell, &used) == expected.get<std::uint64_t>();
    } else if (expected.is_number_integer()) {
        same = std::stoll(cell, &used) == expected.get<std::int64_t>();
    } else if (expected.is_number_float()) {
        same = std::stod(cell, &used) == expected.get<double>();
    } else {
        return ::testing::AssertionFailure() << column << ": JSON value " << expected.dump() << " is not a number";
    }
    if (same && used == cell.size()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << column << ": '" << cell << "' != JSON " << expected.dump();
}

// GFM splits a table row on every '|' not taken by a backslash escape.
std::size_t markdown_cell_count(const std::string& line) {
    std::size_t pipes = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\\') ++i;
        else if (line[i] == '|') ++pipes;
    }
    return pipes > 0 ? pipes - 1 : 0;  // leading and trailing pipes
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return lines;
}

TEST(TableExport, CsvFieldQuotesOnlyWhatNeedsIt) {
    EXPECT_EQ(csv_field("post-edit"), "post-edit");
    EXPECT_EQ(csv_field(""), "");
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csv_field("one\ntwo"), "\"one\ntwo\"");
    EXPECT_EQ(csv_field("one\rtwo"), "\"one\rtwo\"");
    EXPECT_EQ(csv_field("tab\there"), "tab\there");
    EXPECT_EQ(csv_field("bad\xff"), "bad\xEF\xBF\xBD");  // U+FFFD, valid UTF-8
}

TEST(TableExport, HooksCsvReadsBackAsTheJsonFigures) {
    const ReportInput input = hostile_scenario();
    const std::string csv = render_csv(hooks_table(input));
    const json hooks = json::parse(render_json(input).dump()).at("hooks");
    const auto rows = csv_rows(csv);
    ASSERT_EQ(rows.size(), hooks.size());
    ASSERT_EQ(rows.size(), 3u);

    // Every numeric column against its JSON key: "p50_wall_ns" is "p50_ns",
    // "mean_main_threads_on_cpu_ns" is "on_cpu_ns" of "mean_main_threads".
    const auto json_figure = [](const json& hook, std::string column) -> json {
        for (const std::string group : {"mean_main_threads", "mean_other_threads"}) {
            if (column.rfind(group + "_", 0) != 0) continue;
            const json& times = hook.at(group);
            return times.is_null() ? json(nullptr) : times.at(column.substr(group.size() + 1));
        }
        if (const auto wall = column.find("_wall_ns"); wall != std::string::npos) column.replace(wall, 8, "_ns");
        return hook.at(column);
    };
    const ExportTable table = hooks_table(input);
    std::size_t checked_columns = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const json& hook = hooks.at(r);
        EXPECT_EQ(rows[r].at("hook"), hook.at("hook").get<std::string>());
        for (const ExportColumn& column : table.columns) {
            if (!column.numeric()) continue;
            EXPECT_TRUE(same_figure(column.name, rows[r].at(column.name), json_figure(hook, column.name)))
                << "hook " << r;
            if (r == 0) ++checked_columns;
        }
    }
    EXPECT_EQ(checked_columns, table.columns.size() - 1);  // all but the name

    // The hostile names come back byte for byte, as valid UTF-8.
    EXPECT_EQ(rows[0].at("hook"), text::to_valid_utf8(kNeverDone));
    EXPECT_EQ(rows[1].at("hook"), text::to_valid_utf8(kCommaQuoteNewline));
    EXPECT_EQ(rows[2].at("hook"), kPipe);
    // The hook that never completed: counts, but no wall figures.
    EXPECT_EQ(rows[0].at("count"), "1");
    EXPECT_EQ(rows[0].at("incomplete"), "1");
    EXPECT_EQ(rows[0].at("p50_wall_ns"), "");
    // Hand-computed in scenario.h: p50 100 ms, mean processes 1.5.
    EXPECT_EQ(rows[1].at("p50_wall_ns"), std::to_string(100 * kMs));
    EXPECT_EQ(rows[1].at("mean_processes"), "1.5");
}

TEST(TableExport, SlowestCsvReadsBackAsTheJsonFigures) {
    ReportInput input = hostile_scenario();
    input.slowest_count = 10;
    const json slowest = json::parse(render_json(input).dump()).at("slowest");
    const auto rows = csv_rows(render_csv(slowest_table(input)));
    ASSERT_EQ(rows.size(), slowest.size());
    ASSERT_EQ(rows.size(), 3u);  // the complete ones: A, B, D
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const json& inv = slowest.at(r);
        for (const ExportColumn& column : slowest_table(input).columns) {
            if (!column.numeric()) continue;
            const std::string key = column.name == "invocation_id" ? "id" : column.name;
            EXPECT_TRUE(same_figure(column.name, rows[r].at(column.name), inv.at(key))) << "rank " << r + 1;
        }
        EXPECT_EQ(rows[r].at("hook"), inv.at("hook").get<std::string>());
        EXPECT_EQ(rows[r].at("exit"), inv.at("exit").get<std::string>());
    }
    EXPECT_EQ(rows[0].at("wall_ns"), std::to_string(300 * kMs));
}

TEST(TableExport, PhasesCsvReadsBackAsTheJsonFigures) {
    const ReportInput input = hostile_scenario();
    const json phases = json::parse(render_json(input).dump()).at("phases").at("phases");
    const auto rows = csv_rows(render_csv(phases_table(input)));
    ASSERT_EQ(rows.size(), phases.size());
    ASSERT_EQ(rows.size(), 2u);  // validcore:checks and the hostile one
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (const char* text : {"hook", "provider", "phase"})
            EXPECT_EQ(rows[r].at(text), phases.at(r).at(text).get<std::string>());
        for (const ExportColumn& column : phases_table(input).columns) {
            if (column.numeric()) {
                EXPECT_TRUE(same_figure(column.name, rows[r].at(column.name), phases.at(r).at(column.name)));
            }
        }
    }
    EXPECT_EQ(rows[1].at("phase"), "con|sensus\n");
}

TEST(TableExport, SqlCsvReadsBackAsTheSqlJsonFigures) {
    const ReportInput input = testing::sqlite_scenario();
    const json statements = json::parse(render_sql_json(input, 0).dump()).at("statements");
    const auto rows = csv_rows(render_csv(sql_table(input, 0)));
    ASSERT_EQ(rows.size(), statements.size());
    ASSERT_EQ(rows.size(), 4u);  // sqlite_scenario.h: four groups
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const json& s = statements.at(r);
        EXPECT_EQ(rows[r].at("statement"), s.at("sql").get<std::string>());  // holds commas: quoted
        EXPECT_EQ(rows[r].at("database"), s.at("database").get<std::string>());
        for (const ExportColumn& column : sql_table(input, 0).columns) {
            if (!column.numeric() || column.name == "mean_ns") continue;
            EXPECT_TRUE(same_figure(column.name, rows[r].at(column.name), s.at(column.name)));
        }
        const std::uint64_t count = s.at("count"), total = s.at("total_ns");
        EXPECT_EQ(std::stoull(rows[r].at("mean_ns")), (total + count / 2) / count);
    }
    // sqlite_scenario.h: the INSERT group on state.db, 4 runs, 16 ms in all.
    EXPECT_EQ(rows[0].at("statement"), "INSERT INTO t VALUES (?, ?)");
    EXPECT_EQ(rows[0].at("mean_ns"), std::to_string(4 * kMs));
    // --top 2 keeps the first two.
    EXPECT_EQ(csv_rows(render_csv(sql_table(input, 2))).size(), 2u);
}

TEST(TableExport, SqlTableOfASessionWithoutSqliteIsHeaderOnly) {
    const std::string csv = render_csv(sql_table(testing::scenario(), 20));
    EXPECT_EQ(parse_csv(csv).size(), 1u) << csv;
}

TEST(TableExport, MarkdownCellEscapesPipesAndReplacesControls) {
    EXPECT_EQ(markdown_cell("a|b"), "a\\|b");
    EXPECT_EQ(markdown_cell("a\\|b"), "a\\\\\\|b");  // an escaped backslash, then an escaped pipe
    EXPECT_EQ(markdown_cell("one\ntwo\tthree"), "one?two?three");
    EXPECT_EQ(markdown_cell("SELECT * FROM t_x"), "SELECT \\* FROM t\\_x");
    EXPECT_EQ(markdown_cell("bad\xff"), "bad\xEF\xBF\xBD");
}

TEST(TableExport, MarkdownRowsHaveTheHeadersColumnCount) {
    ReportInput input = hostile_scenario();
    input.sqlite = testing::sqlite_scenario().sqlite;
    for (TableKind kind : {TableKind::kHooks, TableKind::kPhases, TableKind::kSlowest, TableKind::kSql}) {
        const ExportTable table = build_table(input, kind, 0);
        const std::vector<std::string> lines = lines_of(render_markdown(table));
        // Heading, blank line, header, alignment row, one line per row: no
        // name may add a line.
        ASSERT_EQ(lines.size(), 4 + table.rows.size()) << render_markdown(table);
        EXPECT_EQ(lines[0].rfind("### ", 0), 0u);
        EXPECT_TRUE(lines[1].empty());
        for (std::size_t i = 2; i < lines.size(); ++i)
            EXPECT_EQ(markdown_cell_count(lines[i]), table.columns.size()) << lines[i];
        // Numeric columns right-aligned, text ones not.
        std::string alignment = "|";
        for (const ExportColumn& column : table.columns) alignment += column.numeric() ? " ---: |" : " --- |";
        EXPECT_EQ(lines[3], alignment);
    }
}

TEST(TableExport, MarkdownReadsLikeTheTextReport) {
    const std::string md = render_markdown(hooks_table(hostile_scenario()));
    const std::vector<std::string> lines = lines_of(md);
    ASSERT_EQ(lines.size(), 7u) << md;
    // Durations as the text report prints them, names without "_ns".
    EXPECT_NE(lines[2].find("| p50_wall |"), std::string::npos) << lines[2];
    EXPECT_NE(lines[5].find("| 100 ms |"), std::string::npos) << lines[5];
    EXPECT_NE(lines[5].find("| 1.5 |"), std::string::npos) << lines[5];  // mean processes
    EXPECT_EQ(lines[5].rfind("| pre,commit \"fmt\"?second line\xEF\xBF\xBD |", 0), 0u) << lines[5];
    EXPECT_EQ(lines[6].rfind("| pre-push\\|lint \\\\\\|x |", 0), 0u) << lines[6];
    // The hook that never completed: "-" where JSON has null.
    EXPECT_EQ(lines[4].rfind("| never?done | 1 | 0 | 1 | 0 | - |", 0), 0u) << lines[4];
}

TEST(TableExport, MarkdownReportHasHooksPhasesIfAnyAndSlowest) {
    const auto headings = [](const std::string& md) {
        std::vector<std::string> found;
        for (const std::string& line : lines_of(md))
            if (line.rfind("### ", 0) == 0) found.push_back(line.substr(4, line.find(' ', 4) - 4));
        return found;
    };
    EXPECT_EQ(headings(render_markdown_report(hostile_scenario())),
              (std::vector<std::string>{"Hooks", "Phases", "Slowest"}));
    EXPECT_EQ(headings(render_markdown_report(testing::scenario())), (std::vector<std::string>{"Hooks", "Slowest"}));
}

TEST(TableExport, TableNames) {
    EXPECT_EQ(parse_table_kind("hooks"), TableKind::kHooks);
    EXPECT_EQ(parse_table_kind("phases"), TableKind::kPhases);
    EXPECT_EQ(parse_table_kind("slowest"), TableKind::kSlowest);
    EXPECT_EQ(parse_table_kind("sql"), TableKind::kSql);
    EXPECT_EQ(parse_table_kind("Hooks"), std::nullopt);
    EXPECT_EQ(parse_table_kind(""), std::nullopt);
}

}  // namespace
}  // namespace validprof::report
