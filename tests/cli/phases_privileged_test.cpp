// End-to-end, privileged: `validprof record --usdt` discovers USDT phase
// pairs in the executables a hook runs and measures them; compared with the
// workload's own clocks around the same probes.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "report/phase_summary.h"

namespace validprof::testing {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

class PhasesPrivileged : public ::testing::TestWithParam<bool> {};

// Slices whose switch-in reached no sched_switch program (counted as
// note_switch_in_unseen): in those the phase probes fall back to the
// scheduler's counter, current only to its last tick.
std::uint64_t unseen_switch_ins(storage::ProfileDatabase& database) {
    auto session = database.load_session(1);
    EXPECT_TRUE(session.ok());
    if (!session.ok()) return 0;
    auto found = session->end.lost_events.find("note_switch_in_unseen");
    return found == session->end.lost_events.end() ? 0 : found->second;
}

// vp_phases reads its clocks so that each window holds the probes: the
// monotonic clock outermost, then its CPU clock (and, around naps, its
// schedstat run-queue wait). Hence these brackets, exact but for the
// allowances named:
//  - a phase lasts no longer than the window around it;
//  - a nap phase is shorter than its window by the window's CPU and
//    run-queue wait at most (the probes do not sleep), give or take
//    kSchedulerPathSlack: the kernel's CPU clock and run-queue wait begin
//    and end a few instructions (µs) from the tracepoints that time ours;
//  - a work phase's CPU does not exceed its duration;
//  - a work phase ran at least the window's CPU minus the window's time
//    outside the phase (the only place the rest can be), give or take
//    kSchedulerPathSlack per switch (the kernel starts a slice's clock when
//    it picks the task, a few µs before the tracepoint that starts ours);
//    and at most the
//    window's time minus its run-queue wait (that wait per switch give or
//    take kSchedulerPathSlack). Not at most the window's CPU: the phase is
//    timed on the CPU by the clock, and on a virtual machine the hypervisor
//    may take the CPU meanwhile (steal time, seen here), which the kernel's
//    CPU clock leaves out (CONFIG_PARAVIRT_TIME_ACCOUNTING); so may
//    interrupts (CONFIG_IRQ_TIME_ACCOUNTING).
// Wherever a monotonic duration meets a CPU-clock one, the two clocks'
// rates may differ by kClockRateSlack (cli_test_support.h).
constexpr std::uint64_t kSchedulerPathSlack = 100'000;

void expect_phases_within_the_workloads_windows(const TruthLine& truth, std::uint64_t work_wall,
                                                std::uint64_t work_cpu, std::uint64_t nap_wall,
                                                std::uint64_t unseen) {
    const std::uint64_t truth_work_wall = truth_u64(truth, "work_wall_ns");
    const std::uint64_t truth_work_cpu = truth_u64(truth, "work_cpu_ns");
    const std::uint64_t truth_nap_wall = truth_u64(truth, "nap_wall_ns");
    EXPECT_LE(work_wall, truth_work_wall);
    const std::uint64_t switches = truth_u64(truth, "work_stretches");
    if (unseen == 0) {
        EXPECT_GE(work_wall, work_cpu);
    }
    EXPECT_LE(nap_wall, truth_nap_wall);
    EXPECT_GE(nap_wall + truth_u64(truth, "nap_cpu_ns") + truth_u64(truth, "nap_wait_ns") + kSchedulerPathSlack +
                  clock_rate_slack_ns(truth_nap_wall),
              truth_nap_wall);
    // A switch no sched_switch program saw (this kernel does that now and
    // then; the session counts it as note_switch_in_unseen) leaves the
    // clock of the slice in progress wrong by however long the thread was
    // away: then only the bounds above hold.
    if (unseen > 0) return;
    EXPECT_LE(work_cpu + truth_u64(truth, "work_wait_ns"),
              truth_work_wall + switches * kSchedulerPathSlack + clock_rate_slack_ns(truth_work_wall))
        << "work on-CPU " << work_cpu << " ns, the thread's CPU clock " << truth_work_cpu << " ns";
    EXPECT_GE(work_cpu + (truth_work_wall - std::min(work_wall, truth_work_wall)) + switches * kSchedulerPathSlack +
                  clock_rate_slack_ns(truth_work_cpu),
              truth_work_cpu)
        << "work on-CPU " << work_cpu << " ns, the thread's CPU clock " << truth_work_cpu << " ns";
}

// Both attachment paths: uprobe.multi links, and libbpf's per-site USDT.
INSTANTIATE_TEST_SUITE_P(AttachPaths, PhasesPrivileged, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "PerSiteUprobes" : "UprobeMulti"; });

TEST_P(PhasesPrivileged, UsdtPhasePairsAgreeWithTheWorkloadsClocks) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    CommandResult result = run_command({validprof_binary(), "record", "--usdt", "--db", dir.file("p.db"), "--",
                                        workload("vp_phases"), "4"},
                                       {{"VALIDPROF_TRUTH", dir.file("truth.txt")},
                                        {"VALIDPROF_NO_UPROBE_MULTI", GetParam() ? "1" : "0"}});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    std::vector<TruthLine> truth = read_truth(dir.file("truth.txt"));
    ASSERT_EQ(truth.size(), 1u);

    auto database = open_database(dir.file("p.db"));
    ASSERT_TRUE(database);
    auto phases = database->load_phase_executions(1);
    ASSERT_TRUE(phases.ok());
    auto invocations = database->load_invocations(1, std::nullopt, true);
    ASSERT_TRUE(invocations.ok());
    ASSERT_EQ(invocations->size(), 1u);
    const model::Invocation& invocation = invocations->front();

    std::uint64_t work_wall = 0, work_cpu = 0, nap_wall = 0;
    std::size_t works = 0, naps = 0;
    for (const model::PhaseExecution& phase : *phases) {
        EXPECT_EQ(phase.provider, "vptest");
        EXPECT_EQ(phase.pid, invocation.root_pid);
        EXPECT_GE(phase.start_ns, invocation.start_ns);
        EXPECT_LE(phase.end_ns, invocation.last_end_ns) << "phase outside the hook's wall time";
        std::uint64_t per_cpu = 0;
        for (const auto& [cpu, ns] : phase.on_cpu_ns_per_cpu) per_cpu += ns;
        EXPECT_EQ(per_cpu, phase.on_cpu_ns);
        if (phase.phase == "work") {
            ++works;
            work_wall += phase.duration_ns();
            work_cpu += phase.on_cpu_ns;
        } else if (phase.phase == "nap") {
            ++naps;
            nap_wall += phase.duration_ns();
        } else {
            ADD_FAILURE() << "unexpected phase " << phase.phase << " (points are not phases)";
        }
    }
    EXPECT_EQ(works, 4u);
    EXPECT_EQ(naps, 4u) << "NAME_begin/NAME_end pairs are phases too";
    expect_phases_within_the_workloads_windows(truth.front(), work_wall, work_cpu, nap_wall, unseen_switch_ins(*database));
    if (::testing::Test::HasFailure()) {
        std::ostringstream detail;
        for (const model::PhaseExecution& phase : *phases) {
            detail << phase.phase << " start " << phase.start_ns << " duration " << phase.duration_ns() << " on-CPU "
                   << phase.on_cpu_ns << " per CPU";
            for (const auto& [cpu, ns] : phase.on_cpu_ns_per_cpu) detail << " " << cpu << ":" << ns;
            detail << "\n";
        }
        if (auto session = database->load_session(1); session.ok())
            for (const auto& [reason, count] : session->end.lost_events)
                if (count) detail << reason << " " << count << "\n";
        ADD_FAILURE() << "phases:\n" << detail.str();
    }

    // Validation CPU per core never exceeds the hooks' CPU on that core.
    report::PhaseReport summary = report::summarize_phases(*invocations, *phases, invocation.wall_ns());
    for (const auto& [cpu, ns] : summary.cpu.validation_on_cpu_ns) {
        ASSERT_TRUE(summary.cpu.hooks_on_cpu_ns.count(cpu)) << cpu;
        EXPECT_LE(ns, summary.cpu.hooks_on_cpu_ns.at(cpu)) << "cpu " << cpu;
    }
}

TEST(PhasesWithoutUsdt, NothingIsHeldOrRecorded) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    CommandResult result =
        run_command({validprof_binary(), "record", "--db", dir.file("p.db"), "--", workload("vp_phases"), "1"});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    auto database = open_database(dir.file("p.db"));
    ASSERT_TRUE(database);
    auto phases = database->load_phase_executions(1);
    ASSERT_TRUE(phases.ok());
    EXPECT_TRUE(phases->empty());
}

}  // namespace
}  // namespace validprof::testing

namespace validprof::testing {
namespace {

// validcore's per-round record of its validators (how far each got), from
// the hook's own database.
std::vector<nlohmann::json> validcore_performance_rows(const std::string& path) {
    std::vector<nlohmann::json> rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << "cannot open " << path;
        sqlite3_close(db);
        return rows;
    }
    sqlite3_stmt* statement = nullptr;
    const char* sql =
        "SELECT value FROM memory_entries WHERE namespace = 'completion-validation-performance' "
        "AND key LIKE 'validation/%'";
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK) {
        while (sqlite3_step(statement) == SQLITE_ROW)
            rows.push_back(nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))));
    } else {
        ADD_FAILURE() << sqlite3_errmsg(db);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return rows;
}

// Issue 5's acceptance: N post-edit hooks with validation at 100% under
// `validprof record --usdt`.
TEST(ValidcorePrivileged, PostEditPhasesPerInvocation) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    std::ofstream(dir.file("settings.json")) << "{\"hooks\": {\"PostToolUse\": []}}\n";
    constexpr int kHooks = 5;
    // validcore by name through PATH, as a hook configuration runs it.
    std::string loop = "cd " + shell_quoted(dir.path().string()) +
                       " && for i in 1 2 3 4 5; do validcore hooks post-edit --file settings.json"
                       " --rollout-percent 100 --memory-key swarm/t/$i >/dev/null || exit 1; done";
    std::string path = fs::path(VALIDCORE_BINARY).parent_path().string() + ":" + std::getenv("PATH");
    CommandResult result = run_command({validprof_binary(), "record", "--usdt", "--db", dir.file("p.db"), "--hook",
                                        "post-edit=^validcore hooks post-edit", "--", "sh", "-c", loop},
                                       {{"PATH", path}});
    ASSERT_EQ(result.exit_code, 0) << result.output;

    auto database = open_database(dir.file("p.db"));
    ASSERT_TRUE(database);
    auto invocations = database->load_invocations(1, std::nullopt, true);
    ASSERT_TRUE(invocations.ok());
    ASSERT_EQ(invocations->size(), static_cast<std::size_t>(kHooks));
    auto phases = database->load_phase_executions(1);
    ASSERT_TRUE(phases.ok());

    std::map<std::string, std::size_t> counts;
    std::vector<std::string> owners = report::attribute_phases(*invocations, *phases);
    for (std::size_t i = 0; i < phases->size(); ++i) {
        const model::PhaseExecution& phase = (*phases)[i];
        ASSERT_EQ(owners[i], "post-edit") << phase.phase;
        counts[phase.phase] += 1;
        // Inside the wall time of the invocation that ran it.
        for (const model::Invocation& invocation : *invocations)
            for (const model::ProcessRecord& process : invocation.processes)
                if (process.pid == phase.pid) {
                    EXPECT_GE(phase.start_ns, invocation.start_ns) << phase.phase;
                    EXPECT_LE(phase.end_ns, invocation.last_end_ns) << phase.phase;
                }
    }
    for (const char* once : {"hook", "checks", "score", "consensus"})
        EXPECT_EQ(counts[once], static_cast<std::size_t>(kHooks)) << once;
    // Every validator judges on its own (docs/validation-core.md): one
    // evaluate phase per validator per hook (n = 4 by default).
    constexpr std::size_t kValidators = 4;
    EXPECT_EQ(counts["evaluate"], kHooks * kValidators);
    // PBFT phases run on the validator threads, as far as each one got
    // before the round ended (the client decides once it holds a commit
    // certificate and gives the others 5 ms: a validator behind on a busy
    // machine stops short). validcore's own record of each validator says
    // how far. A validator's own re-checks fire no checks probes (they are
    // inside its evaluate phase), so "checks" stays once per hook.
    std::vector<nlohmann::json> rounds = validcore_performance_rows(dir.file(".swarm/memory.db"));
    ASSERT_EQ(rounds.size(), static_cast<std::size_t>(kHooks));
    std::map<std::string, std::size_t> reached;
    bool view_changed = false;
    for (const nlohmann::json& round : rounds)
        for (const nlohmann::json& validator : round.at("validators")) {
            reached["pre_prepare"] += validator.at("request_us").get<std::int64_t>() >= 0;
            reached["prepare"] += validator.at("pre_prepare_us").get<std::int64_t>() >= 0;
            reached["commit"] += validator.at("prepared_us").get<std::int64_t>() >= 0;
            view_changed = view_changed || validator.at("view_changes").get<int>() != 0;
        }
    for (const char* per_validator : {"pre_prepare", "prepare", "commit"}) {
        // A view change adds phases (a new view's pre-prepare and so on).
        if (view_changed) {
            EXPECT_GE(counts[per_validator], reached[per_validator]) << per_validator;
        } else {
            EXPECT_EQ(counts[per_validator], reached[per_validator]) << per_validator;
        }
    }

    std::uint64_t wall = 0;
    for (const model::Invocation& invocation : *invocations) wall += invocation.wall_ns();
    report::PhaseReport summary = report::summarize_phases(*invocations, *phases, wall);
    ASSERT_FALSE(summary.cpu.validation_on_cpu_ns.empty());
    for (const auto& [cpu, ns] : summary.cpu.validation_on_cpu_ns) {
        ASSERT_TRUE(summary.cpu.hooks_on_cpu_ns.count(cpu)) << cpu;
        EXPECT_LE(ns, summary.cpu.hooks_on_cpu_ns.at(cpu)) << "cpu " << cpu;
    }

    // And the report shows them.
    CommandResult text = run_command({validprof_binary(), "report", "--db", dir.file("p.db")});
    EXPECT_NE(text.output.find("validcore:consensus"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("validation"), std::string::npos);
}

}  // namespace
}  // namespace validprof::testing

namespace validprof::testing {
namespace {

// With --usdt and --stacks together, samples taken inside a phase carry it
// as their root frame: the off-CPU time inside "nap" is the naps' time.
TEST(PhasesInStacksPrivileged, OffCpuSamplesNameTheirPhase) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    CommandResult result = run_command({validprof_binary(), "record", "--usdt", "--stacks", "--freq", "999", "--db",
                                        dir.file("p.db"), "--", workload("vp_phases"), "4"},
                                       {{"VALIDPROF_TRUTH", dir.file("truth.txt")}});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    std::vector<TruthLine> truth = read_truth(dir.file("truth.txt"));
    ASSERT_EQ(truth.size(), 1u);
    auto database = open_database(dir.file("p.db"));
    ASSERT_TRUE(database);
    auto profile = database->load_stack_profile(1);
    ASSERT_TRUE(profile.ok());
    std::uint64_t nap_off_cpu = 0, work_cpu_samples = 0;
    for (const model::StackSample& sample : profile->samples) {
        if (sample.frames.empty()) continue;
        const std::string& root = sample.frames.front().name;
        if (root == "[phase] vptest:nap" && sample.kind != model::SampleKind::Cpu) nap_off_cpu += sample.weight_ns;
        if (root == "[phase] vptest:work" && sample.kind == model::SampleKind::Cpu) work_cpu_samples += sample.count;
    }
    // The naps' off-CPU samples lie inside the workload's windows around
    // them, which hold nothing else but CPU and run-queue wait (measured);
    // the work's CPU samples are its CPU clock within the sampling error
    // for the stretches it ran in (cli_test_support.h).
    const TruthLine& line = truth.front();
    const std::uint64_t nap_window = truth_u64(line, "nap_wall_ns");
    EXPECT_LE(nap_off_cpu, nap_window);
    EXPECT_GE(nap_off_cpu + truth_u64(line, "nap_cpu_ns") + truth_u64(line, "nap_wait_ns") + kSchedulerPathSlack +
                  clock_rate_slack_ns(nap_window),
              nap_window);
    constexpr std::uint64_t kPeriodNs = 1'000'000'000 / 999;
    EXPECT_TRUE(within("work's sampled CPU", work_cpu_samples * kPeriodNs, truth_u64(line, "work_cpu_ns"), 0,
                       sampling_error_bound_ns(truth_u64(line, "work_stretches"), kPeriodNs)));
}

}  // namespace
}  // namespace validprof::testing

namespace validprof::testing {
namespace {

// The gate's inspections outlive the session (issue 13): a second session
// on the same profile database finds validcore and libsqlite3 unchanged,
// attaches to them when it starts and holds no process at all, and still
// measures exactly what the first one did. A file changed in between
// (its status-change time moves) is held for again.
struct GatedSession {
    std::uint64_t holds = 0;
    std::uint64_t held_us = 0;
    std::uint64_t process_holds = 0;  // summed over the stored processes
    double report_mean_holds = -1;    // the report's per-invocation mean
    std::map<std::string, std::size_t> phases;
    std::size_t statements = 0;
};

GatedSession read_gated_session(const TempDir& dir, std::int64_t session) {
    GatedSession read;
    CommandResult json = run_command({validprof_binary(), "report", "--json", "--session", std::to_string(session),
                                      "--db", dir.file("p.db")});
    EXPECT_EQ(json.exit_code, 0) << json.output;
    auto report = nlohmann::json::parse(json.output, nullptr, false);
    if (report.is_discarded()) return read;
    const nlohmann::json& notes = report["lost_events"]["by_reason"];
    read.holds = notes.value("note_gate_holds", std::uint64_t{0});
    read.held_us = notes.value("note_gate_held_us", std::uint64_t{0});
    for (const nlohmann::json& hook : report["hooks"])
        if (hook.value("hook", "") == "post-edit") read.report_mean_holds = hook.value("mean_gate_holds", -1.0);
    auto database = open_database(dir.file("p.db"));
    if (!database) return read;
    auto invocations = database->load_invocations(session, std::nullopt, true);
    EXPECT_TRUE(invocations.ok());
    if (invocations.ok())
        for (const model::Invocation& invocation : *invocations)
            for (const model::ProcessRecord& process : invocation.processes) read.process_holds += process.gate_holds;
    auto phases = database->load_phase_executions(session);
    EXPECT_TRUE(phases.ok());
    if (phases.ok())
        for (const model::PhaseExecution& phase : *phases) read.phases[phase.phase] += 1;
    auto sqlite = database->load_sqlite_activity(session);
    EXPECT_TRUE(sqlite.ok());
    if (sqlite.ok()) read.statements = sqlite->statements.size();
    return read;
}

TEST(GateCachePrivileged, ALaterSessionHoldsNobodyForUnchangedFilesAndMeasuresTheSame) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    // A copy of validcore of our own, to change between sessions.
    fs::create_directories(dir.file("bin"));
    fs::copy_file(VALIDCORE_BINARY, dir.file("bin/validcore"));
    std::ofstream(dir.file("settings.json")) << "{\"hooks\": {\"PostToolUse\": []}}\n";
    const std::string path = dir.file("bin") + ":" + std::getenv("PATH");
    int sessions = 0;
    auto record = [&] {
        // A fresh working directory each time: the same statements, the
        // creation of validcore's .swarm/memory.db included.
        const std::string work = dir.file("work" + std::to_string(++sessions));
        fs::create_directories(work);
        fs::copy_file(dir.file("settings.json"), work + "/settings.json");
        const std::string loop = "cd " + shell_quoted(work) +
                                 " && for i in 1 2 3; do validcore hooks post-edit --file settings.json"
                                 " --rollout-percent 100 --memory-key swarm/t/$i >/dev/null || exit 1; done";
        CommandResult result = run_command({validprof_binary(), "record", "--usdt", "--sql", "--db", dir.file("p.db"),
                                            "--hook", "post-edit=^validcore hooks post-edit", "--", "sh", "-c", loop},
                                           {{"PATH", path}});
        EXPECT_EQ(result.exit_code, 0) << result.output;
    };

    record();
    const GatedSession first = read_gated_session(dir, 1);
    ASSERT_GT(first.holds, 0u) << "the first session inspects every file it meets by holding its processes";
    EXPECT_GT(first.held_us, 0u);
    EXPECT_GT(first.process_holds, 0u) << "each hold is charged to the process it stopped";
    EXPECT_DOUBLE_EQ(first.report_mean_holds, static_cast<double>(first.process_holds) / 3);
    EXPECT_EQ(first.phases.at("hook"), 3u);
    ASSERT_GT(first.statements, 0u);

    record();
    const GatedSession second = read_gated_session(dir, 2);
    EXPECT_EQ(second.holds, 0u) << "every file was known and unchanged";
    EXPECT_EQ(second.process_holds, 0u);
    EXPECT_DOUBLE_EQ(second.report_mean_holds, 0.0);
    EXPECT_EQ(second.phases, first.phases) << "the phases, attached at the start, are measured as before";
    EXPECT_EQ(second.statements, first.statements) << "and so are the SQLite statements";

    // A new status-change time: the cached inspection no longer holds.
    ASSERT_EQ(::utimensat(AT_FDCWD, dir.file("bin/validcore").c_str(), nullptr, 0), 0);
    record();
    const GatedSession third = read_gated_session(dir, 3);
    EXPECT_GE(third.holds, 1u) << "the changed validcore is held for and inspected again";
    EXPECT_EQ(third.phases, first.phases);
    EXPECT_EQ(third.statements, first.statements);
}

}  // namespace
}  // namespace validprof::testing
