#include "metrics/metrics_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace validprof::metrics {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

// "name{labels}" → value, for every sample line of an exposition.
std::map<std::string, std::string> samples_of(const std::string& text) {
    std::map<std::string, std::string> samples;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.rfind(' ');
        samples[line.substr(0, space)] = line.substr(space + 1);
    }
    return samples;
}

model::Invocation invocation(const std::string& hook, std::uint64_t wall_ns, bool complete = true,
                             std::int32_t exit_code = 0) {
    model::Invocation result;
    result.hook = hook;
    result.start_ns = 1'000'000'000;
    result.last_end_ns = result.start_ns + wall_ns;
    result.complete = complete;
    result.exit_code = exit_code;
    result.times.on_cpu_ns = wall_ns / 2;
    result.times.run_queue_wait_ns = wall_ns / 4;
    result.times.on_cpu_ns_per_cpu[1] = wall_ns / 2;
    result.processes.resize(2);
    return result;
}

TEST(MetricsRegistry, WallHistogramIsCumulativeWithBoundsInclusive) {
    MetricsRegistry registry;
    registry.add_invocations({invocation("post-edit", 5 * kMs), invocation("post-edit", 5 * kMs + 1),
                              invocation("post-edit", 50 * kMs), invocation("post-edit", 70'000 * kMs),
                              invocation("post-edit", 3 * kMs, false), invocation("post-edit", 1 * kMs, true, 256)});
    const auto samples = samples_of(registry.render());
    auto bucket = [&](const char* le) {
        return samples.at(std::string("validprof_hook_wall_seconds_bucket{hook=\"post-edit\",le=\"") + le + "\"}");
    };
    EXPECT_EQ(bucket("0.005"), "2");  // 1 ms and exactly 5 ms: a bound includes its own value
    EXPECT_EQ(bucket("0.01"), "3");
    EXPECT_EQ(bucket("0.025"), "3");
    EXPECT_EQ(bucket("0.05"), "4");
    EXPECT_EQ(bucket("10"), "4");
    EXPECT_EQ(bucket("60"), "4");
    EXPECT_EQ(bucket("+Inf"), "5");
    EXPECT_EQ(samples.at("validprof_hook_wall_seconds_count{hook=\"post-edit\"}"), "5");
    EXPECT_DOUBLE_EQ(std::stod(samples.at("validprof_hook_wall_seconds_sum{hook=\"post-edit\"}")),
                     (1 + 5 + 5 + 50 + 70'000) * 1e-3 + 1e-9);
    // Counters count every invocation; the histogram only complete ones.
    EXPECT_EQ(samples.at("validprof_hook_invocations_total{hook=\"post-edit\"}"), "6");
    EXPECT_EQ(samples.at("validprof_hook_incomplete_total{hook=\"post-edit\"}"), "1");
    EXPECT_EQ(samples.at("validprof_hook_failures_total{hook=\"post-edit\"}"), "1");
    EXPECT_EQ(samples.at("validprof_hook_processes_total{hook=\"post-edit\"}"), "10");
    // Scheduler states over complete invocations; per-CPU over all of them.
    const double complete_wall_s = (1 + 5 + 5 + 50 + 70'000) * 1e-3 + 1e-9;
    EXPECT_NEAR(std::stod(samples.at("validprof_hook_thread_seconds_total{hook=\"post-edit\",state=\"on_cpu\"}")),
                complete_wall_s / 2, 1e-9);
    EXPECT_NEAR(std::stod(samples.at("validprof_hook_cpu_seconds_total{hook=\"post-edit\",cpu=\"1\"}")),
                complete_wall_s / 2 + 1.5e-3, 1e-9);
}

TEST(MetricsRegistry, LabelValuesAreEscapedAndValidUtf8) {
    MetricsRegistry registry;
    registry.add_invocations({invocation("a\"b\\c\nd\xff", kMs)});
    const std::string text = registry.render();
    EXPECT_NE(text.find("validprof_hook_invocations_total{hook=\"a\\\"b\\\\c\\nd\xef\xbf\xbd\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(escape_label_value("plain"), "plain");
}

TEST(MetricsRegistry, StatementsAreGroupedByShapeAndBounded) {
    MetricsRegistry registry;
    model::SqliteActivity activity;
    for (int key = 0; key < 3; ++key) {
        model::StatementExecution statement;
        statement.sql = "SELECT v FROM kv WHERE k = " + std::to_string(key);
        statement.start_ns = 0;
        statement.end_ns = 2000;
        statement.rows = 1;
        statement.result_code = model::kSqliteDone;
        activity.statements.push_back(statement);
    }
    activity.statements.back().result_code = 5;  // SQLITE_BUSY ended it: an error
    for (std::size_t table = 0; table < kMaxStatementSeries + 5; ++table) {
        model::StatementExecution statement;
        statement.sql = "DELETE FROM t" + std::to_string(table);
        activity.statements.push_back(statement);
    }
    model::DatabaseFileActivity wal;
    wal.role = "wal";
    wal.syncs = 3;
    wal.sync_ns = 3 * kMs;
    activity.files.push_back(wal);
    registry.add_sqlite(activity);
    const auto samples = samples_of(registry.render());
    EXPECT_EQ(samples.at("validprof_sql_executions_total{statement=\"SELECT v FROM kv WHERE k = ?\"}"), "3");
    EXPECT_EQ(samples.at("validprof_sql_rows_total{statement=\"SELECT v FROM kv WHERE k = ?\"}"), "3");
    EXPECT_EQ(samples.at("validprof_sql_errors_total{statement=\"SELECT v FROM kv WHERE k = ?\"}"), "1");
    EXPECT_EQ(samples.at("validprof_sql_seconds_total{statement=\"SELECT v FROM kv WHERE k = ?\"}"), "6e-06");
    // The SELECT took one series: 199 DELETE shapes get their own, 6 share "(other)".
    EXPECT_EQ(samples.at("validprof_sql_executions_total{statement=\"(other)\"}"), "6");
    std::size_t statement_series = 0;
    for (const auto& [key, value] : samples) statement_series += key.rfind("validprof_sql_executions_total", 0) == 0;
    EXPECT_EQ(statement_series, kMaxStatementSeries + 1);
    EXPECT_EQ(samples.at("validprof_sqlite_file_syncs_total{role=\"wal\"}"), "3");
}

TEST(MetricsRegistry, LostEventsAndNotesAreApart) {
    MetricsRegistry registry;
    registry.set_lost_events({{"ringbuf_full_exec", 4}, {"note_switch_in_unseen", 2}});
    registry.set_lost_events({{"ringbuf_full_exec", 7}});  // cumulative: replaced, not added
    const auto samples = samples_of(registry.render());
    EXPECT_EQ(samples.at("validprof_lost_events_total{reason=\"ringbuf_full_exec\"}"), "7");
    EXPECT_EQ(samples.at("validprof_notes_total{note=\"note_switch_in_unseen\"}"), "2");
    EXPECT_EQ(samples.count("validprof_lost_events_total{reason=\"note_switch_in_unseen\"}"), 0u);
}

TEST(MetricsRegistry, SelfUsageIsTheProcessOwn) {
    MetricsRegistry registry;
    const auto samples = samples_of(registry.render());
    ASSERT_TRUE(samples.count("process_resident_memory_bytes"));
    // Within what /proc/self/statm says right after (pages can come and go
    // in between, but not a factor of two).
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size_pages = 0, resident_pages = 0;
    statm >> size_pages >> resident_pages;
    const double resident = static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE));
    EXPECT_GT(std::stod(samples.at("process_resident_memory_bytes")), resident / 2);
    EXPECT_LT(std::stod(samples.at("process_resident_memory_bytes")), resident * 2);
    const double started = std::stod(samples.at("process_start_time_seconds"));
    EXPECT_LT(started, static_cast<double>(std::time(nullptr)) + 1);
    EXPECT_GT(started, static_cast<double>(std::time(nullptr)) - 3600);
}

// Prometheus' own checker of the exposition format and naming practice.
TEST(MetricsRegistry, PromtoolAcceptsTheExposition) {
    std::string promtool;
    for (const char* candidate : {"/usr/bin/promtool", "/usr/local/bin/promtool"})
        if (std::filesystem::exists(candidate)) promtool = candidate;
    if (promtool.empty()) GTEST_SKIP() << "promtool not installed (scripts/setup.sh installs Debian's prometheus)";

    MetricsRegistry registry;
    registry.set_session(3);
    registry.add_invocations({invocation("post-edit", 40 * kMs), invocation("odd \"name\"\n\xfe", kMs, false, 9)});
    model::PhaseExecution phase;
    phase.provider = "validcore";
    phase.phase = "consensus";
    phase.end_ns = 2 * kMs;
    registry.add_phases({phase});
    model::SqliteActivity activity;
    activity.statements.resize(1);
    activity.statements[0].sql = "INSERT INTO t VALUES ('x\\y\"z')";
    activity.files.resize(1);
    activity.files[0].role = "main";
    registry.add_sqlite(activity);
    registry.set_lost_events({{"ringbuf_full_exec", 0}, {"note_gate_holds", 3}});

    const std::string path = std::filesystem::temp_directory_path() / ("vp-metrics-" + std::to_string(getpid()));
    std::ofstream(path) << registry.render();
    const std::string command = promtool + " check metrics < " + path + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    const int status = pclose(pipe);
    std::filesystem::remove(path);
    EXPECT_EQ(status, 0) << output;
    EXPECT_EQ(output, "") << "promtool's lint findings";
}

}  // namespace
}  // namespace validprof::metrics
