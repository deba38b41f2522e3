// Helpers for the validation tests: temporary directories, sample files,
// running the validcore binary as a hook would run, and reading its database
// through SQLite itself.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace validprof::validation::testing {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "validcore-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    std::string write(const std::string& name, const std::string& contents) const {
        std::ofstream(path_ / name, std::ios::binary) << contents;
        return file(name);
    }

private:
    fs::path path_;
};

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs argv in `directory` with extra environment, capturing stdout and
// stderr apart (the one-line-error tests look at stderr alone).
inline CommandResult run_in(const std::string& directory, const std::vector<std::string>& argv,
                            const std::map<std::string, std::string>& environment = {}) {
    int out_pipe[2], err_pipe[2];
    if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) return {};
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        ::close(err_pipe[0]);
        ::close(err_pipe[1]);
        if (::chdir(directory.c_str()) != 0) ::_exit(126);
        for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    CommandResult result;
    auto drain = [](int fd, std::string& into) {
        char buffer[4096];
        ssize_t got;
        while ((got = ::read(fd, buffer, sizeof(buffer))) > 0) into.append(buffer, static_cast<std::size_t>(got));
        ::close(fd);
    };
    // stderr output is small (one line at most in the tests that read it);
    // drain stdout first, then stderr.
    drain(out_pipe[0], result.out);
    drain(err_pipe[0], result.err);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

// Starts every argv in `directory` at once and waits for all of them: each
// child blocks on a shared pipe until the last one has been forked, then
// they all go (as parallel agent tools start their hooks). stdout and stderr
// of each go to files under `scratch`, read back afterwards.
inline std::vector<CommandResult> run_all_at_once(const std::string& directory, const std::string& scratch,
                                                  const std::vector<std::vector<std::string>>& argvs) {
    int gate[2];
    if (::pipe(gate) != 0) return {};
    std::vector<pid_t> pids;
    for (std::size_t i = 0; i < argvs.size(); ++i) {
        const std::string out = scratch + "/out-" + std::to_string(i);
        const std::string err = scratch + "/err-" + std::to_string(i);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(gate[1]);
            char byte;
            while (::read(gate[0], &byte, 1) > 0) {
            }
            ::close(gate[0]);
            if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen(err.c_str(), "w", stderr)) ::_exit(125);
            if (::chdir(directory.c_str()) != 0) ::_exit(126);
            std::vector<char*> args;
            for (const std::string& arg : argvs[i]) args.push_back(const_cast<char*>(arg.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        pids.push_back(pid);
    }
    ::close(gate[0]);
    ::close(gate[1]);  // EOF on the gate: every child starts now
    std::vector<CommandResult> results;
    for (std::size_t i = 0; i < pids.size(); ++i) {
        int status = 0;
        ::waitpid(pids[i], &status, 0);
        CommandResult result;
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        auto slurp = [](const std::string& path) {
            std::ifstream file(path, std::ios::binary);
            return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
        };
        result.out = slurp(scratch + "/out-" + std::to_string(i));
        result.err = slurp(scratch + "/err-" + std::to_string(i));
        results.push_back(std::move(result));
    }
    return results;
}

// Rows of a query, every column as text (NULL as "NULL"), read with the
// SQLite C API directly rather than through the code under test.
inline std::vector<std::vector<std::string>> query(const std::string& database, const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << "cannot open " << database;
        sqlite3_close(db);
        return rows;
    }
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << "cannot prepare " << sql << ": " << sqlite3_errmsg(db);
    } else {
        while (sqlite3_step(statement) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int column = 0; column < sqlite3_column_count(statement); ++column) {
                const auto* text = sqlite3_column_text(statement, column);
                row.push_back(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
            }
            rows.push_back(std::move(row));
        }
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return rows;
}

inline std::size_t count_lines(const std::string& text) {
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    return lines;
}

}  // namespace validprof::validation::testing
