#include "report/text_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "scenario.h"

namespace validprof::report {
namespace {

using testing::kMs;

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

bool matches(const std::string& text, const std::string& pattern) {
    return std::regex_search(text, std::regex(pattern));
}

// Local times in the header come out in UTC for these tests.
class TextReport : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* tz = std::getenv("TZ")) old_tz_ = tz;
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
    void TearDown() override {
        if (old_tz_.empty()) {
            ::unsetenv("TZ");
        } else {
            ::setenv("TZ", old_tz_.c_str(), 1);
        }
        ::tzset();
    }

private:
    std::string old_tz_;
};

TEST_F(TextReport, SessionHeader) {
    const std::string text = render_text(testing::scenario());
    EXPECT_TRUE(contains(text, "Session 7: record git commit -m test")) << text;
    EXPECT_TRUE(contains(text, "buildhost, kernel 6.8.0-test")) << text;
    EXPECT_TRUE(contains(text, "started   2023-11-14 22:13:20.000 +0000")) << text;
    EXPECT_TRUE(contains(text, "duration  1.00 s")) << text;
    EXPECT_TRUE(contains(text, "status    complete")) << text;
    EXPECT_TRUE(contains(text, "4242 received")) << text;
    EXPECT_FALSE(contains(text, "INCOMPLETE")) << text;
}

TEST_F(TextReport, NoLostEventsIsStatedExplicitly) {
    const std::string text = render_text(testing::scenario());
    EXPECT_TRUE(contains(text, "lost events: 0\n")) << text;
    EXPECT_FALSE(contains(text, "WARNING")) << text;
}

TEST_F(TextReport, EveryLostEventReasonIsListedWithAWarning) {
    ReportInput input = testing::scenario();
    input.session.end.lost_events = {
        {"ringbuf_full_exec", 12}, {"tracked_map_full", 5}, {"ringbuf_full_exit", 0}};
    const std::string text = render_text(input);
    EXPECT_TRUE(contains(text, "lost events: 17\n")) << text;
    EXPECT_TRUE(matches(text, "ringbuf_full_exec +12\n")) << text;
    EXPECT_TRUE(matches(text, "tracked_map_full +5\n")) << text;
    EXPECT_TRUE(matches(text, "ringbuf_full_exit +0\n")) << text;
    EXPECT_TRUE(contains(text, "WARNING: 17 events were lost")) << text;
}

TEST_F(TextReport, IncompleteSessionIsMarked) {
    ReportInput input = testing::scenario();
    input.session.complete = false;
    input.session.end.end_unix_ns = 0;
    input.session.end.lost_events = {{"ringbuf_full_exec", 3}};
    const std::string text = render_text(input);
    EXPECT_TRUE(contains(text, "INCOMPLETE")) << text;
    EXPECT_TRUE(contains(text, "duration  at least 800 ms")) << text;
    EXPECT_TRUE(contains(text, "lasted at least 800 ms (so shares are upper bounds)")) << text;
    // Counts reported before the recorder died are still shown.
    EXPECT_TRUE(contains(text, "lost events: 3 (as last reported")) << text;
    EXPECT_TRUE(matches(text, "ringbuf_full_exec +3\n")) << text;
}

TEST_F(TextReport, EmptySession) {
    ReportInput input;
    input.session = testing::session();
    const std::string text = render_text(input);
    EXPECT_TRUE(contains(text, "Session 7")) << text;
    EXPECT_TRUE(contains(text, "lost events: 0")) << text;
    EXPECT_TRUE(contains(text, "no invocations recorded")) << text;
    EXPECT_FALSE(contains(text, "Hooks:")) << text;
    EXPECT_FALSE(contains(text, "Slowest")) << text;
}

TEST_F(TextReport, UnknownHookFilterNamesTheHooksThatExist) {
    ReportInput input = testing::scenario();
    input.hook_filter = "post-merge";
    const std::string text = render_text(input);
    EXPECT_TRUE(contains(text, "no invocations of hook 'post-merge' recorded; hooks in this "
                               "session: pre-commit, pre-push"))
        << text;
}

TEST_F(TextReport, HookTableShowsPercentilesAndCounts) {
    const std::string text = render_text(testing::scenario());
    // hook, runs, failed, incomplete, p50, p90, p95, p99, max
    EXPECT_TRUE(matches(text, "pre-commit +2 +1 +0 +100 ms +300 ms +300 ms +300 ms +300 ms\n"))
        << text;
    EXPECT_TRUE(matches(text, "pre-push +2 +0 +1 +50.0 ms +50.0 ms +50.0 ms +50.0 ms +50.0 ms\n"))
        << text;
}

TEST_F(TextReport, BreakdownAndCpuPerCore) {
    const std::string text = render_text(testing::scenario());
    EXPECT_TRUE(contains(text, "pre-commit: mean per complete invocation (2)")) << text;
    EXPECT_TRUE(contains(text, "wall 200 ms (min 100 ms)")) << text;
    EXPECT_TRUE(contains(text, "on-CPU 125 ms, run-queue wait 5.00 ms, sleeping 25.0 ms, "
                               "blocked (D, mostly I/O) 20.0 ms"))
        << text;
    EXPECT_TRUE(contains(text, "context switches 5 voluntary, 1 involuntary; processes 1.5"))
        << text;
    EXPECT_TRUE(contains(text, "need not add up to the wall time")) << text;
    // cpu, on-CPU, share of the 1 s session
    EXPECT_TRUE(contains(text, "total 250 ms; share of the 1.00 s session")) << text;
    EXPECT_TRUE(matches(text, "\n +0 +150 ms +15.0%\n")) << text;
    EXPECT_TRUE(matches(text, "\n +1 +100 ms +10.0%\n")) << text;
    EXPECT_TRUE(matches(text, "\n +2 +50.0 ms +5.00%\n")) << text;
}

TEST_F(TextReport, HookWithoutCompleteRunsShowsDashes) {
    ReportInput input = testing::scenario();
    input.hook_filter = "pre-push";
    input.invocations.erase(
        std::remove_if(input.invocations.begin(), input.invocations.end(),
                       [](const model::Invocation& inv) { return inv.id == 4; }),
        input.invocations.end());
    const std::string text = render_text(input);
    EXPECT_TRUE(matches(text, "pre-push +1 +0 +1 +- +- +- +- +-\n")) << text;
    EXPECT_TRUE(contains(text, "no complete invocation")) << text;
    EXPECT_TRUE(contains(text, "Slowest complete invocations of pre-push: none")) << text;
}

TEST_F(TextReport, SlowestInvocationsWithProcessBreakdown) {
    const std::string text = render_text(testing::scenario());
    EXPECT_TRUE(contains(text, "Slowest complete invocations (top 3)")) << text;
    EXPECT_TRUE(contains(text, "Legend: start = offset from the invocation start")) << text;
    EXPECT_TRUE(contains(text, "#1  pre-commit  wall 300 ms  exit 0  root pid 100")) << text;
    EXPECT_TRUE(contains(text, "#2  pre-commit  wall 100 ms  exit 1  root pid")) << text;
    EXPECT_TRUE(contains(text, "#3  pre-push  wall 50.0 ms")) << text;
    EXPECT_TRUE(contains(text, "started 2023-11-14 22:13:20.100 +0000  id 1")) << text;
    EXPECT_FALSE(contains(text, "#4")) << text;
    // pid, ppid, command, start, dur, on-CPU, runq, sleep, blocked, exit
    EXPECT_TRUE(matches(text, "100 +1 +/bin/sh \\.git/hooks/pre-commit +-2\\.00 ms +302 ms +20\\.0 ms "
                              "+1\\.00 ms +250 ms +5\\.00 ms +0\n"))
        << text;
    EXPECT_TRUE(matches(text, "101 +100 +/usr/bin/clang-format --dry-run src/main\\.cpp +50\\.0 ms "
                              "+100 ms +80\\.0 ms +9\\.00 ms +0 ns +11\\.0 ms +exit 1\n"))
        << text;
}

TEST_F(TextReport, LongProcessListsAreCut) {
    ReportInput input;
    input.session = testing::session();
    input.invocations = {testing::invocation("make-check", testing::at(0), 10 * kMs, true, 0, {},
                                             30)};
    input.max_processes_shown = 20;
    const std::string text = render_text(input);
    EXPECT_TRUE(contains(text, "... 10 more processes (--json lists them all)")) << text;
}

TEST_F(TextReport, ControlCharactersInArgvDoNotBreakLines) {
    ReportInput input = testing::scenario();
    for (auto& inv : input.invocations) {
        for (auto& p : inv.processes) p.argv = "git commit -m \"first\nsecond\"";
    }
    const std::string text = render_text(input);
    EXPECT_TRUE(contains(text, "git commit -m \"first?second\"")) << text;
    EXPECT_FALSE(contains(text, "\nsecond")) << text;
}

}  // namespace
}  // namespace validprof::report
