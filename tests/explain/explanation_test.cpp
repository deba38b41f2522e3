// Causes, their ranking, shares and evidence; the contrast between slow and
// typical invocations and against a baseline; the JSON shape. Synthetic
// timelines whose answers are known by construction.
#include "explain/explanation.h"

#include <gtest/gtest.h>

#include "explain/explain_output.h"
#include "explain_builders.h"

namespace validprof::explain {
namespace {

using namespace testing;

TEST(ClassifyWait, ReasonsFromTheSystemCallAndWhatItWaitedOn) {
    auto fsync = wait(1, 1, 0, 10, 10, kFsync, 0);
    fsync.object = model::WaitObject::File;
    fsync.object_path = "/tmp/p/.swarm/memory.db-wal";
    fsync.state = model::WaitState::Blocked;
    EXPECT_EQ(classify_wait(fsync).kind, CauseKind::Fsync);
    EXPECT_EQ(classify_wait(fsync).object, "/tmp/p/.swarm/memory.db-wal");
    EXPECT_EQ(classify_wait(fsync).syscall, "fsync");

    auto lock = wait(1, 1, 0, 10, 10, kFlock, 0, 55, 55);
    lock.waker_comm = "holder";
    lock.object = model::WaitObject::File;
    lock.object_path = "/tmp/lockfile";
    PathSegment locked = classify_wait(lock);
    EXPECT_EQ(locked.kind, CauseKind::FileLock);
    EXPECT_EQ(locked.other_pid, 55);
    EXPECT_EQ(locked.other_comm, "holder");

    auto dns = wait(1, 1, 0, 10, 10, kRecvfrom, 0);
    dns.object = model::WaitObject::Socket;
    dns.socket_family = 2;
    dns.socket_type = 2;
    dns.socket_peer = "10.0.0.2:53";
    dns.socket_peer_port = 53;
    EXPECT_EQ(classify_wait(dns).kind, CauseKind::Network);
    EXPECT_EQ(classify_wait(dns).object, "DNS lookup (UDP 10.0.0.2:53)");

    auto tcp = dns;
    tcp.socket_type = 1;
    tcp.socket_peer = "127.0.0.1:8080";
    tcp.socket_peer_port = 8080;
    EXPECT_EQ(classify_wait(tcp).object, "TCP 127.0.0.1:8080");

    auto pipe = wait(1, 1, 0, 10, 10, kRead, 0);
    pipe.object = model::WaitObject::Pipe;
    pipe.object_inode = 4242;
    EXPECT_EQ(classify_wait(pipe).kind, CauseKind::Pipe);
    EXPECT_EQ(classify_wait(pipe).object, "pipe:[4242]");

    auto fault = wait(1, 1, 0, 10, 10, -1, 0);
    fault.state = model::WaitState::Blocked;
    EXPECT_EQ(classify_wait(fault).kind, CauseKind::DiskIo);

    auto futex = wait(1, 1, 0, 10, 10, kFutex, 0);
    futex.args[0] = 0x7f00;
    EXPECT_EQ(classify_wait(futex).kind, CauseKind::Futex);
    EXPECT_EQ(classify_wait(futex).object, "futex 0x7f00");

    EXPECT_EQ(classify_wait(wait(1, 1, 0, 10, 10, kEpollWait, 0)).kind, CauseKind::Poll);
    EXPECT_EQ(classify_wait(wait(1, 1, 0, 10, 10, kNanosleep, 0)).kind, CauseKind::Sleep);
}

// A post-edit hook: 2 ms of CPU, then an fsync of `sync_us`.
SessionData fsync_hook_session(std::int64_t session_id, const std::vector<std::uint64_t>& sync_us) {
    SessionData data;
    data.session_id = session_id;
    std::int32_t pid = 1000;
    for (std::size_t i = 0; i < sync_us.size(); ++i, ++pid) {
        const std::uint64_t end = 2000 + sync_us[i] + 100;
        auto hook = process(pid, 1, "/usr/bin/validcore", {thread(pid, 0, 0, end, 2100)});
        auto run = invocation({hook}, end, static_cast<std::int64_t>(i + 1));
        run.start_ns += 0;  // all invocations start at kBase: their times do not overlap per pid
        auto sync = wait(pid, pid, 2000, 2000 + sync_us[i], 2000 + sync_us[i], kFsync, 2000);
        sync.object = model::WaitObject::File;
        sync.object_path = "/p/.swarm/memory.db-wal";
        sync.state = model::WaitState::Blocked;
        data.waits.push_back(sync);
        data.invocations.push_back(run);
    }
    return data;
}

TEST(Explanation, RanksCausesWithSharesAndEvidence) {
    SessionData data = fsync_hook_session(1, {8000});
    Explanation explanation = explain_session(data, {});
    ASSERT_EQ(explanation.hooks.size(), 1u);
    const HookExplanation& hook = explanation.hooks.front();
    EXPECT_EQ(hook.invocations, 1u);
    ASSERT_GE(hook.causes.size(), 2u);
    EXPECT_EQ(hook.causes[0].kind, CauseKind::Fsync);
    EXPECT_EQ(hook.causes[0].process, "validcore");
    EXPECT_EQ(hook.causes[0].ns, 8000 * kUs);
    EXPECT_NEAR(hook.causes[0].share, 8000.0 / 10100.0, 1e-9);
    ASSERT_FALSE(hook.causes[0].evidence.empty());
    EXPECT_NE(hook.causes[0].evidence[0].find("fsync on /p/.swarm/memory.db-wal"), std::string::npos)
        << hook.causes[0].evidence[0];
    EXPECT_EQ(hook.causes[1].kind, CauseKind::Cpu);
    const InvocationExplanation& detail = hook.details.front();
    EXPECT_EQ(detail.explained_ns, detail.wall_ns);
    EXPECT_EQ(detail.causes[0].process, "validcore (pid 1000)");
}

TEST(Explanation, SlowInvocationsAreContrastedWithTypicalOnes) {
    // Nine invocations sync 1 ms, one syncs 30 ms: the slow one (at p90)
    // spends 29 ms more on fsync.
    SessionData data = fsync_hook_session(1, {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 30000});
    Explanation explanation = explain_session(data, {});
    const HookExplanation& hook = explanation.hooks.front();
    EXPECT_EQ(hook.slow_invocations, 1u);
    ASSERT_FALSE(hook.slow_vs_typical.empty());
    EXPECT_EQ(hook.slow_vs_typical.front().kind, CauseKind::Fsync);
    EXPECT_NEAR(hook.slow_vs_typical.front().change_ns(), 29000.0 * kUs, 1.0);
}

TEST(Explanation, GrowthSinceABaseline) {
    SessionData before = fsync_hook_session(1, {1000, 1000});
    SessionData after = fsync_hook_session(2, {5000, 5000});
    Explanation explanation = explain_session(after, {}, &before);
    const HookExplanation& hook = explanation.hooks.front();
    ASSERT_TRUE(hook.baseline_session);
    EXPECT_EQ(*hook.baseline_session, 1);
    EXPECT_EQ(hook.baseline_invocations, 2u);
    ASSERT_FALSE(hook.since_baseline.empty());
    EXPECT_EQ(hook.since_baseline.front().kind, CauseKind::Fsync);
    EXPECT_NEAR(hook.since_baseline.front().change_ns(), 4000.0 * kUs, 1.0);
}

TEST(Explanation, SleepInsideABusyStatementIsSqliteBusy) {
    auto hook = process(7, 1, "/usr/bin/node", {thread(7, 0, 0, 3000, 1000)});
    auto run = invocation({hook}, 3000);
    SessionData data;
    data.invocations.push_back(run);
    data.waits.push_back(wait(7, 7, 500, 2500, 2500, kNanosleep, 500));
    model::StatementExecution statement;
    statement.pid = 7;
    statement.tid = 7;
    statement.sql = "INSERT INTO memory_entries VALUES (?, ?)";
    statement.database = "/p/.swarm/memory.db";
    statement.start_ns = at(400);
    statement.end_ns = at(2600);
    statement.busy_results = 3;
    data.statements.push_back(statement);
    Explanation explanation = explain_session(data, {});
    const Cause& top = explanation.hooks.front().causes.front();
    EXPECT_EQ(top.kind, CauseKind::SqliteBusy);
    EXPECT_EQ(top.ns, 2000 * kUs);
    bool names_the_statement = false;
    for (const std::string& line : top.evidence)
        names_the_statement = names_the_statement || line.find("INSERT INTO memory_entries") != std::string::npos;
    EXPECT_TRUE(names_the_statement);
}

TEST(Explanation, JsonHasTheDocumentedShape) {
    SessionData data = fsync_hook_session(4, {3000, 4000});
    nlohmann::json json = explanation_json(explain_session(data, {}), true);
    EXPECT_EQ(json["session"], 4);
    ASSERT_EQ(json["hooks"].size(), 1u);
    const auto& hook = json["hooks"][0];
    EXPECT_EQ(hook["hook"], "post-edit");
    EXPECT_EQ(hook["invocations"], 2);
    EXPECT_TRUE(hook["wall_p50_ns"].is_number_unsigned());
    for (const auto& cause : hook["causes"]) {
        EXPECT_TRUE(cause["kind"].is_string());
        EXPECT_TRUE(cause["process"].is_string());
        EXPECT_TRUE(cause["ns"].is_number());
        EXPECT_GE(cause["share"].get<double>(), 0.0);
        EXPECT_LE(cause["share"].get<double>(), 1.0);
        EXPECT_TRUE(cause["evidence"].is_array());
    }
    ASSERT_EQ(json["invocations"].size(), 2u);
    for (const auto& invocation : json["invocations"]) {
        EXPECT_EQ(invocation["wall_ns"], invocation["explained_ns"]);
        std::uint64_t sum = 0;
        for (const auto& piece : invocation["path"]) sum += piece["end_ns"].get<std::uint64_t>() - piece["start_ns"].get<std::uint64_t>();
        EXPECT_EQ(sum, invocation["wall_ns"].get<std::uint64_t>());
    }
}

TEST(Explanation, TextNamesTheTopCause) {
    SessionData data = fsync_hook_session(1, {8000});
    std::string text = explanation_text(explain_session(data, {}), {});
    EXPECT_NE(text.find("post-edit: 1 invocation"), std::string::npos) << text;
    EXPECT_NE(text.find("1. fsync"), std::string::npos) << text;
    EXPECT_NE(text.find("validcore"), std::string::npos) << text;
}

TEST(CauseKinds, NamesRoundTrip) {
    for (CauseKind kind : {CauseKind::Cpu, CauseKind::RunQueue, CauseKind::DiskIo, CauseKind::Fsync, CauseKind::FileLock,
                           CauseKind::SqliteBusy, CauseKind::Network, CauseKind::Pipe, CauseKind::ChildWait,
                           CauseKind::Sleep, CauseKind::Futex, CauseKind::ProcessSpawn, CauseKind::ExecFailed,
                           CauseKind::Observer}) {
        auto name = cause_kind_name(kind);
        ASSERT_TRUE(cause_kind_from_name(name)) << name;
        EXPECT_EQ(*cause_kind_from_name(name), kind);
    }
}

}  // namespace
}  // namespace validprof::explain
