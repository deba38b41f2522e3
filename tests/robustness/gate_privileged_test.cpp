// The gate's promise: no process stays stopped because of validprof —
// not when validprof is stopped by SIGINT or SIGTERM while it holds
// processes, and not when it is killed outright (its watchdog continues
// them). The witness is the kernel's own process state (`T` in
// /proc/PID/stat) of every copy of /bin/true the workload runs, each copy a
// new file, so each exec is held.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../cli/cli_test_support.h"

namespace validprof::testing {
namespace {

constexpr int kCopies = 200;

// A directory of distinct copies of /bin/true and a script that runs them
// one after the other, saying when it is well under way and when it is done.
class HeldWorkload {
public:
    HeldWorkload() {
        fs::create_directories(copies());
        for (int i = 0; i < kCopies; ++i) {
            fs::copy_file("/bin/true", copies() + "/true-" + std::to_string(i));
            fs::permissions(copies() + "/true-" + std::to_string(i), fs::perms::owner_all);
        }
        std::ofstream script(dir_.file("run.sh"));
        // It ignores the signals that stop validprof, as many hook scripts
        // do, so it goes on exec'ing while validprof shuts down.
        script << "trap '' INT TERM\n"
               << "n=0\n"
               << "for f in " << copies() << "/*; do\n"
               << "  \"$f\"\n"
               << "  n=$((n + 1))\n"
               << "  [ $n -eq 20 ] && : > " << dir_.file("under-way") << "\n"
               << "done\n"
               << ": > " << dir_.file("done") << "\n";
    }
    ~HeldWorkload() {
        // Whatever is left, stopped or not, goes.
        for (pid_t pid : processes_of_copies(false)) {
            ::kill(pid, SIGKILL);
            ::kill(pid, SIGCONT);
        }
    }

    std::string copies() const { return dir_.file("copies"); }
    std::string file(const std::string& name) const { return dir_.file(name); }

    pid_t start_record(const std::vector<std::string>& options) const {
        std::vector<std::string> argv = {validprof_binary(), "record", "--db", dir_.file("p.db")};
        argv.insert(argv.end(), options.begin(), options.end());
        // The script in a session of its own: when validprof is killed, the
        // kernel would otherwise find the script's process group orphaned
        // with a stopped member and send it SIGHUP and SIGCONT, which ends
        // the test either way and hides what validprof did.
        argv.insert(argv.end(), {"--", "setsid", "sh", dir_.file("run.sh")});
        pid_t pid = ::fork();
        if (pid == 0) {
            // Its own process group: a test runner's signals are not ours.
            ::setpgid(0, 0);
            std::vector<char*> args;
            for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        return pid;
    }

    bool wait_for(const std::string& name, std::chrono::seconds limit) const {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (!fs::exists(dir_.file(name))) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    }

    // Live processes running one of the copies; only the stopped ones
    // when `stopped_only`.
    std::vector<pid_t> processes_of_copies(bool stopped_only) const {
        std::vector<pid_t> found;
        for (const auto& entry : fs::directory_iterator("/proc")) {
            const std::string name = entry.path().filename();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            // A copy, or the script's shell.
            std::error_code error;
            fs::path exe = fs::read_symlink(entry.path() / "exe", error);
            std::ifstream cmdline_file(entry.path() / "cmdline");
            std::string cmdline((std::istreambuf_iterator<char>(cmdline_file)), std::istreambuf_iterator<char>());
            const bool copy = !error && exe.string().rfind(copies(), 0) == 0;
            if (!copy && cmdline.find(dir_.file("run.sh")) == std::string::npos) continue;
            std::ifstream stat(entry.path() / "stat");
            std::string line;
            std::getline(stat, line);
            const auto name_end = line.rfind(')');
            if (name_end == std::string::npos || name_end + 2 >= line.size()) continue;
            const char state = line[name_end + 2];
            if (!stopped_only || state == 'T') found.push_back(static_cast<pid_t>(std::stoi(name)));
        }
        return found;
    }

private:
    TempDir dir_;
};

void expect_nothing_held_after_signal(int signal_number, const std::vector<std::string>& options) {
    HeldWorkload workload;
    pid_t record = workload.start_record(options);
    ASSERT_TRUE(workload.wait_for("under-way", std::chrono::seconds(60)))
        << "the workload never got going under validprof";
    ::kill(record, signal_number);
    const int exit_code = wait_exit_code(record);
    EXPECT_LT(exit_code, 128) << "validprof itself died of the signal";
    // The workload runs to its end: a copy left stopped never would (the
    // limit only bounds how long the test waits to say so).
    const bool finished = workload.wait_for("done", std::chrono::seconds(60));
    std::vector<pid_t> stopped = workload.processes_of_copies(true);
    EXPECT_TRUE(finished) << "the workload did not finish: " << stopped.size() << " of its processes stopped";
    EXPECT_TRUE(stopped.empty());
}

TEST(GatePrivileged, SigintWhileHoldingLeavesNothingStopped) {
    VALIDPROF_REQUIRE_BPF();
    expect_nothing_held_after_signal(SIGINT, {"--usdt"});
}

TEST(GatePrivileged, SigtermWhileHoldingLeavesNothingStoppedWithSql) {
    VALIDPROF_REQUIRE_BPF();
    expect_nothing_held_after_signal(SIGTERM, {"--sql"});
}

// SIGKILL gives validprof no chance: its watchdog continues what was held,
// so the workload runs to its end.
TEST(GatePrivileged, SigkillOfValidprofDoesNotStrandHeldProcesses) {
    VALIDPROF_REQUIRE_BPF();
    HeldWorkload workload;
    pid_t record = workload.start_record({"--usdt", "--sql"});
    ASSERT_TRUE(workload.wait_for("under-way", std::chrono::seconds(60)));
    ::kill(record, SIGKILL);
    EXPECT_EQ(wait_exit_code(record), 128 + SIGKILL);
    // Not a timing: a stranded copy never ends, and the limit only bounds
    // how long the test waits to say so.
    const bool finished = workload.wait_for("done", std::chrono::seconds(60));
    std::vector<pid_t> stopped = workload.processes_of_copies(true);
    EXPECT_TRUE(finished) << "the workload did not finish: " << stopped.size() << " of its processes stopped";
    EXPECT_TRUE(stopped.empty());
    // And the session is still readable, marked as not complete.
    CommandResult sessions = run_command({validprof_binary(), "sessions", "--db", workload.file("p.db")});
    EXPECT_EQ(sessions.exit_code, 0) << sessions.output;
    EXPECT_NE(sessions.output.find("INCOMPLETE"), std::string::npos) << sessions.output;
}

// The gate's cost is reported: holds and their time, as session notes.
TEST(GatePrivileged, HoldsAreCountedInTheSession) {
    VALIDPROF_REQUIRE_BPF();
    HeldWorkload workload;
    pid_t record = workload.start_record({"--usdt"});
    EXPECT_EQ(wait_exit_code(record), 0);
    CommandResult json = run_command({validprof_binary(), "report", "--json", "--db", workload.file("p.db")});
    ASSERT_EQ(json.exit_code, 0) << json.output;
    auto report = nlohmann::json::parse(json.output, nullptr, false);
    ASSERT_FALSE(report.is_discarded());
    const nlohmann::json& reasons = report["lost_events"]["by_reason"];
    ASSERT_TRUE(reasons.contains("note_gate_holds")) << reasons.dump();
    // Each file is held for once: setsid, sh, then every copy (a new file each);
    // the script's other commands are dash builtins. The last sweep found
    // nothing: every hold was continued when its event was read.
    EXPECT_EQ(reasons["note_gate_holds"].get<std::uint64_t>(), 2u + kCopies) << reasons.dump();
    EXPECT_EQ(reasons["note_gate_released_at_close"].get<std::uint64_t>(), 0u);
    EXPECT_GT(reasons["note_gate_held_us"].get<std::uint64_t>(), 0u);
}

}  // namespace
}  // namespace validprof::testing
