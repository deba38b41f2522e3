// check's verdicts: each threshold kind with measurements planted at, just
// below and just above its limit. Every invocation of a hook has the same
// wall time, so its p99 (and any change of it) is known exactly.
#include <gtest/gtest.h>

#include <fstream>

#include "report/synthetic.h"
#include "thresholds/threshold_check.h"

namespace validprof::thresholds {
namespace {

using compare::SessionSample;
using report::testing::at;
using report::testing::invocation;
using report::testing::kMs;
using report::testing::times;

ThresholdFile parse(const std::string& text) {
    auto file = parse_threshold_file(text);
    EXPECT_TRUE(file.ok()) << file.error().message;
    return file.ok() ? *file : ThresholdFile{};
}

// 20 invocations of post-edit, each of wall_ns, with on_cpu_ns on cpu 0 and
// one SQL statement of statement_ns; the session lasts 10 s.
SessionSample session(std::uint64_t wall_ns, std::uint64_t on_cpu_ns = 0, std::uint64_t statement_ns = 0) {
    SessionSample s;
    s.wall_ns = 10'000 * kMs;
    if (statement_ns) s.sqlite = model::SqliteActivity{};
    for (int i = 0; i < 20; ++i) {
        const std::uint64_t start = at(static_cast<std::uint64_t>(i) * 1000 * kMs);
        model::Invocation inv = invocation("post-edit", start, wall_ns, true, 0,
                                           times(on_cpu_ns, 0, 0, 0, 0, 0, {{0, on_cpu_ns}}));
        inv.root_pid = inv.processes[0].pid = 4000 + i;
        s.invocations.push_back(inv);
        if (statement_ns) {
            model::StatementExecution statement;
            statement.pid = inv.root_pid;
            statement.sql = "SELECT 1";
            statement.start_ns = start + 1;
            statement.end_ns = statement.start_ns + statement_ns;
            s.sqlite->statements.push_back(statement);
        }
    }
    return s;
}

Verdict only_verdict(const CheckResult& result) {
    EXPECT_EQ(result.lines.size(), 1u) << render_check_text(result);
    return result.lines.empty() ? Verdict::Skip : result.lines.front().verdict;
}

const char* const kHook = "performance_alerts:\n  hook_execution:\n    warning: 100ms\n    critical: 500ms\n";

TEST(Check, HookExecutionAtBelowAndAboveItsLimits) {
    const ThresholdFile file = parse(kHook);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(100 * kMs - 1))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(100 * kMs))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(100 * kMs + 1))), Verdict::Warning);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(500 * kMs))), Verdict::Warning);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(500 * kMs + 1))), Verdict::Critical);
}

TEST(Check, HookExecutionUsesThePercentile99) {
    // 99 runs of 10 ms and one of 900 ms: nearest-rank p99 is 10 ms (rank 99).
    SessionSample s = session(10 * kMs);
    s.invocations.clear();
    for (int i = 0; i < 100; ++i) s.invocations.push_back(invocation("h", at(i * 1000 * kMs), i == 50 ? 900 * kMs : 10 * kMs));
    CheckResult result = run_check(parse(kHook), nullptr, s);
    ASSERT_EQ(result.lines.size(), 1u);
    EXPECT_EQ(result.lines[0].verdict, Verdict::Ok);
    EXPECT_DOUBLE_EQ(result.lines[0].value, 10.0 * kMs);
}

TEST(Check, ResponseTimeIsTheRelativeChangeOfP99) {
    const ThresholdFile file = parse("performance_alerts:\n  response_time:\n    warning: +5%\n    critical: +10%\n");
    const SessionSample base = session(100 * kMs);
    EXPECT_EQ(only_verdict(run_check(file, &base, session(105 * kMs - 1))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, &base, session(105 * kMs))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, &base, session(105 * kMs + 1000))), Verdict::Warning);
    EXPECT_EQ(only_verdict(run_check(file, &base, session(110 * kMs))), Verdict::Warning);
    EXPECT_EQ(only_verdict(run_check(file, &base, session(110 * kMs + 1000))), Verdict::Critical);
    // Faster is fine.
    EXPECT_EQ(only_verdict(run_check(file, &base, session(50 * kMs))), Verdict::Ok);
    // Without a base there is nothing to compare with.
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(200 * kMs))), Verdict::Skip);
}

TEST(Check, AnUndetectableChangeAboveTheLimitStaysOk) {
    // 20 runs spread over 50..145 ms; the candidate differs only in its
    // slowest run, 6% slower: p99 (the maximum of 20) is +6%, but half the
    // resamples miss that run, so the interval holds 0.
    const ThresholdFile file = parse("performance_alerts:\n  response_time:\n    warning: +5%\n    critical: +10%\n");
    SessionSample base = session(kMs);
    SessionSample candidate = session(kMs);
    for (std::size_t i = 0; i < base.invocations.size(); ++i) {
        const std::uint64_t wall = (50 + 5 * i) * kMs;
        const std::uint64_t slower = i + 1 == base.invocations.size() ? wall * 106 / 100 : wall;
        base.invocations[i].last_end_ns = base.invocations[i].root_end_ns = base.invocations[i].start_ns + wall;
        candidate.invocations[i].last_end_ns = candidate.invocations[i].root_end_ns =
            candidate.invocations[i].start_ns + slower;
    }
    CheckResult result = run_check(file, &base, candidate);
    ASSERT_EQ(result.lines.size(), 1u);
    EXPECT_NEAR(result.lines[0].value, 0.06, 1e-9);
    EXPECT_EQ(result.lines[0].verdict, Verdict::Ok) << render_check_text(result);
    EXPECT_NE(result.lines[0].note.find("not a detectable change"), std::string::npos) << result.lines[0].note;
}

TEST(Check, OneRunPerSessionCannotRaiseAChangeVerdict) {
    // notify-like hooks run once per session: +50% from one run to one run
    // has no interval and must not roll a stage back.
    const ThresholdFile file = parse("performance_alerts:\n  response_time:\n    warning: +5%\n    critical: +10%\n");
    SessionSample base = session(10 * kMs);
    SessionSample candidate = session(15 * kMs);
    base.invocations.resize(1);
    candidate.invocations.resize(1);
    CheckResult result = run_check(file, &base, candidate);
    ASSERT_EQ(result.lines.size(), 1u);
    EXPECT_EQ(result.lines[0].verdict, Verdict::Ok) << render_check_text(result);
    EXPECT_NE(result.lines[0].note.find("too few runs"), std::string::npos);
}

TEST(Check, CpuUsageIsTheBusiestCoresShare) {
    // 20 invocations in a 10 s session: 400 ms of on-CPU each is 80%.
    const ThresholdFile file = parse("performance_alerts:\n  cpu_usage:\n    warning: 80%\n    critical: 90%\n");
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(kMs, 400 * kMs - 1000))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(kMs, 400 * kMs))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(kMs, 400 * kMs + 1000))), Verdict::Warning);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, session(kMs, 450 * kMs + 1000))), Verdict::Critical);
}

TEST(Check, DatabaseQueriesIsTheChangeOfMeanStatementTime) {
    const ThresholdFile file =
        parse("performance_alerts:\n  database_queries:\n    warning: +5% query time\n    critical: +10% query time\n");
    const SessionSample base = session(kMs, 0, 1000 * 1000);
    EXPECT_EQ(only_verdict(run_check(file, &base, session(kMs, 0, 1049 * 1000))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, &base, session(kMs, 0, 1050 * 1000))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, &base, session(kMs, 0, 1051 * 1000))), Verdict::Warning);
    EXPECT_EQ(only_verdict(run_check(file, &base, session(kMs, 0, 1101 * 1000))), Verdict::Critical);
    // Sessions without --sql cannot be judged.
    EXPECT_EQ(only_verdict(run_check(file, &base, session(kMs))), Verdict::Skip);
}

TEST(Check, MemoryUsageIsSkippedWithoutMemoryFigures) {
    // Sessions stored before peak RSS was recorded carry zeros.
    CheckResult result = run_check(parse("performance_alerts:\n  memory_usage:\n    warning: 85%\n"), nullptr, session(kMs));
    ASSERT_EQ(only_verdict(result), Verdict::Skip);
    EXPECT_NE(result.lines[0].note.find("no memory figures"), std::string::npos);
    EXPECT_EQ(exit_status(result.worst), 0);
}

// Every invocation's processes with this peak resident set.
SessionSample with_rss(SessionSample sample, double bytes) {
    for (model::Invocation& invocation : sample.invocations)
        for (model::ProcessRecord& process : invocation.processes) process.peak_rss_bytes = static_cast<std::uint64_t>(bytes);
    return sample;
}

double mem_total_bytes() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    double kib = 0;
    meminfo >> key >> kib;
    return key == "MemTotal:" ? kib * 1024.0 : 0;
}

TEST(Check, MemoryUsageShareOfTheMachineAtBelowAndAbove) {
    const double total = mem_total_bytes();
    ASSERT_GT(total, 0);
    const ThresholdFile file = parse("performance_alerts:\n  memory_usage:\n    warning: 50%\n    critical: 90%\n");
    EXPECT_EQ(only_verdict(run_check(file, nullptr, with_rss(session(kMs), 0.25 * total))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, with_rss(session(kMs), 0.50 * total))), Verdict::Ok);  // at the limit
    EXPECT_EQ(only_verdict(run_check(file, nullptr, with_rss(session(kMs), 0.51 * total))), Verdict::Warning);
    EXPECT_EQ(only_verdict(run_check(file, nullptr, with_rss(session(kMs), 0.95 * total))), Verdict::Critical);
}

TEST(Check, MemoryUsageChangeBetweenSessions) {
    const ThresholdFile file = parse("performance_alerts:\n  memory_usage:\n    warning: +5%\n    critical: +10%\n");
    const SessionSample base = with_rss(session(kMs), 100e6);
    EXPECT_EQ(only_verdict(run_check(file, &base, with_rss(session(kMs), 104e6))), Verdict::Ok);
    EXPECT_EQ(only_verdict(run_check(file, &base, with_rss(session(kMs), 107e6))), Verdict::Warning);
    EXPECT_EQ(only_verdict(run_check(file, &base, with_rss(session(kMs), 120e6))), Verdict::Critical);
    // A relative limit needs two sessions.
    EXPECT_EQ(only_verdict(run_check(file, nullptr, with_rss(session(kMs), 120e6))), Verdict::Skip);
}

TEST(Check, StagesProceedHoldOrRollBack) {
    const ThresholdFile file = parse(std::string(kHook) +
                                     "rollout:\n  - stage: 4A\n    traffic: 5%\n    max_impact: +3%\n"
                                     "    rollback_trigger: +5% response time\n");
    const RolloutStage* stage = find_stage(file, "4A");
    ASSERT_NE(stage, nullptr);
    const SessionSample base = session(50 * kMs);
    auto stage_line = [&](std::uint64_t wall) {
        CheckResult result = run_check(file, &base, session(wall), stage);
        EXPECT_EQ(result.lines.size(), 2u) << render_check_text(result);
        return result.lines.back();
    };
    EXPECT_EQ(stage_line(51'500'000).verdict, Verdict::Ok);  // exactly +3%
    EXPECT_NE(stage_line(51'500'000).note.find("PROCEED"), std::string::npos);
    EXPECT_EQ(stage_line(51'600'000).verdict, Verdict::Warning);
    EXPECT_NE(stage_line(51'600'000).note.find("HOLD"), std::string::npos);
    EXPECT_EQ(stage_line(52'500'000).verdict, Verdict::Warning);  // exactly +5%
    EXPECT_EQ(stage_line(52'600'000).verdict, Verdict::Critical);
    EXPECT_NE(stage_line(52'600'000).note.find("ROLL BACK"), std::string::npos);
}

TEST(Check, SlaStageFollowsTheAlerts) {
    const ThresholdFile file = parse(std::string(kHook) +
                                     "rollout:\n  - stage: 4D\n    traffic: 100%\n    max_impact: sla\n"
                                     "    rollback_trigger: sla\n");
    const RolloutStage* stage = find_stage(file, "4D");
    const SessionSample base = session(50 * kMs);
    EXPECT_EQ(run_check(file, &base, session(90 * kMs), stage).lines.back().verdict, Verdict::Ok);
    EXPECT_EQ(run_check(file, &base, session(200 * kMs), stage).lines.back().verdict, Verdict::Warning);
    EXPECT_EQ(run_check(file, &base, session(600 * kMs), stage).lines.back().verdict, Verdict::Critical);
}

TEST(Check, ExitStatusIsTheWorstVerdict) {
    EXPECT_EQ(exit_status(Verdict::Ok), 0);
    EXPECT_EQ(exit_status(Verdict::Skip), 0);
    EXPECT_EQ(exit_status(Verdict::Warning), 1);
    EXPECT_EQ(exit_status(Verdict::Critical), 2);
    const ThresholdFile file = parse(std::string(kHook) + "  memory_usage:\n    warning: 85%\n");
    CheckResult result = run_check(file, nullptr, session(600 * kMs));
    EXPECT_EQ(result.worst, Verdict::Critical);
    const std::string text = render_check_text(result);
    EXPECT_NE(text.find("CRITICAL hook_execution"), std::string::npos) << text;
    EXPECT_NE(text.find("result: CRITICAL (exit 2)"), std::string::npos) << text;
}

}  // namespace
}  // namespace validprof::thresholds
