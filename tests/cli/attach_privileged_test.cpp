// End-to-end, privileged: `validprof attach` system-wide, stopped by
// SIGINT; a recorder killed with SIGKILL; and nothing of ours stays loaded
// in the kernel afterwards (checked with the kernel's own list of BPF
// programs, not with anything validprof says).
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fcntl.h>
#include <set>
#include <thread>

#include "cli_test_support.h"

namespace validprof::testing {
namespace {

// Ids of loaded BPF programs whose names are validprof's (the kernel keeps
// the first 15 characters of a name).
std::set<__u32> our_program_ids() {
    std::set<__u32> ids;
    __u32 id = 0;
    while (bpf_prog_get_next_id(id, &id) == 0) {
        int fd = bpf_prog_get_fd_by_id(id);
        if (fd < 0) continue;
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0) {
            std::string name = info.name;
            if (name.rfind("sched_switch_", 0) == 0 || name.rfind("sched_process_", 0) == 0 ||
                name.rfind("sched_wakeup", 0) == 0 || name.rfind("sched_waking", 0) == 0 ||
                name.rfind("sys_enter_", 0) == 0 || name.rfind("sys_exit_", 0) == 0)
                ids.insert(id);
        }
        close(fd);
    }
    return ids;
}

// Programs loaded now that were not loaded at `before` (another validprof
// running meanwhile keeps its own programs, which are not ours to judge).
std::size_t programs_added_since(const std::set<__u32>& before) {
    std::size_t added = 0;
    for (__u32 id : our_program_ids()) added += before.count(id) == 0;
    return added;
}

// The kernel frees a released program after an RCU grace period, so one
// that was detached a moment ago may still be listed briefly.
std::size_t programs_left_after_release(const std::set<__u32>& before) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::size_t count = programs_added_since(before);
    while (count != 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        count = programs_added_since(before);
    }
    return count;
}

TEST(AttachPrivileged, SigintDetachesCleanlyAndStoresTheSession) {
    VALIDPROF_REQUIRE_BPF();
    const std::set<__u32> before = our_program_ids();
    TempDir dir;
    std::string db = dir.file("profile.db");
    pid_t validprof = spawn_validprof({"attach", "--db", db, "--hook", "burn=vp_burn_sleep"}, dir.file("log"));
    ASSERT_TRUE(wait_for_session(db, std::chrono::seconds(20))) << read_file(dir.file("log"));
    EXPECT_GT(programs_added_since(before), 0u);

    // Five hooks, and a process that matches no rule.
    std::map<std::string, std::string> environment = {{"VALIDPROF_TRUTH", dir.file("truth.txt")}};
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(run_command({workload("vp_burn_sleep"), "3", "5"}, environment).exit_code, 0);
    ASSERT_EQ(run_command({workload("vp_cpu_hog"), "3"}).exit_code, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    kill(validprof, SIGINT);
    int exit_code = wait_exit_code(validprof);
    std::string log = read_file(dir.file("log"));
    EXPECT_EQ(exit_code, 0) << log;
    EXPECT_NE(log.find("session 1"), std::string::npos) << log;
    EXPECT_EQ(programs_left_after_release(before), 0u) << "BPF programs left loaded after SIGINT";

    auto database = open_database(db);
    ASSERT_TRUE(database);
    auto session = database->load_session(1);
    ASSERT_TRUE(session.ok());
    EXPECT_TRUE(session->complete);
    EXPECT_EQ(session->info.command, "attach");
    auto invocations = database->load_invocations(1, std::nullopt, true);
    ASSERT_TRUE(invocations.ok());
    std::set<std::int32_t> truth_pids;
    for (const TruthLine& line : read_truth(dir.file("truth.txt")))
        truth_pids.insert(static_cast<std::int32_t>(truth_u64(line, "pid")));
    std::set<std::int32_t> stored_pids;
    for (const model::Invocation& invocation : *invocations) {
        EXPECT_EQ(invocation.hook, "burn");
        stored_pids.insert(invocation.root_pid);
    }
    EXPECT_EQ(stored_pids, truth_pids);
}

// A wrapper that matches no rule exec's the hook that does, a moment later
// (`sh -c 'exec "$HOOK" ...'`): both execs reach userspace in one poll
// round, and the untrack request about the wrapper used to reach the kernel
// after the hook's exec, which lost the root's exit (the invocation then
// lasted until the session ended). Every root's exit must arrive.
TEST(AttachPrivileged, AWrapperExecingTheHookKeepsItsRootTracked) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    std::string db = dir.file("profile.db");
    const std::string hook = dir.file("vp-wrapped-hook");
    fs::copy_file("/bin/sh", hook);
    pid_t validprof = spawn_validprof({"attach", "--db", db, "--hook", "wrapped=vp-wrapped-hook"}, dir.file("log"));
    ASSERT_TRUE(wait_for_session(db, std::chrono::seconds(20))) << read_file(dir.file("log"));
    constexpr int kRuns = 5;
    std::set<std::int32_t> root_pids;
    for (int i = 0; i < kRuns; ++i) {
        // The wrapper's argv does not name the hook; the hook's path does.
        CommandResult run = run_command({"sh", "-c", "exec \"$VP_HOOK\" -c 'echo $$; sleep 0.05'"},
                                        {{"VP_HOOK", hook}});
        ASSERT_EQ(run.exit_code, 0) << run.output;
        root_pids.insert(static_cast<std::int32_t>(std::stol(run.output)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(validprof, SIGINT);
    ASSERT_EQ(wait_exit_code(validprof), 0) << read_file(dir.file("log"));

    auto database = open_database(db);
    ASSERT_TRUE(database);
    auto invocations = database->load_invocations(1, std::nullopt, true);
    ASSERT_TRUE(invocations.ok());
    std::set<std::int32_t> stored;
    for (const model::Invocation& invocation : *invocations) {
        stored.insert(invocation.root_pid);
        EXPECT_TRUE(invocation.complete) << "root " << invocation.root_pid;
        EXPECT_NE(invocation.root_end_ns, 0u) << "the exit of root " << invocation.root_pid << " was lost";
        for (const model::ProcessRecord& process : invocation.processes)
            EXPECT_TRUE(process.exited) << process.pid << " " << process.comm;
    }
    EXPECT_EQ(stored, root_pids);
}

TEST(AttachPrivileged, SigkillLeavesEarlierSessionsIntact) {
    VALIDPROF_REQUIRE_BPF();
    const std::set<__u32> before = our_program_ids();
    TempDir dir;
    std::string db = dir.file("profile.db");
    std::map<std::string, std::string> environment = {
        {"PATH", std::string(VALIDPROF_WORKLOAD_DIR) + ":" + std::getenv("PATH")}};
    CommandResult first = run_command(
        {validprof_binary(), "record", "--db", db, "--hook", "hog=vp_cpu_hog", "--", "vp_cpu_hog", "5"}, environment);
    ASSERT_EQ(first.exit_code, 0) << first.output;

    pid_t validprof = spawn_validprof({"record", "--db", db, "--", "sh", "-c", "vp_cpu_hog 5; sleep 30"},
                                      dir.file("log"), environment);
    ASSERT_TRUE(wait_for_session(db, std::chrono::seconds(20)));
    // Wait until the second session row exists, then kill without warning.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        auto database = storage::ProfileDatabase::open(db, storage::OpenMode::ReadOnly);
        if (database.ok()) {
            auto sessions = (*database)->list_sessions();
            if (sessions.ok() && sessions->size() == 2) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(validprof, SIGKILL);
    wait_exit_code(validprof);
    run_command({"pkill", "-f", "sleep 30"});

    auto database = open_database(db);
    ASSERT_TRUE(database);
    auto sessions = database->list_sessions();
    ASSERT_TRUE(sessions.ok());
    ASSERT_EQ(sessions->size(), 2u);
    EXPECT_TRUE((*sessions)[0].complete);
    EXPECT_EQ((*sessions)[0].invocation_count, 1u);
    EXPECT_FALSE((*sessions)[1].complete);
    // The kernel released everything with the killed process's descriptors.
    EXPECT_EQ(programs_left_after_release(before), 0u);

    CommandResult listing = run_command({validprof_binary(), "sessions", "--db", db});
    EXPECT_EQ(listing.exit_code, 0);
    EXPECT_NE(listing.output.find("INCOMPLETE"), std::string::npos) << listing.output;
}

}  // namespace
}  // namespace validprof::testing
