// The assessment from synthetic sessions whose figures are planted: the
// seed's projections are placed within/above/below correctly, the stage
// recommendations follow the thresholds, and the HTML is self-contained
// and well-formed (xmllint parses it as XML) with its charts inline.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "assess/assessment_report.h"
#include "report/synthetic.h"

namespace validprof::assess {
namespace {

using report::testing::at;
using report::testing::invocation;
using report::testing::kMs;

compare::SessionSample session(std::int64_t id, std::uint64_t post_edit_ms, bool consensus, std::uint64_t rss_bytes = 0) {
    compare::SessionSample s;
    s.session_id = id;
    s.wall_ns = 100'000 * kMs;
    s.sqlite = model::SqliteActivity{};
    for (int i = 0; i < 40; ++i) {
        const std::uint64_t start = at(static_cast<std::uint64_t>(i) * 1000 * kMs);
        model::Invocation inv = invocation("post-edit", start, (post_edit_ms + static_cast<std::uint64_t>(i % 5)) * kMs);
        inv.root_pid = inv.processes[0].pid = 5000 + i;
        inv.processes[0].peak_rss_bytes = rss_bytes;
        inv.times.on_cpu_ns = 5 * kMs;
        inv.times.on_cpu_ns_per_cpu = {{0, 5 * kMs}};
        s.invocations.push_back(inv);
        if (consensus) {
            model::PhaseExecution phase;
            phase.pid = phase.tid = inv.root_pid;
            phase.provider = "validcore";
            phase.phase = "consensus";
            phase.start_ns = start + kMs;
            phase.end_ns = start + 3 * kMs;  // 2 ms: far below the seed's 100-500 ms
            phase.on_cpu_ns = kMs;
            phase.on_cpu_ns_per_cpu = {{0, kMs}};
            s.phases.push_back(phase);
        }
    }
    return s;
}

}  // namespace

// Shared with render_test.cpp. With memory: every post-edit's process peaks
// at 40 MB in the baseline and 45 MB elsewhere.
Assessment planted_assessment(bool with_memory) {
    Suite suite;
    suite.name = "synthetic";
    suite.baseline = "baseline";
    suite.hook = "post-edit";
    auto add = [&](std::string name, std::string group, double rollout, std::string stage) {
        Scenario s;
        s.name = std::move(name);
        s.group = std::move(group);
        s.rollout_percent = rollout;
        s.stage = std::move(stage);
        s.command = "true";
        suite.scenarios.push_back(s);
    };
    add("baseline", "baseline", 0, "");
    add("stage-4A", "stage", 5, "4A");     // +1%: PROCEED
    add("stage-4D", "stage", 100, "4D");   // 20 -> 50 ms: +30 ms, hook p99 still < 100 ms
    add("rollout-10", "rollout", 10, "");  // +20%: above the seed's +2-3%
    std::vector<ScenarioRun> runs;
    const std::uint64_t base_rss = with_memory ? 40'000'000 : 0;
    const std::uint64_t rss = with_memory ? 45'000'000 : 0;
    std::vector<compare::SessionSample> sessions = {session(1, 200, false, base_rss), session(2, 202, true, rss),
                                                    session(3, 230, true, rss), session(4, 240, true, rss)};
    for (std::size_t i = 0; i < sessions.size(); ++i) {
        ScenarioRun run;
        run.name = suite.scenarios[i].name;
        run.session_id = sessions[i].session_id;
        run.record_command = "validprof record ...";
        runs.push_back(run);
    }
    return analyze(suite, runs, sessions, thresholds::shipped_thresholds(), "shipped");
}

namespace {

Assessment planted() { return planted_assessment(false); }

const Projection& projection(const Assessment& a, const std::string& claim) {
    for (const Projection& p : a.projections)
        if (p.claim == claim) return p;
    ADD_FAILURE() << "no projection " << claim;
    static Projection none;
    return none;
}

TEST(Assessment, ProjectionsArePlacedAgainstTheSeedsRanges) {
    const Assessment a = planted();
    // 100% stage p50 minus baseline p50: +30 ms, inside +10-50 ms.
    EXPECT_EQ(projection(a, "Truth validation overhead per hook").status, "within");
    EXPECT_EQ(projection(a, "Truth validation overhead per hook").measured, "+30.0 ms");
    // Consensus phases of 2 ms: below the projected 100-500 ms.
    EXPECT_EQ(projection(a, "Byzantine consensus per critical decision").status, "below");
    // rollout-10 p99 240+4 vs 200+4 ms: +19.6%, above +2-3%.
    EXPECT_EQ(projection(a, "Response time impact at 10% rollout").status, "above");
    EXPECT_EQ(projection(a, "Memory increase").status, "not measured");  // no peak RSS in these sessions
    const Assessment with_memory = planted_assessment(true);
    EXPECT_EQ(projection(with_memory, "Memory increase").measured, "+5.0 MB per hook");
    EXPECT_EQ(projection(with_memory, "Memory increase").status, "below");  // the seed projected +350-900 MB
    // 25% and peak are not in this suite.
    EXPECT_EQ(projection(a, "Response time impact at 25% rollout").status, "not measured");
}

TEST(Assessment, StagesFollowTheThresholds) {
    const Assessment a = planted();
    const ScenarioResult* a4 = find_scenario(a, "stage-4A");
    const ScenarioResult* d4 = find_scenario(a, "stage-4D");
    ASSERT_TRUE(a4 && d4);
    // 4A: p99 204 -> 206 ms is +0.98% (under max impact +3%) but the p99
    // is above the 100 ms hook_execution warning: WARNING overall.
    EXPECT_EQ(a4->check.worst, thresholds::Verdict::Warning);
    bool stage_line = false;
    for (const auto& line : a4->check.lines)
        if (line.threshold == "stage 4A") {
            stage_line = true;
            EXPECT_EQ(line.verdict, thresholds::Verdict::Ok) << line.note;
        }
    EXPECT_TRUE(stage_line);
    // rollout-10 at +19.6% response time is CRITICAL (> +10%): the worst.
    EXPECT_EQ(a.worst, thresholds::Verdict::Critical);
}

TEST(AssessmentReport, HtmlIsSelfContainedAndWellFormed) {
    const Document document = build_report(planted());
    const std::string html = render_html(document);
    const std::string markdown = render_markdown(document);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("src="), std::string::npos);
    EXPECT_EQ(html.find("href="), std::string::npos);
    EXPECT_EQ(html.find("url("), std::string::npos);
    // The only URL is the SVG namespace.
    std::size_t http = 0;
    for (std::size_t at = html.find("http"); at != std::string::npos; at = html.find("http", at + 1)) {
        EXPECT_EQ(html.compare(at, 26, "http://www.w3.org/2000/svg"), 0) << html.substr(at, 60);
        ++http;
    }
    std::size_t charts = 0;
    for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++charts;
    EXPECT_GE(charts, 3u);  // latency strips, p99 bars, CPU (no consensus scenario here)
    EXPECT_EQ(http, charts);
    for (const char* section : {"Recommendation per rollout stage", "Projected (seed) vs measured", "Latency per scenario",
                                "CPU per core", "Phase breakdown", "SQLite", "Memory", "Reproduce"}) {
        EXPECT_NE(html.find(section), std::string::npos) << section;
        EXPECT_NE(markdown.find(section), std::string::npos) << section;
    }
    // Well-formed: xmllint (libxml2-utils, installed by scripts/setup.sh) parses it as XML.
    const std::string path = (std::filesystem::temp_directory_path() / "validprof-assess-report-test.html").string();
    std::ofstream(path) << html;
    const int status = std::system(("xmllint --noout '" + path + "' 2>&1").c_str());
    std::filesystem::remove(path);
    EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace validprof::assess
