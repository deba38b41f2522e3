#include "assess/runner.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/unique_fd.h"
#include "storage/profile_database.h"

namespace validprof::assess {
namespace {

namespace fs = std::filesystem;

std::string last_line(const std::string& path) {
    std::ifstream file(path);
    std::string line, last;
    while (std::getline(file, line))
        if (!line.empty()) last = line;
    return last;
}

// fork + exec with cwd, one extra environment variable and output to a
// file; the child's exit status (128 + signal when killed).
common::Result<int> run_process(const std::vector<std::string>& argv, const std::string& cwd,
                                const std::string& log_path, const std::string& assess_dir,
                                const std::string& scenario_command) {
    common::UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!log.valid()) return common::make_error("cannot write " + log_path + ": " + std::strerror(errno), errno);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return common::make_error(std::string("fork: ") + std::strerror(errno), errno);
    if (pid == 0) {
        ::dup2(log.get(), STDOUT_FILENO);
        ::dup2(log.get(), STDERR_FILENO);
        if (::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::setenv("VALIDPROF_ASSESS_DIR", assess_dir.c_str(), 1);
        ::setenv(kScenarioCommandVariable, scenario_command.c_str(), 1);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return common::make_error(std::string("waitpid: ") + std::strerror(errno), errno);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

common::Result<std::vector<ScenarioRun>> run_suite(const Suite& suite, const RunOptions& options,
                                                   const std::function<void(const std::string&)>& progress) {
    std::error_code error;
    fs::create_directories(fs::path(options.out_dir) / "logs", error);
    fs::create_directories(fs::path(options.out_dir) / "work", error);
    if (error) return common::make_error("cannot create " + options.out_dir + ": " + error.message());
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(options.database + suffix, error);
    for (const auto& [name, content] : suite.files) {
        std::ofstream file(fs::path(options.out_dir) / name);
        file << content;
        if (!file) return common::make_error("cannot write " + (fs::path(options.out_dir) / name).string());
    }

    std::vector<ScenarioRun> runs;
    std::int64_t previous_session = 0;
    for (const Scenario& scenario : suite.scenarios) {
        ScenarioRun run;
        run.name = scenario.name;
        const fs::path work = fs::path(options.out_dir) / "work" / scenario.name;
        fs::remove_all(work, error);
        fs::create_directories(work, error);
        if (error) return common::make_error("cannot create " + work.string() + ": " + error.message());
        run.log_path = (fs::path(options.out_dir) / "logs" / (scenario.name + ".log")).string();
        std::string command = shell_command(scenario);
        // Memory pressure: the recorded shell moves itself into the group
        // first, so its children inherit it and validprof stays outside.
        std::unique_ptr<MemoryCgroup> cgroup;
        if (scenario.memory_limit_bytes) {
            auto created = MemoryCgroup::create("validprof-assess-" + std::to_string(::getpid()) + "-" + scenario.name,
                                                scenario.memory_limit_bytes);
            if (created) {
                cgroup = std::move(*created);
                command = "echo $$ > " + shell_quote(cgroup->procs_file()) + " || exit 97; " + command;
            } else {
                run.memory_limit_note = created.error().message;
            }
        }
        const std::vector<std::string> argv = {options.validprof, "record", "--usdt", "--sql", "--db", options.database,
                                               "--",               "sh",     "-c",     command};
        const std::string scenario_text = scenario_command(scenario);
        run.record_command = "cd " + shell_quote(work.string()) + " && VALIDPROF_ASSESS_DIR=" +
                             shell_quote(options.out_dir) + " " + kScenarioCommandVariable + "=" +
                             shell_quote(scenario_text) + " validprof record --usdt --sql --db " +
                             shell_quote(options.database) + " -- sh -c " + shell_quote(command);
        if (progress) progress(scenario.name);
        const auto start = std::chrono::steady_clock::now();
        auto status = run_process(argv, work.string(), run.log_path, options.out_dir, scenario_text);
        if (!status) return status.error();
        run.record_exit = *status;
        run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (cgroup) {
            if (auto reading = cgroup->read())
                run.memory_limit = *reading;
            else
                run.memory_limit_note = reading.error().message;
            cgroup.reset();
        }

        auto database = storage::ProfileDatabase::open(options.database, storage::OpenMode::ReadOnly);
        std::int64_t latest = 0;
        if (database) {
            auto id = (*database)->latest_session_id();
            if (id && *id) latest = **id;
        }
        if (latest == 0 || latest == previous_session)
            return common::make_error("scenario " + scenario.name + ": validprof record stored no session (exit " +
                                      std::to_string(run.record_exit) + "): " + last_line(run.log_path));
        run.session_id = previous_session = latest;
        runs.push_back(std::move(run));
    }
    return runs;
}

}  // namespace validprof::assess
