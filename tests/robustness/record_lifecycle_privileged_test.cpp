// record and attach over their whole life, as a user sees it: record waits
// for what its command left running; a session being written says so;
// a killed recorder's session says what is missing and why; the duration
// printed at the end is the one stored.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../cli/cli_test_support.h"

namespace validprof::testing {
namespace {

pid_t spawn(const std::vector<std::string>& argv) {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

// Polls `sessions --json` until the first session is listed (the recorder
// has loaded and begun); the limit only bounds how long a failure takes.
bool wait_for_session(const std::string& database) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        CommandResult listed = run_command({validprof_binary(), "sessions", "--json", "--db", database});
        auto parsed = nlohmann::json::parse(listed.output, nullptr, false);
        if (listed.exit_code == 0 && parsed.is_array() && !parsed.empty()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

TEST(RecordLifecyclePrivileged, WaitsForWhatTheCommandLeftRunning) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    const std::string marker = dir.file("background-finished");
    CommandResult result = run_command({validprof_binary(), "record", "--db", dir.file("p.db"), "--", "sh", "-c",
                                        "(sleep 0.3; : > " + marker + ") & exit 3"});
    EXPECT_EQ(result.exit_code, 3) << "record exits with its command's status\n" << result.output;
    EXPECT_TRUE(fs::exists(marker)) << "record returned before the command's background child finished";
    auto database = storage::ProfileDatabase::open(dir.file("p.db"), storage::OpenMode::ReadOnly);
    ASSERT_TRUE(database) << database.error().message;
    auto invocations = (*database)->load_invocations(1, std::nullopt, true);
    ASSERT_TRUE(invocations);
    ASSERT_EQ(invocations->size(), 1u);
    EXPECT_TRUE(invocations->front().complete);
    bool saw_sleep = false;
    for (const model::ProcessRecord& process : invocations->front().processes) {
        saw_sleep |= process.comm == "sleep";
        EXPECT_TRUE(process.exited) << process.comm;
    }
    EXPECT_TRUE(saw_sleep);
}

TEST(RecordLifecyclePrivileged, ASessionBeingRecordedSaysSo) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    pid_t record = spawn({validprof_binary(), "record", "--db", dir.file("p.db"), "--", "sleep", "30"});
    ASSERT_TRUE(wait_for_session(dir.file("p.db")));
    CommandResult sessions = run_command({validprof_binary(), "sessions", "--db", dir.file("p.db")});
    CommandResult report = run_command({validprof_binary(), "report", "--db", dir.file("p.db")});
    ::kill(record, SIGINT);
    wait_exit_code(record);
    EXPECT_NE(sessions.output.find("RECORDING"), std::string::npos) << sessions.output;
    EXPECT_NE(report.output.find("IN PROGRESS"), std::string::npos) << report.output;
    EXPECT_EQ(report.output.find("recorder died"), std::string::npos) << report.output;
    CommandResult after = run_command({validprof_binary(), "sessions", "--db", dir.file("p.db")});
    EXPECT_NE(after.output.find("complete"), std::string::npos) << after.output;
}

TEST(RecordLifecyclePrivileged, KilledStacksSessionSaysWhyThereAreNoStacks) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    pid_t record = spawn({validprof_binary(), "record", "--stacks", "--db", dir.file("p.db"), "--", "sleep", "31.123"});
    ASSERT_TRUE(wait_for_session(dir.file("p.db")));
    ::kill(record, SIGKILL);
    EXPECT_EQ(wait_exit_code(record), 128 + SIGKILL);
    // The command is validprof's child and outlives it; it goes too.
    ::system("pkill -KILL -f '^sleep 31.123$' 2>/dev/null");
    CommandResult sessions = run_command({validprof_binary(), "sessions", "--db", dir.file("p.db")});
    EXPECT_NE(sessions.output.find("INCOMPLETE"), std::string::npos) << sessions.output;
    CommandResult flamegraph = run_command({validprof_binary(), "flamegraph", "--db", dir.file("p.db")});
    EXPECT_EQ(flamegraph.exit_code, 1);
    EXPECT_NE(flamegraph.output.find("was recorded with --stacks but its recorder stopped before reading them"),
              std::string::npos)
        << flamegraph.output;
}

TEST(RecordLifecyclePrivileged, PrintedDurationIsTheStoredOne) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    CommandResult result = run_command({validprof_binary(), "record", "--db", dir.file("p.db"), "--", "true"});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto in = result.output.find(" in ");
    ASSERT_NE(in, std::string::npos) << result.output;
    const double printed = std::stod(result.output.substr(in + 4));
    CommandResult listed = run_command({validprof_binary(), "sessions", "--json", "--db", dir.file("p.db")});
    auto parsed = nlohmann::json::parse(listed.output, nullptr, false);
    ASSERT_TRUE(parsed.is_array() && parsed.size() == 1) << listed.output;
    const double stored = static_cast<double>(parsed[0]["end_unix_ns"].get<std::int64_t>() -
                                              parsed[0]["start_unix_ns"].get<std::int64_t>()) /
                          1e9;
    // Printed with one decimal.
    EXPECT_DOUBLE_EQ(printed, std::round(stored * 10) / 10) << result.output << " stored " << stored;
}

}  // namespace
}  // namespace validprof::testing
