// Phase summaries: attribution to invocations by pid and lifetime, exact
// percentiles, and validation CPU per core counting nested phases once.
#include "report/phase_summary.h"

#include <gtest/gtest.h>

namespace validprof::report {
namespace {

model::Invocation invocation(const std::string& hook, std::int32_t pid, std::uint64_t start, std::uint64_t end,
                             std::map<std::uint32_t, std::uint64_t> cpu) {
    model::Invocation inv;
    inv.hook = hook;
    inv.root_pid = pid;
    inv.start_ns = start;
    inv.last_end_ns = end;
    inv.complete = true;
    inv.times.on_cpu_ns_per_cpu = cpu;
    model::ProcessRecord process;
    process.pid = pid;
    process.start_ns = start;
    process.end_ns = end;
    process.exited = true;
    inv.processes.push_back(process);
    return inv;
}

model::PhaseExecution phase(std::int32_t pid, std::int32_t tid, const std::string& name, std::uint64_t start,
                            std::uint64_t end, std::map<std::uint32_t, std::uint64_t> cpu) {
    model::PhaseExecution p;
    p.pid = pid;
    p.tid = tid;
    p.provider = "validcore";
    p.phase = name;
    p.start_ns = start;
    p.end_ns = end;
    p.on_cpu_ns_per_cpu = cpu;
    for (const auto& [c, ns] : cpu) p.on_cpu_ns += ns;
    return p;
}

TEST(PhaseSummary, AttributesByPidAndLifetime) {
    // pid 10 reused: two invocations of different hooks.
    std::vector<model::Invocation> invocations = {invocation("post-edit", 10, 100, 200, {}),
                                                  invocation("post-command", 10, 300, 400, {})};
    std::vector<model::PhaseExecution> phases = {phase(10, 10, "checks", 120, 150, {}),
                                                 phase(10, 10, "hook", 310, 390, {}),
                                                 phase(99, 99, "checks", 120, 150, {})};
    std::vector<std::string> owners = attribute_phases(invocations, phases);
    EXPECT_EQ(owners, (std::vector<std::string>{"post-edit", "post-command", kOutsideInvocations}));
}

TEST(PhaseSummary, CountsPercentilesAndShare) {
    std::vector<model::Invocation> invocations = {invocation("post-edit", 10, 0, 1000, {}),
                                                  invocation("post-edit", 11, 2000, 3000, {})};
    std::vector<model::PhaseExecution> phases;
    for (std::uint64_t d : {10, 20, 30}) phases.push_back(phase(10, 10, "checks", 100, 100 + d, {}));
    phases.push_back(phase(11, 11, "checks", 2100, 2100 + 40, {}));
    PhaseReport report = summarize_phases(invocations, phases, 5000);
    ASSERT_EQ(report.phases.size(), 1u);
    const PhaseSummary& checks = report.phases.front();
    EXPECT_EQ(checks.count, 4u);
    EXPECT_EQ(checks.p50_ns, 20u);  // nearest rank: ceil(0.5 * 4) = 2nd of 10,20,30,40
    EXPECT_EQ(checks.p99_ns, 40u);
    EXPECT_EQ(checks.max_ns, 40u);
    EXPECT_EQ(checks.total_ns, 100u);
    EXPECT_DOUBLE_EQ(checks.share_of_hook_wall_percent, 100.0 * 100 / 2000);
}

TEST(PhaseSummary, ValidationCpuCountsOuterPhasesOnceAndSkipsEnvelopes) {
    std::vector<model::Invocation> invocations = {invocation("post-edit", 10, 0, 1000, {{0, 900}, {1, 50}})};
    std::vector<model::PhaseExecution> phases = {
        phase(10, 10, "hook", 0, 1000, {{0, 900}}),       // envelope: not validation
        phase(10, 10, "checks", 100, 500, {{0, 300}}),    // outer
        phase(10, 10, "check", 150, 200, {{0, 40}}),      // nested in checks: counted once
        phase(10, 10, "db_write", 600, 700, {{0, 80}}),   // the hook's own writes
        phase(10, 12, "prepare", 100, 300, {{1, 30}}),    // another thread
    };
    PhaseReport report = summarize_phases(invocations, phases, 1000);
    EXPECT_EQ(report.cpu.validation_on_cpu_ns.at(0), 300u);
    EXPECT_EQ(report.cpu.validation_on_cpu_ns.at(1), 30u);
    EXPECT_EQ(report.cpu.hooks_on_cpu_ns.at(0), 900u);
    for (const auto& [cpu, ns] : report.cpu.validation_on_cpu_ns) EXPECT_LE(ns, report.cpu.hooks_on_cpu_ns.at(cpu));
}

}  // namespace
}  // namespace validprof::report
