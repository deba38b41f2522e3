// Helpers for the end-to-end tests: run validprof and the workloads as a
// user would, read the workloads' own truth files, read what validprof
// stored through the storage module.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bpf_support/kernel_features.h"
#include "storage/profile_database.h"

namespace validprof::testing {

namespace fs = std::filesystem;

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

// Runs argv with optional extra environment, capturing its output.
inline CommandResult run_command(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& environment = {}) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return {};
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipe_fds[1], STDOUT_FILENO);
        dup2(pipe_fds[1], STDERR_FILENO);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        for (const auto& [name, value] : environment) setenv(name.c_str(), value.c_str(), 1);
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(pipe_fds[1]);
    CommandResult result;
    char buffer[4096];
    ssize_t got;
    while ((got = read(pipe_fds[0], buffer, sizeof(buffer))) > 0) result.output.append(buffer, static_cast<std::size_t>(got));
    close(pipe_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

// A fresh directory per test, removed afterwards.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "validprof-test-XXXXXX").string();
        path_ = mkdtemp(pattern.data()) ? fs::path(pattern) : fs::path();
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

// One line of a workload's truth file: key=value pairs.
using TruthLine = std::map<std::string, std::string>;

inline std::vector<TruthLine> read_truth(const std::string& path) {
    std::vector<TruthLine> lines;
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        TruthLine fields;
        std::istringstream words(line);
        std::string word;
        while (words >> word) {
            auto equals = word.find('=');
            if (equals != std::string::npos) fields[word.substr(0, equals)] = word.substr(equals + 1);
        }
        lines.push_back(std::move(fields));
    }
    return lines;
}

// The lines about each pid merged into one: what the process measured
// itself and the final scheduler figures its parent read once it was a
// zombie (tests/workloads/workload_truth.h).
using TruthByPid = std::map<std::int32_t, TruthLine>;

inline TruthByPid truth_by_pid(const std::vector<TruthLine>& lines) {
    TruthByPid merged;
    for (const TruthLine& line : lines) {
        auto pid = line.find("pid");
        if (pid == line.end()) continue;
        TruthLine& into = merged[static_cast<std::int32_t>(std::strtol(pid->second.c_str(), nullptr, 10))];
        for (const auto& [key, value] : line) into[key] = value;
    }
    return merged;
}

inline std::uint64_t truth_u64(const TruthLine& line, const std::string& key) {
    auto found = line.find(key);
    return found == line.end() ? 0 : std::strtoull(found->second.c_str(), nullptr, 10);
}

inline std::string validprof_binary() { return VALIDPROF_BINARY; }

// A word for `sh -c`, whatever it holds (build directories may have spaces).
inline std::string shell_quoted(const std::string& word) {
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

#ifdef VALIDPROF_TEST_CACHE_DIR
// An npm package the tests run real hooks with, installed once per build
// tree and reused: `npm install better-sqlite3` compiles its addon from
// source where no prebuilt one can be fetched (a minute and a half here).
// Returns the node_modules directory, or the failed install's output.
struct NpmPackage {
    std::string node_modules;  // empty when the install failed
    std::string failure;
};

inline NpmPackage install_npm_package_once(const std::string& spec, const std::string& marker_file) {
    fs::path prefix = fs::path(VALIDPROF_TEST_CACHE_DIR) / "npm" / spec;
    fs::path node_modules = prefix / "node_modules";
    if (fs::exists(node_modules / marker_file)) return {node_modules.string(), ""};
    std::error_code ignored;
    fs::remove_all(prefix, ignored);
    fs::create_directories(prefix, ignored);
    CommandResult install = run_command({"npm", "install", "--prefix", prefix.string(), "--no-audit", "--no-fund",
                                         "--loglevel=error", spec});
    if (install.exit_code != 0 || !fs::exists(node_modules / marker_file)) {
        fs::remove_all(prefix, ignored);
        return {"", "npm install " + spec + " failed (exit " + std::to_string(install.exit_code) + "):\n" +
                        install.output};
    }
    return {node_modules.string(), ""};
}
#endif
inline std::string workload(const std::string& name) { return std::string(VALIDPROF_WORKLOAD_DIR) + "/" + name; }

// Skips (with the reason) when BPF cannot be loaded here.
#define VALIDPROF_REQUIRE_BPF()                                                                    \
    do {                                                                                         \
        if (auto privileges = ::validprof::bpf_support::check_tracing_privileges(); !privileges)  \
            GTEST_SKIP() << "privileged test skipped: " << privileges.error().message;           \
        if (auto support = ::validprof::bpf_support::check_kernel_support(); !support)            \
            GTEST_SKIP() << "privileged test skipped: " << support.error().message;              \
    } while (0)

inline std::unique_ptr<storage::ProfileDatabase> open_database(const std::string& path) {
    auto database = storage::ProfileDatabase::open(path, storage::OpenMode::ReadOnly);
    EXPECT_TRUE(database.ok()) << (database.ok() ? "" : database.error().message);
    return database.ok() ? std::move(*database) : nullptr;
}

inline std::vector<model::Invocation> load_latest_invocations(const std::string& db_path,
                                                              std::optional<std::string> hook = std::nullopt) {
    auto database = open_database(db_path);
    if (!database) return {};
    auto latest = database->latest_session_id();
    if (!latest.ok() || !*latest) return {};
    auto invocations = database->load_invocations(**latest, hook, true);
    EXPECT_TRUE(invocations.ok());
    return invocations.ok() ? *invocations : std::vector<model::Invocation>{};
}

// CLOCK_MONOTONIC (what bpf_ktime_get_ns and the workloads' wall clocks
// read) is slewed by NTP, by up to 500 ppm; the scheduler's clock behind
// the CPU clocks and /proc/PID/schedstat is not. A duration measured with
// one and compared with one from the other may differ by this share (29
// ppm seen here).
constexpr double kClockRateSlack = 0.0005;

inline std::uint64_t clock_rate_slack_ns(std::uint64_t duration_ns) {
    return static_cast<std::uint64_t>(static_cast<double>(duration_ns) * kClockRateSlack) + 1;
}

// How far timer sampling can put a function's CPU time from the truth.
// The sampling timer fires every period_ns on each CPU and credits whoever
// runs: a stretch of L ns of uninterrupted running gets floor(L/P) or
// ceil(L/P) samples, and a sample the timer takes late (interrupts off)
// may land in the neighbouring stretch. So a function that ran in
// `stretches` stretches is weighed within two periods per stretch.
inline std::uint64_t sampling_error_bound_ns(std::uint64_t stretches, std::uint64_t period_ns) {
    return 2 * stretches * period_ns;
}

// |measured - truth| within max(relative * truth, absolute_ns).
inline ::testing::AssertionResult within(const char* what, std::uint64_t measured, std::uint64_t truth,
                                         double relative, std::uint64_t absolute_ns) {
    double allowed = std::max(relative * static_cast<double>(truth), static_cast<double>(absolute_ns));
    double difference = std::abs(static_cast<double>(measured) - static_cast<double>(truth));
    if (difference <= allowed) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << what << ": measured " << measured << " ns, truth " << truth
                                         << " ns, difference " << difference << " ns > allowed " << allowed << " ns";
}

// Starts validprof in the background with its output in a file (stdout on
// `stdout_fd` instead when one is given, e.g. a pipe the test reads).
inline pid_t spawn_validprof(const std::vector<std::string>& arguments, const std::string& log_path,
                             const std::map<std::string, std::string>& environment = {}, int stdout_fd = -1) {
    pid_t pid = fork();
    if (pid == 0) {
        int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(stdout_fd >= 0 ? stdout_fd : log, STDOUT_FILENO);
        dup2(log, STDERR_FILENO);
        for (const auto& [name, value] : environment) setenv(name.c_str(), value.c_str(), 1);
        std::vector<char*> argv;
        std::string binary = validprof_binary();
        argv.push_back(binary.data());
        for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

// A session row appears once the programs are attached.
inline bool wait_for_session(const std::string& db_path, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (fs::exists(db_path)) {
            auto database = storage::ProfileDatabase::open(db_path, storage::OpenMode::ReadOnly);
            if (database.ok()) {
                auto latest = (*database)->latest_session_id();
                if (latest.ok() && latest->has_value()) return true;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

inline int wait_exit_code(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::string read_file(const std::string& path) {
    std::ifstream file(path);
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

}  // namespace validprof::testing
