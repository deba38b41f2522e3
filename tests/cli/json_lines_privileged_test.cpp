// End-to-end, privileged: `validprof attach --json-lines` streams each
// finished invocation while attach runs, one JSON object per line, equal to
// what it stores; a reader that goes away ends the session cleanly.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.h"

namespace validprof::testing {
namespace {

// attach with stdout on a pipe (read here) and stderr in a file.
struct StreamingAttach {
    pid_t pid = -1;
    int stdout_fd = -1;
    std::string pending;

    StreamingAttach(const std::vector<std::string>& arguments, const std::string& log_path) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) return;
        pid = spawn_validprof(arguments, log_path, {}, fds[1]);
        close(fds[1]);
        stdout_fd = fds[0];
    }
    ~StreamingAttach() {
        if (stdout_fd >= 0) close(stdout_fd);
    }

    // The next line, or "" if none came within the limit.
    std::string next_line(std::chrono::seconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (pending.find('\n') == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return "";
            pollfd readable{stdout_fd, POLLIN, 0};
            if (poll(&readable, 1, static_cast<int>(left.count())) <= 0) continue;
            char buffer[4096];
            const ssize_t got = read(stdout_fd, buffer, sizeof buffer);
            if (got <= 0) return "";
            pending.append(buffer, static_cast<std::size_t>(got));
        }
        const auto end = pending.find('\n');
        std::string line = pending.substr(0, end);
        pending.erase(0, end + 1);
        return line;
    }
};

TEST(JsonLinesPrivileged, EachInvocationArrivesWhileAttachRunsAsStored) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    const std::string db = dir.file("profile.db");
    StreamingAttach attach({"attach", "--db", db, "--json-lines", "--hook", "burn=vp_burn_sleep"}, dir.file("log"));
    ASSERT_TRUE(wait_for_session(db, std::chrono::seconds(30))) << read_file(dir.file("log"));

    const std::map<std::string, std::string> environment = {{"VALIDPROF_TRUTH", dir.file("truth.txt")}};
    std::vector<nlohmann::json> lines;
    constexpr int kRuns = 3;
    for (int i = 0; i < kRuns; ++i) {
        ASSERT_EQ(run_command({workload("vp_burn_sleep"), "2", std::to_string(5 + 10 * i)}, environment).exit_code, 0);
        // Before the next hook runs and before attach stops: streamed, not
        // written at the end.
        const std::string line = attach.next_line(std::chrono::seconds(30));
        ASSERT_FALSE(line.empty()) << "no line for run " << i << "\n" << read_file(dir.file("log"));
        auto parsed = nlohmann::json::parse(line, nullptr, false);
        ASSERT_FALSE(parsed.is_discarded()) << line;
        lines.push_back(parsed);
    }
    kill(attach.pid, SIGINT);
    ASSERT_EQ(wait_exit_code(attach.pid), 0) << read_file(dir.file("log"));
    EXPECT_EQ(attach.next_line(std::chrono::seconds(1)), "") << "nothing but invocations on stdout";

    const std::vector<TruthLine> truth = read_truth(dir.file("truth.txt"));
    ASSERT_EQ(truth.size(), static_cast<std::size_t>(kRuns));
    const std::vector<model::Invocation> stored = load_latest_invocations(db);
    ASSERT_EQ(stored.size(), static_cast<std::size_t>(kRuns));
    for (int i = 0; i < kRuns; ++i) {
        const nlohmann::json& line = lines[i];
        EXPECT_EQ(line["hook"], "burn");
        EXPECT_EQ(line["root_pid"].get<std::int64_t>(), static_cast<std::int64_t>(truth_u64(truth[i], "pid")));
        EXPECT_EQ(line["session"].get<std::int64_t>(), 1);
        EXPECT_TRUE(line["complete"].get<bool>());
        const model::Invocation* match = nullptr;
        for (const model::Invocation& invocation : stored)
            if (invocation.id == line["id"].get<std::int64_t>()) match = &invocation;
        ASSERT_NE(match, nullptr) << "streamed id " << line["id"] << " is not stored";
        EXPECT_EQ(line["root_pid"].get<std::int32_t>(), match->root_pid);
        EXPECT_EQ(line["wall_ns"].get<std::uint64_t>(), match->wall_ns());
        EXPECT_EQ(line["on_cpu_ns"].get<std::uint64_t>(), match->times.on_cpu_ns);
        EXPECT_EQ(line["processes"].size(), match->processes.size());
    }
}

TEST(JsonLinesPrivileged, AReaderThatGoesAwayEndsTheSessionCleanly) {
    VALIDPROF_REQUIRE_BPF();
    TempDir dir;
    const std::string db = dir.file("profile.db");
    StreamingAttach attach({"attach", "--db", db, "--json-lines", "--hook", "burn=vp_burn_sleep"}, dir.file("log"));
    ASSERT_TRUE(wait_for_session(db, std::chrono::seconds(30))) << read_file(dir.file("log"));
    close(attach.stdout_fd);  // like `| head -0`
    attach.stdout_fd = -1;
    ASSERT_EQ(run_command({workload("vp_burn_sleep"), "1", "1"}).exit_code, 0);
    // No signal from here: attach must notice the closed pipe by itself.
    ASSERT_EQ(wait_exit_code(attach.pid), 0) << read_file(dir.file("log"));
    const std::string log = read_file(dir.file("log"));
    EXPECT_NE(log.find("went away"), std::string::npos) << log;
    auto database = open_database(db);
    ASSERT_TRUE(database);
    auto session = database->load_session(1);
    ASSERT_TRUE(session.ok());
    EXPECT_TRUE(session->complete) << "the session was not closed";
}

}  // namespace
}  // namespace validprof::testing
