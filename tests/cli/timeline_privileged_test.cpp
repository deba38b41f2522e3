// End-to-end, privileged: `validprof record --usdt` of real workloads, then
// `validprof timeline`; the trace file, parsed, must draw every stored
// process of every invocation at its stored start for its stored duration,
// and every stored phase on its thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "timeline/trace_checks.h"

#include "cli_test_support.h"

namespace validprof::testing {
namespace {

using nlohmann::json;
using trace_checks::expect_slices_nest_per_track;
using trace_checks::ns_of;

json read_json(const std::string& path) {
    std::ifstream file(path);
    json parsed = json::parse(file, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << path << " is not JSON";
    return parsed;
}

// A session of two hooks: vp_fork_tree (a root, its children and
// grandchildren) and vp_phases (USDT phase pairs), run by a shell that
// matches neither rule, so it belongs to no invocation.
class TimelinePrivileged : public ::testing::Test {
protected:
    void SetUp() override {
        VALIDPROF_REQUIRE_BPF();
        const std::string script = shell_quoted(workload("vp_fork_tree")) + " 2 2 3; " +
                                   shell_quoted(workload("vp_phases")) + " 2";
        CommandResult recorded =
            run_command({validprof_binary(), "record", "--usdt", "--db", db(), "--hook", "tree=^\\S*vp_fork_tree",
                         "--hook", "phases=^\\S*vp_phases", "--", "sh", "-c", script},
                        {{"VALIDPROF_TRUTH", dir_.file("truth.txt")}});
        ASSERT_EQ(recorded.exit_code, 0) << recorded.output;
        invocations_ = load_latest_invocations(db());
        ASSERT_EQ(invocations_.size(), 2u);
        auto database = open_database(db());
        ASSERT_TRUE(database);
        auto phases = database->load_phase_executions(1);
        ASSERT_TRUE(phases.ok());
        phases_ = *phases;
    }

    std::string db() const { return dir_.file("p.db"); }

    // `validprof timeline` with these options, into a file; the parsed trace.
    json timeline(const std::vector<std::string>& options) {
        std::vector<std::string> argv = {validprof_binary(), "timeline", "--db", db(), "-o", dir_.file("t.json")};
        argv.insert(argv.end(), options.begin(), options.end());
        CommandResult result = run_command(argv);
        EXPECT_EQ(result.exit_code, 0) << result.output;
        EXPECT_TRUE(result.output.empty()) << result.output;
        return read_json(dir_.file("t.json"));
    }

    TempDir dir_;
    std::vector<model::Invocation> invocations_;
    std::vector<model::PhaseExecution> phases_;
};

// Each process slice of the trace, by pid.
std::map<std::int64_t, json> process_slices(const json& trace) {
    std::map<std::int64_t, json> slices;
    for (const json& event : trace["traceEvents"])
        if (event["ph"] == "X" && event["cat"] == "process") {
            EXPECT_TRUE(slices.emplace(event["pid"].get<std::int64_t>(), event).second) << "twice: " << event.dump();
        }
    return slices;
}

std::map<std::int64_t, std::string> process_names(const json& trace) {
    std::map<std::int64_t, std::string> names;
    for (const json& event : trace["traceEvents"])
        if (event["ph"] == "M" && event["name"] == "process_name") names[event["pid"]] = event["args"]["name"];
    return names;
}

void expect_invocation_drawn(const json& trace, const model::Invocation& invocation) {
    const std::uint64_t origin = trace["otherData"]["origin_monotonic_ns"];
    std::map<std::int64_t, json> slices = process_slices(trace);
    std::map<std::int64_t, std::string> names = process_names(trace);
    ASSERT_FALSE(invocation.processes.empty());
    for (const model::ProcessRecord& process : invocation.processes) {
        SCOPED_TRACE("pid " + std::to_string(process.pid) + " of " + invocation.hook);
        ASSERT_TRUE(names.count(process.pid));
        EXPECT_NE(names[process.pid].find(invocation.hook + " #" + std::to_string(invocation.id)), std::string::npos)
            << names[process.pid];
        EXPECT_NE(names[process.pid].find("(pid " + std::to_string(process.pid) + ")"), std::string::npos);
        ASSERT_TRUE(slices.count(process.pid));
        const json& slice = slices[process.pid];
        EXPECT_EQ(slice["tid"], process.pid);
        ASSERT_TRUE(process.exited) << "every process of these workloads exits";
        ASSERT_GE(process.start_ns, origin);
        EXPECT_EQ(ns_of(slice["ts"]), process.start_ns - origin);
        EXPECT_EQ(ns_of(slice["dur"]), process.end_ns - process.start_ns);
        EXPECT_EQ(slice["args"]["exe"], process.exe);
        EXPECT_EQ(slice["args"]["on_cpu_ns"], process.times.on_cpu_ns);
    }
    std::size_t drawn = 0;
    for (const json& event : trace["traceEvents"]) {
        if (event["ph"] != "X" || event["cat"] != "invocation" || event["args"]["invocation_id"] != invocation.id)
            continue;
        ++drawn;
        EXPECT_EQ(event["pid"], invocation.root_pid);
        EXPECT_EQ(ns_of(event["ts"]), invocation.start_ns - origin);
        EXPECT_EQ(ns_of(event["dur"]), invocation.wall_ns());
    }
    EXPECT_EQ(drawn, 1u) << "invocation " << invocation.id;
}

TEST_F(TimelinePrivileged, EveryProcessOfEveryInvocationAtItsStoredTimes) {
    json trace = timeline({});
    ASSERT_TRUE(trace.is_object());
    EXPECT_EQ(trace["displayTimeUnit"], "ms");
    std::size_t processes = 0;
    for (const model::Invocation& invocation : invocations_) {
        expect_invocation_drawn(trace, invocation);
        processes += invocation.processes.size();
    }
    EXPECT_EQ(process_slices(trace).size(), processes) << "only the invocations' processes, not the shell";
    EXPECT_EQ(process_names(trace).size(), processes);
    for (const json& event : trace["traceEvents"])
        if (event["ph"] == "X") {
            EXPECT_GE(event["dur"].get<double>(), 0.0) << event.dump();
        }
    expect_slices_nest_per_track(trace);
}

TEST_F(TimelinePrivileged, EveryStoredPhaseOnItsThread) {
    ASSERT_EQ(phases_.size(), 4u) << "vp_phases 2: two work and two nap phases";
    json trace = timeline({});
    const std::uint64_t origin = trace["otherData"]["origin_monotonic_ns"];
    std::multiset<std::tuple<std::int64_t, std::int64_t, std::string, std::uint64_t, std::uint64_t>> drawn, stored;
    for (const json& event : trace["traceEvents"])
        if (event["ph"] == "X" && event["cat"] == "phase")
            drawn.insert({event["pid"], event["tid"], event["name"], ns_of(event["ts"]), ns_of(event["dur"])});
    for (const model::PhaseExecution& phase : phases_)
        stored.insert({phase.pid, phase.tid, phase.provider + ":" + phase.phase, phase.start_ns - origin,
                       phase.duration_ns()});
    EXPECT_EQ(drawn.size(), phases_.size());
    EXPECT_EQ(drawn, stored);
}

TEST_F(TimelinePrivileged, SelectsOneHookOrOneInvocation) {
    for (const model::Invocation& invocation : invocations_) {
        for (const std::vector<std::string>& selection :
             {std::vector<std::string>{"--hook", invocation.hook},
              std::vector<std::string>{"--invocation", std::to_string(invocation.id)}}) {
            json trace = timeline(selection);
            expect_invocation_drawn(trace, invocation);
            EXPECT_EQ(process_slices(trace).size(), invocation.processes.size());
            std::size_t phases = 0;
            for (const json& event : trace["traceEvents"]) phases += event["ph"] == "X" && event["cat"] == "phase";
            EXPECT_EQ(phases, invocation.hook == "phases" ? phases_.size() : 0u);
        }
    }
}

TEST_F(TimelinePrivileged, WritesToStandardOutput) {
    CommandResult result = run_command({validprof_binary(), "timeline", "--db", db(), "-o", "-"});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    json trace = json::parse(result.output, nullptr, false);
    ASSERT_FALSE(trace.is_discarded()) << result.output.substr(0, 400);
    for (const model::Invocation& invocation : invocations_) expect_invocation_drawn(trace, invocation);
}

// `record --timeline` stores every off-CPU wait, so the trace gives each
// thread a scheduler lane: on-CPU stretches between waits, and per wait the
// time asleep or blocked (to its wakeup) and in the run queue (to running
// again). The lane covers the thread's life with no gap or overlap, its
// waits are the stored ones to the nanosecond, and its on-CPU total agrees
// with the kernel's runtime for the thread.
TEST(TimelineSchedulerPrivileged, EachThreadsLifeSplitsIntoOnCpuRunQueueAndWaits) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    const std::string db = dir.file("p.db");
    const std::string script = shell_quoted(workload("vp_burn_sleep")) + " 30 20; " +
                               shell_quoted(workload("vp_burn_sleep")) + " 5 40";
    CommandResult recorded = run_command({validprof_binary(), "record", "--timeline", "--db", db, "--hook",
                                          "burn=^\\S*vp_burn_sleep", "--", "sh", "-c", script});
    ASSERT_EQ(recorded.exit_code, 0) << recorded.output;
    CommandResult drawn = run_command({validprof_binary(), "timeline", "--db", db, "-o", dir.file("t.json")});
    ASSERT_EQ(drawn.exit_code, 0) << drawn.output;
    const json trace = read_json(dir.file("t.json"));

    auto database = open_database(db);
    ASSERT_TRUE(database);
    auto session = database->load_session(1);
    ASSERT_TRUE(session.ok());
    EXPECT_EQ(session->info.wait_record_min_ns, 0u) << "the session says every wait was recorded";
    auto waits = database->load_waits(1);
    ASSERT_TRUE(waits.ok());

    // Lane slices per thread (pid track, tid in args), in time order.
    std::map<std::int64_t, std::vector<json>> lanes;
    for (const json& event : trace["traceEvents"])
        if (event["ph"] == "X" && event["cat"] == "sched") lanes[event["args"]["tid"].get<std::int64_t>()].push_back(event);
    for (auto& [tid, slices] : lanes)
        std::sort(slices.begin(), slices.end(), [](const json& a, const json& b) { return ns_of(a["ts"]) < ns_of(b["ts"]); });

    const std::vector<model::Invocation> invocations = load_latest_invocations(db);
    ASSERT_EQ(invocations.size(), 2u);
    std::size_t threads_checked = 0;
    for (const model::Invocation& invocation : invocations) {
        for (const model::ProcessRecord& process : invocation.processes) {
            for (const model::ThreadRecord& thread : process.thread_records) {
                ASSERT_TRUE(lanes.count(thread.tid)) << "no scheduler lane for thread " << thread.tid;
                const std::vector<json>& slices = lanes[thread.tid];
                // Exact: contiguous from the thread's start to its end.
                const std::uint64_t origin = thread.start_ns - ns_of(slices.front()["ts"]);
                std::uint64_t cursor = thread.start_ns;
                std::uint64_t on_cpu = 0, waiting = 0;
                for (const json& slice : slices) {
                    const std::uint64_t start = origin + ns_of(slice["ts"]);
                    EXPECT_EQ(start, cursor) << "gap or overlap in thread " << thread.tid << " at " << slice.dump();
                    cursor = start + ns_of(slice["dur"]);
                    (slice["name"] == "on-CPU" ? on_cpu : waiting) += ns_of(slice["dur"]);
                }
                EXPECT_EQ(cursor, thread.end_ns) << "thread " << thread.tid;
                // Exact: the off-CPU part is the stored waits of the thread.
                std::uint64_t stored_off_cpu = 0;
                for (const model::WaitInterval& wait : *waits)
                    if (wait.tid == thread.tid && wait.off_ns >= thread.start_ns && wait.off_ns < thread.end_ns)
                        stored_off_cpu += std::min(wait.on_ns, thread.end_ns) - wait.off_ns;
                EXPECT_EQ(waiting, stored_off_cpu) << "thread " << thread.tid;
                // Against the kernel's runtime: a stretch is timestamped at
                // the sched_switch tracepoints, the runtime is accounted by
                // the scheduler around them; each switch's own cost (a few
                // µs here, 30 at most seen) falls on one side or the other.
                const std::uint64_t switches = thread.times.voluntary_switches + thread.times.involuntary_switches + 1;
                EXPECT_TRUE(within("lane on-CPU vs the kernel's", on_cpu, thread.times.on_cpu_ns, 0.0005, 50'000 * switches));
                ++threads_checked;
            }
        }
    }
    EXPECT_EQ(threads_checked, 2u);
}

}  // namespace
}  // namespace validprof::testing
