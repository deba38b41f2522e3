// End-to-end, privileged: `validprof record --usdt` discovers USDT phase
// pairs in the executables a hook runs and measures them; compared with the
// workload's own clocks around the same probes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "cli_test_support.h"
#include "report/phase_summary.h"

namespace validprof::testing {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

class PhasesPrivileged : public ::testing::TestWithParam<bool> {};

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
    // The workload's clocks bracket the probes, so they read a little more
    // (and, on a busy machine, whatever preemption fell between a clock
    // read and its probe). CPU time is what the thread ran, load or not.
    std::uint64_t truth_work = truth_u64(truth.front(), "work_wall_ns");
    std::uint64_t truth_nap = truth_u64(truth.front(), "nap_wall_ns");
    EXPECT_LE(work_wall, truth_work + kMs);
    EXPECT_GE(work_wall, work_cpu);
    EXPECT_GE(static_cast<double>(work_wall), 0.8 * static_cast<double>(truth_work));
    EXPECT_LE(nap_wall, truth_nap + kMs);
    EXPECT_GE(static_cast<double>(nap_wall), 0.8 * static_cast<double>(truth_nap));
    // In a slice whose switch-in reached no sched_switch program (counted
    // as note_switch_in_unseen) the phase probes fall back to the
    // scheduler's counter, current only to its last tick: up to one tick
    // (4 ms at HZ=250) off. The allowance applies only when that happened.
    auto session = database->load_session(1);
    ASSERT_TRUE(session.ok());
    std::uint64_t unseen = session->end.lost_events.count("note_switch_in_unseen")
                               ? session->end.lost_events.at("note_switch_in_unseen")
                               : 0;
    EXPECT_TRUE(within("work on-CPU vs the thread's CPU clock", work_cpu, truth_u64(truth.front(), "work_cpu_ns"),
                       0.05, 2 * kMs + unseen * 5 * kMs));

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

// Issue 5's acceptance: N post-edit hooks with validation at 100% under
// `validprof record --usdt`.
TEST(ValidcorePrivileged, PostEditPhasesPerInvocation) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    std::ofstream(dir.file("settings.json")) << "{\"hooks\": {\"PostToolUse\": []}}\n";
    constexpr int kHooks = 5;
    std::string loop = "cd " + dir.path().string() + " && for i in 1 2 3 4 5; do " + VALIDCORE_BINARY +
                       " hooks post-edit --file settings.json --rollout-percent 100 --memory-key swarm/t/$i"
                       " >/dev/null || exit 1; done";
    CommandResult result = run_command({validprof_binary(), "record", "--usdt", "--db", dir.file("p.db"), "--hook",
                                        "post-edit=^\\S*validcore hooks post-edit", "--", "sh", "-c", loop});
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
    // PBFT phases run on each of the n = 4 validator threads.
    for (const char* per_validator : {"pre_prepare", "prepare", "commit"})
        EXPECT_EQ(counts[per_validator], static_cast<std::size_t>(4 * kHooks)) << per_validator;

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
    // 4 naps of 20 ms: what the workload's clock measured around them.
    EXPECT_LE(nap_off_cpu, truth_u64(truth.front(), "nap_wall_ns") + kMs);
    EXPECT_GE(static_cast<double>(nap_off_cpu), 0.8 * static_cast<double>(truth_u64(truth.front(), "nap_wall_ns")));
    // 4 × 10 ms of CPU at 999 Hz: about 40 samples inside "work".
    EXPECT_GT(work_cpu_samples, 20u);
}

}  // namespace
}  // namespace validprof::testing
