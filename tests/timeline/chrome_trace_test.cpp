// userspace/timeline: hand-built invocations converted to a Chrome trace,
// dumped, parsed back and compared with the model records they came from.
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "timeline/trace_checks.h"

#include "timeline/chrome_trace.h"

namespace validprof::timeline {
namespace {

using nlohmann::json;
using trace_checks::expect_slices_nest_per_track;
using trace_checks::ns_of;

constexpr std::uint64_t kSessionStart = 5'000'000'000;  // CLOCK_MONOTONIC
constexpr std::int64_t kOffset = 1'700'000'000'000'000'000;  // realtime - monotonic

model::ThreadRecord thread(std::int32_t tid, std::uint64_t start, std::uint64_t end) {
    model::ThreadRecord record;
    record.tid = tid;
    record.start_ns = start;
    record.end_ns = end;
    record.exited = end != 0;
    record.times.on_cpu_ns = 1000 + static_cast<std::uint64_t>(tid);
    return record;
}

model::ProcessRecord process(std::int32_t pid, std::int32_t ppid, std::string comm, std::uint64_t start,
                             std::uint64_t end) {
    model::ProcessRecord record;
    record.pid = pid;
    record.ppid = ppid;
    record.comm = std::move(comm);
    record.exe = "/usr/bin/" + record.comm;
    record.argv = record.comm + " --flag";
    record.start_ns = start;
    record.end_ns = end;
    record.exited = end != 0;
    record.times.on_cpu_ns = 2'000'000;
    record.times.run_queue_wait_ns = 30'000;
    return record;
}

// Session 4: a complete post-edit invocation (sh → node with a worker
// thread), an unfinished one whose root is still alive, and per-thread
// records inside and outside them.
TimelineInput sample_input() {
    TimelineInput input;
    input.session.id = 4;
    input.session.complete = true;
    input.session.info.command = "record";
    input.session.info.target = "./hooks.sh";
    input.session.info.monotonic_to_unix_offset_ns = kOffset;
    input.session.info.start_unix_ns = static_cast<std::int64_t>(kSessionStart) + kOffset;
    input.session.end.end_unix_ns = 9'000'000'000 + kOffset;

    model::Invocation complete;
    complete.id = 7;
    complete.hook = "post-edit";
    complete.root_pid = 100;
    complete.start_ns = 5'100'000'123;
    complete.root_end_ns = 5'300'000'456;
    complete.last_end_ns = 5'300'000'456;
    complete.complete = true;
    complete.exit_code = 256;
    model::ProcessRecord shell = process(100, 1, "sh", 5'100'000'000, 5'300'000'456);
    shell.exit_code = 256;
    shell.thread_records = {thread(100, 5'100'000'000, 5'300'000'400)};
    model::ProcessRecord node = process(101, 100, "node", 5'150'000'001, 5'250'000'999);
    node.threads = 2;
    node.thread_records = {thread(101, 5'150'000'001, 5'250'000'999), thread(102, 5'160'000'000, 5'240'000'000)};
    complete.processes = {shell, node};

    model::Invocation unfinished;
    unfinished.id = 8;
    unfinished.hook = "post-edit";
    unfinished.root_pid = 200;
    unfinished.start_ns = 8'000'000'000;
    unfinished.last_end_ns = 8'900'000'000;  // when it was stored, at the session's end
    model::ProcessRecord alive = process(200, 1, "sleep", 7'999'999'999, 0);
    alive.thread_records = {thread(200, 7'999'999'999, 0)};
    unfinished.processes = {alive};
    input.invocations = {complete, unfinished};

    model::PhaseExecution phase;
    phase.pid = 101;
    phase.tid = 102;
    phase.provider = "validcore";
    phase.phase = "consensus";
    phase.start_ns = 5'170'000'000;
    phase.end_ns = 5'180'000'500;
    phase.on_cpu_ns = 9'000'123;
    phase.on_cpu_ns_per_cpu = {{1, 9'000'123}};
    model::PhaseExecution backwards = phase;  // ends before it begins: left out
    backwards.phase = "backwards";
    backwards.end_ns = phase.start_ns - 1;
    model::PhaseExecution elsewhere = phase;  // a process outside the drawn invocations
    elsewhere.pid = 999;
    elsewhere.tid = 999;
    elsewhere.phase = "elsewhere";
    input.phases = {phase, backwards, elsewhere};

    model::StatementExecution statement;
    statement.pid = 101;
    statement.tid = 101;
    statement.sql = "INSERT INTO memory VALUES (1, 'key', 'value')";
    statement.database = "/tmp/.swarm/memory.db";
    statement.start_ns = 5'200'000'000;
    statement.end_ns = 5'200'500'000;
    statement.result_code = model::kSqliteDone;
    model::StatementExecution instant = statement;  // zero length: kept, with dur 0
    instant.sql = "SELECT 1";
    instant.start_ns = instant.end_ns = 5'210'000'000;
    input.statements = {statement, instant};

    model::SyscallSpan fsync;
    fsync.pid = 101;
    fsync.tid = 101;
    fsync.syscall = SYS_fsync;
    fsync.start_ns = 5'200'100'000;
    fsync.end_ns = 5'200'400'000;
    input.spans = {fsync};

    model::WaitInterval wait;
    wait.pid = 100;
    wait.tid = 100;
    wait.state = model::WaitState::Sleeping;
    wait.syscall = SYS_wait4;
    wait.off_ns = 5'160'000'000;
    wait.woken_ns = 5'250'000'999;
    wait.on_ns = 5'250'001'000;
    wait.waker_pid = 101;
    wait.waker_tid = 101;
    wait.waker_comm = "node";
    input.waits = {wait};
    return input;
}

// The trace as a viewer reads it: dumped to text and parsed back.
json round_trip(const TimelineInput& input) {
    std::string text;
    EXPECT_NO_THROW(text = chrome_trace(input).dump());
    return json::parse(text);
}

std::vector<json> events_where(const json& trace, const std::string& ph, const std::string& name_or_category) {
    std::vector<json> found;
    for (const json& event : trace["traceEvents"]) {
        if (event["ph"] != ph) continue;
        if (ph == "M" ? event["name"] == name_or_category : event["cat"] == name_or_category) found.push_back(event);
    }
    return found;
}

// The microsecond value the trace must hold for ns after the origin.
double us_of(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

TEST(TimelineChromeTrace, HasTheObjectFormatAndTheSessionOrigin) {
    json trace = round_trip(sample_input());
    ASSERT_TRUE(trace.is_object());
    EXPECT_TRUE(trace["traceEvents"].is_array());
    EXPECT_EQ(trace["displayTimeUnit"], "ms");
    EXPECT_EQ(trace["otherData"]["session"], 4);
    EXPECT_EQ(trace["otherData"]["origin_monotonic_ns"], kSessionStart);
    EXPECT_EQ(trace["otherData"]["origin_unix_ns"], static_cast<std::int64_t>(kSessionStart) + kOffset);
}

TEST(TimelineChromeTrace, EveryProcessHasItsNameAndItsExactLifetime) {
    TimelineInput input = sample_input();
    json trace = round_trip(input);
    std::map<std::int64_t, std::string> names;
    for (const json& event : events_where(trace, "M", "process_name")) names[event["pid"]] = event["args"]["name"];
    std::map<std::int64_t, json> lifetimes;
    for (const json& event : events_where(trace, "X", "process")) {
        EXPECT_EQ(event["tid"], event["pid"]);
        EXPECT_TRUE(lifetimes.emplace(event["pid"].get<std::int64_t>(), event).second) << event.dump();
    }
    std::size_t processes = 0;
    for (const model::Invocation& invocation : input.invocations) {
        for (const model::ProcessRecord& process : invocation.processes) {
            ++processes;
            ASSERT_TRUE(names.count(process.pid)) << process.pid;
            EXPECT_NE(names[process.pid].find("post-edit #" + std::to_string(invocation.id)), std::string::npos);
            EXPECT_NE(names[process.pid].find(process.comm + " (pid " + std::to_string(process.pid) + ")"),
                      std::string::npos)
                << names[process.pid];
            ASSERT_TRUE(lifetimes.count(process.pid)) << process.pid;
            const json& slice = lifetimes[process.pid];
            const std::uint64_t end = process.exited ? process.end_ns : invocation.last_end_ns;
            EXPECT_EQ(slice["ts"].get<double>(), us_of(process.start_ns - kSessionStart));
            EXPECT_EQ(slice["dur"].get<double>(), us_of(end - process.start_ns));
            EXPECT_EQ(ns_of(slice["ts"]), process.start_ns - kSessionStart);
            EXPECT_EQ(ns_of(slice["dur"]), end - process.start_ns);
            EXPECT_EQ(slice["name"], process.comm);
            EXPECT_EQ(slice["args"]["exe"], process.exe);
            EXPECT_EQ(slice["args"]["argv"], process.argv);
            EXPECT_EQ(slice["args"]["on_cpu_ns"], process.times.on_cpu_ns);
            EXPECT_EQ(slice["args"]["run_queue_wait_ns"], process.times.run_queue_wait_ns);
            EXPECT_EQ(slice["args"].contains("incomplete"), !process.exited) << slice.dump();
        }
    }
    EXPECT_EQ(names.size(), processes);
    EXPECT_EQ(lifetimes.size(), processes);
    EXPECT_EQ(lifetimes[100]["args"]["exit_status"], "exit 1");
}

TEST(TimelineChromeTrace, TimestampsPrintWithThreeDecimalsAtMost) {
    const std::string text = chrome_trace(sample_input()).dump();
    // 5'100'000'000 - 5'000'000'000 + 123 ns = 100000.123 µs.
    EXPECT_NE(text.find("\"ts\":100000.123"), std::string::npos);
    // 200'000'456 ns: the shell's lifetime.
    EXPECT_NE(text.find("\"dur\":200000.456"), std::string::npos);
}

TEST(TimelineChromeTrace, ProcessesSortInInvocationOrder) {
    json trace = round_trip(sample_input());
    std::vector<std::int64_t> pids_by_index(3, -1);
    for (const json& event : events_where(trace, "M", "process_sort_index")) {
        const auto index = event["args"]["sort_index"].get<std::size_t>();
        ASSERT_LT(index, pids_by_index.size());
        pids_by_index[index] = event["pid"];
    }
    EXPECT_EQ(pids_by_index, (std::vector<std::int64_t>{100, 101, 200}));
}

TEST(TimelineChromeTrace, ThreadsAreNamedAndHaveTheirLifetimes) {
    json trace = round_trip(sample_input());
    std::map<std::pair<std::int64_t, std::int64_t>, std::string> names;
    for (const json& event : events_where(trace, "M", "thread_name"))
        names[{event["pid"], event["tid"]}] = event["args"]["name"];
    EXPECT_EQ((names[{100, 100}]), "main");
    EXPECT_EQ((names[{101, 101}]), "main");
    EXPECT_EQ((names[{101, 102}]), "thread 102");
    EXPECT_EQ((names[{200, 200}]), "main");

    std::map<std::int64_t, json> threads;
    for (const json& event : events_where(trace, "X", "thread")) threads[event["tid"]] = event;
    ASSERT_EQ(threads.size(), 4u);
    EXPECT_EQ(threads[102]["pid"], 101);
    EXPECT_EQ(ns_of(threads[102]["ts"]), 5'160'000'000 - kSessionStart);
    EXPECT_EQ(ns_of(threads[102]["dur"]), 80'000'000u);
    // Alive at the end: drawn to where its invocation was stored, marked so.
    EXPECT_EQ(ns_of(threads[200]["dur"]), 8'900'000'000 - 7'999'999'999);
    EXPECT_EQ(threads[200]["args"]["incomplete"], true);
}

TEST(TimelineChromeTrace, InvocationHasATrackOfItsOwnFirstInTheRootsGroup) {
    json trace = round_trip(sample_input());
    std::map<std::pair<std::int64_t, std::int64_t>, json> thread_metadata;
    for (const json& event : trace["traceEvents"])
        if (event["ph"] == "M" && event.contains("tid"))
            thread_metadata[{event["pid"], event["tid"]}][event["name"].get<std::string>()] = event["args"];
    std::vector<json> invocations = events_where(trace, "X", "invocation");
    ASSERT_EQ(invocations.size(), 2u);
    const json& first = invocations[0]["pid"] == 100 ? invocations[0] : invocations[1];
    const json& second = invocations[0]["pid"] == 100 ? invocations[1] : invocations[0];
    EXPECT_EQ(first["name"], "post-edit #7");
    EXPECT_EQ(first["pid"], 100);
    // Not a thread of the root: a track of the invocation's own, on top.
    EXPECT_NE(first["tid"], 100);
    json& track = thread_metadata[{first["pid"], first["tid"]}];
    EXPECT_EQ(track["thread_name"]["name"], "post-edit #7");
    EXPECT_EQ(track["thread_sort_index"]["sort_index"], -1);
    EXPECT_EQ(ns_of(first["ts"]), 5'100'000'123 - kSessionStart);
    EXPECT_EQ(ns_of(first["dur"]), 5'300'000'456 - 5'100'000'123);
    EXPECT_EQ(first["args"]["complete"], true);
    EXPECT_EQ(first["args"]["exit_status"], "exit 1");
    EXPECT_EQ(second["name"], "post-edit #8");
    EXPECT_EQ(second["pid"], 200);
    EXPECT_EQ(second["args"]["incomplete"], true);
    EXPECT_EQ(ns_of(second["dur"]), 8'900'000'000 - 8'000'000'000);
}

TEST(TimelineChromeTrace, PhasesStatementsSpansAndWaitsAreOnTheirThreads) {
    json trace = round_trip(sample_input());
    std::vector<json> phases = events_where(trace, "X", "phase");
    ASSERT_EQ(phases.size(), 1u);  // not the backwards one, not the one outside
    EXPECT_EQ(phases[0]["name"], "validcore:consensus");
    EXPECT_EQ(phases[0]["pid"], 101);
    EXPECT_EQ(phases[0]["tid"], 102);
    EXPECT_EQ(ns_of(phases[0]["ts"]), 5'170'000'000 - kSessionStart);
    EXPECT_EQ(ns_of(phases[0]["dur"]), 10'000'500u);
    EXPECT_EQ(phases[0]["args"]["on_cpu_ns"], 9'000'123);

    std::vector<json> statements = events_where(trace, "X", "sql");
    ASSERT_EQ(statements.size(), 2u);
    EXPECT_EQ(statements[0]["name"], "INSERT INTO memory VALUES (?, ?, ?)");
    EXPECT_EQ(statements[0]["args"]["sql"], "INSERT INTO memory VALUES (1, 'key', 'value')");
    EXPECT_EQ(statements[0]["args"]["result_code"], model::kSqliteDone);
    EXPECT_EQ(statements[0]["pid"], 101);
    EXPECT_EQ(statements[0]["tid"], 101);
    EXPECT_EQ(ns_of(statements[0]["dur"]), 500'000u);
    EXPECT_EQ(statements[1]["name"], "SELECT ?");
    EXPECT_EQ(statements[1]["dur"].get<double>(), 0.0);

    std::vector<json> spans = events_where(trace, "X", "syscall");
    ASSERT_EQ(spans.size(), 1u);
    EXPECT_EQ(spans[0]["name"], "fsync");
    EXPECT_EQ(spans[0]["tid"], 101);
    EXPECT_EQ(ns_of(spans[0]["dur"]), 300'000u);

    std::vector<json> waits = events_where(trace, "X", "off-cpu");
    ASSERT_EQ(waits.size(), 1u);
    EXPECT_EQ(waits[0]["pid"], 100);
    EXPECT_EQ(waits[0]["tid"], 100);
    EXPECT_EQ(waits[0]["args"]["state"], "sleeping");
    EXPECT_EQ(waits[0]["args"]["syscall"], "wait4");
    EXPECT_EQ(waits[0]["args"]["waker_comm"], "node");
    EXPECT_EQ(ns_of(waits[0]["dur"]), 5'250'001'000 - 5'160'000'000);

    for (const json& event : trace["traceEvents"]) {
        EXPECT_NE(event["pid"], 999) << event.dump();
        if (event["ph"] == "X") {
            EXPECT_GE(event["dur"].get<double>(), 0.0) << event.dump();
        }
    }
}

TEST(TimelineChromeTrace, SlicesOfAThreadComeInStartOrderEnclosingFirst) {
    json trace = round_trip(sample_input());
    std::map<std::pair<std::int64_t, std::int64_t>, std::pair<double, double>> last;  // (ts, dur)
    bool metadata_done = false;
    for (const json& event : trace["traceEvents"]) {
        if (event["ph"] == "M") {
            EXPECT_FALSE(metadata_done) << "metadata after a slice: " << event.dump();
            continue;
        }
        metadata_done = true;
        auto key = std::make_pair(event["pid"].get<std::int64_t>(), event["tid"].get<std::int64_t>());
        const double ts = event["ts"], dur = event["dur"];
        if (auto found = last.find(key); found != last.end()) {
            EXPECT_TRUE(found->second.first < ts || (found->second.first == ts && found->second.second >= dur))
                << event.dump();
        }
        last[key] = {ts, dur};
    }
}

TEST(TimelineChromeTrace, EveryTrackNests) { expect_slices_nest_per_track(round_trip(sample_input())); }

TEST(TimelineChromeTrace, SlicesThatDoNotNestMoveToAnOverflowLane) {
    TimelineInput input = sample_input();
    // Stepped in turn with the INSERT: starts inside it, ends after it.
    model::StatementExecution interleaved = input.statements[0];
    interleaved.sql = "SELECT value FROM memory WHERE key = 'k'";
    interleaved.start_ns = input.statements[0].start_ns + 200'000;
    interleaved.end_ns = input.statements[0].end_ns + 300'000;
    input.statements.push_back(interleaved);
    json trace = round_trip(input);
    expect_slices_nest_per_track(trace);

    std::vector<json> statements = events_where(trace, "X", "sql");
    ASSERT_EQ(statements.size(), 3u);
    std::map<std::int64_t, std::string> thread_names;
    for (const json& event : events_where(trace, "M", "thread_name"))
        if (event["pid"] == 101) thread_names[event["tid"]] = event["args"]["name"];
    const auto moved = std::find_if(statements.begin(), statements.end(),
                                    [](const json& event) { return event["name"] == "SELECT value FROM memory WHERE key = ?"; });
    ASSERT_NE(moved, statements.end());
    EXPECT_EQ((*moved)["pid"], 101);
    EXPECT_NE((*moved)["tid"], 101);
    EXPECT_EQ((*moved)["args"]["tid"], 101);
    EXPECT_EQ(thread_names[(*moved)["tid"]], "main (overlapping 1)");
    EXPECT_EQ(ns_of((*moved)["ts"]), interleaved.start_ns - kSessionStart);
    EXPECT_EQ(ns_of((*moved)["dur"]), interleaved.end_ns - interleaved.start_ns);
    for (const json& statement : statements) {
        if (statement["name"] != (*moved)["name"]) {
            EXPECT_EQ(statement["tid"], 101) << statement.dump();
        }
    }
}

TEST(TimelineChromeTrace, HostileNamesStayValidJson) {
    TimelineInput input = sample_input();
    model::ProcessRecord& node = input.invocations[0].processes[1];
    node.comm = "no\"de\n\xff\xfe";
    node.exe = "/tmp/\xc3(bad\\path";
    node.argv = "node -e \"console.log('\x01\x1b[31m')\"\n--\xe2\x82";
    input.invocations[0].hook = "post\"edit\xc0\xaf";
    input.phases[0].provider = "valid\xff";
    input.phases[0].phase = "con\"sensus\n";
    input.statements[0].sql = "SELECT '\xff\xfe unterminated";
    input.waits[0].waker_comm = "\xf0\x9f";
    json trace;
    ASSERT_NO_THROW(trace = round_trip(input));
    bool found_node = false;
    for (const json& event : events_where(trace, "X", "process")) {
        if (event["pid"] != 101) continue;
        found_node = true;
        const std::string name = event["name"];
        EXPECT_NE(name.find("no\"de\n"), std::string::npos) << name;
        EXPECT_NE(name.find("\xef\xbf\xbd"), std::string::npos) << name;  // U+FFFD for the invalid bytes
        EXPECT_NE(event["args"]["argv"].get<std::string>().find("console.log"), std::string::npos);
    }
    EXPECT_TRUE(found_node);
    std::vector<json> phases = events_where(trace, "X", "phase");
    ASSERT_EQ(phases.size(), 1u);
    EXPECT_EQ(phases[0]["name"], "valid\xef\xbf\xbd:con\"sensus\n");
}

TEST(TimelineChromeTrace, ReusedPidGetsTracksOfItsOwn) {
    TimelineInput input = sample_input();
    model::Invocation again = input.invocations[0];
    again.id = 9;
    again.start_ns += 1'000'000'000;
    again.last_end_ns += 1'000'000'000;
    again.root_end_ns += 1'000'000'000;
    for (model::ProcessRecord& process : again.processes) {
        process.start_ns += 1'000'000'000;
        process.end_ns += 1'000'000'000;
        for (model::ThreadRecord& thread : process.thread_records) {
            thread.start_ns += 1'000'000'000;
            thread.end_ns += 1'000'000'000;
        }
    }
    input.invocations.push_back(again);
    model::PhaseExecution later = input.phases[0];
    later.start_ns += 1'000'000'000;
    later.end_ns += 1'000'000'000;
    input.phases.push_back(later);
    json trace = round_trip(input);
    expect_slices_nest_per_track(trace);

    std::map<std::int64_t, std::string> names;
    for (const json& event : events_where(trace, "M", "process_name")) names[event["pid"]] = event["args"]["name"];
    EXPECT_EQ(names.size(), 5u);
    std::set<std::int64_t> phase_pids;
    for (const json& event : events_where(trace, "X", "phase")) phase_pids.insert(event["pid"].get<std::int64_t>());
    ASSERT_EQ(phase_pids.size(), 2u);
    EXPECT_TRUE(phase_pids.count(101));
    const std::int64_t other = *phase_pids.rbegin();
    EXPECT_NE(names[other].find("post-edit #9"), std::string::npos) << names[other];
    EXPECT_NE(names[other].find("(pid 101)"), std::string::npos) << names[other];
}

TEST(TimelineChromeTrace, SelectsByHookOrInvocation) {
    std::vector<model::Invocation> invocations = sample_input().invocations;
    invocations[1].hook = "notify";
    EXPECT_EQ(select_invocations(invocations, {}).size(), 2u);
    auto by_hook = select_invocations(invocations, {.hook = "notify", .invocation_id = std::nullopt});
    ASSERT_EQ(by_hook.size(), 1u);
    EXPECT_EQ(by_hook[0].id, 8);
    auto by_id = select_invocations(invocations, {.hook = std::nullopt, .invocation_id = 7});
    ASSERT_EQ(by_id.size(), 1u);
    EXPECT_EQ(by_id[0].hook, "post-edit");
    EXPECT_TRUE(select_invocations(invocations, {.hook = std::nullopt, .invocation_id = 70}).empty());
}

TEST(TimelineChromeTrace, EmptySelectionIsAValidTrace) {
    TimelineInput input = sample_input();
    input.invocations.clear();
    json trace = round_trip(input);
    EXPECT_TRUE(trace["traceEvents"].empty());
    EXPECT_EQ(trace["otherData"]["origin_monotonic_ns"], kSessionStart);
}

// --timeline sessions (every wait recorded): each thread gets a scheduler
// lane of on-CPU, waiting and run-queue slices covering its life exactly.
TEST(TimelineChromeTrace, EveryWaitRecordedGivesEachThreadASchedulerLane) {
    TimelineInput input = sample_input();
    model::WaitInterval preempted;
    preempted.pid = 100;
    preempted.tid = 100;
    preempted.state = model::WaitState::Runnable;
    preempted.off_ns = 5'120'000'000;
    preempted.on_ns = 5'120'000'700;
    input.waits.push_back(preempted);
    EXPECT_TRUE(events_where(round_trip(input), "X", "sched").empty()) << "not without --timeline";

    input.session.info.wait_record_min_ns = 0;
    const json trace = round_trip(input);
    std::vector<json> lane;
    for (const json& slice : events_where(trace, "X", "sched"))
        if (slice["args"]["tid"] == 100) lane.push_back(slice);
    std::sort(lane.begin(), lane.end(), [](const json& a, const json& b) { return ns_of(a["ts"]) < ns_of(b["ts"]); });
    // sh (tid 100) lives 5.1 s .. 5.3000004 s: on-CPU, preempted 700 ns,
    // on-CPU, asleep in wait4 to its wakeup, 1 ns in the run queue, on-CPU.
    const std::uint64_t origin = kSessionStart;
    std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> expected = {
        {"on-CPU", 5'100'000'000, 5'120'000'000},   {"run queue", 5'120'000'000, 5'120'000'700},
        {"on-CPU", 5'120'000'700, 5'160'000'000},   {"sleeping", 5'160'000'000, 5'250'000'999},
        {"run queue", 5'250'000'999, 5'250'001'000}, {"on-CPU", 5'250'001'000, 5'300'000'400}};
    ASSERT_EQ(lane.size(), expected.size()) << trace.dump();
    for (std::size_t i = 0; i < lane.size(); ++i) {
        EXPECT_EQ(lane[i]["name"], std::get<0>(expected[i])) << i;
        EXPECT_EQ(origin + ns_of(lane[i]["ts"]), std::get<1>(expected[i])) << i;
        EXPECT_EQ(origin + ns_of(lane[i]["ts"]) + ns_of(lane[i]["dur"]), std::get<2>(expected[i])) << i;
    }
    EXPECT_EQ(lane.front()["args"]["includes_first_run_queue_wait"], true);
    // A thread without waits is on-CPU (or waiting briefly for a CPU) all along.
    std::size_t worker = 0;
    for (const json& slice : events_where(trace, "X", "sched")) worker += slice["args"]["tid"] == 102;
    EXPECT_EQ(worker, 1u);
    expect_slices_nest_per_track(trace);
}

}  // namespace
}  // namespace validprof::timeline
