#include "validation/checks/command_check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/unique_fd.h"

extern char** environ;

namespace validprof::validation {

namespace {

bool mentions_warning(std::string_view line) {
    std::string lower(line);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower.find("warning") != std::string::npos || lower.find("error") != std::string::npos;
}

// Counts warning lines in a stream that arrives in arbitrary chunks.
class OutputScanner {
public:
    explicit OutputScanner(CommandOutcome& outcome) : outcome_(outcome) {}
    void feed(std::string_view chunk) {
        outcome_.output_bytes += chunk.size();
        outcome_.output_tail.append(chunk);
        if (outcome_.output_tail.size() > 2 * kOutputTailBytes) {
            outcome_.output_tail.erase(0, outcome_.output_tail.size() - kOutputTailBytes);
        }
        for (char c : chunk) {
            if (c == '\n') {
                finish_line();
            } else if (line_.size() < 4096) {
                line_.push_back(c);
            }
        }
    }
    void finish() {
        if (!line_.empty()) finish_line();
        if (outcome_.output_tail.size() > kOutputTailBytes) {
            outcome_.output_tail.erase(0, outcome_.output_tail.size() - kOutputTailBytes);
        }
    }

private:
    void finish_line() {
        if (mentions_warning(line_)) ++outcome_.warning_lines;
        line_.clear();
    }
    CommandOutcome& outcome_;
    std::string line_;
};

}  // namespace

double command_score(const CommandOutcome& outcome) {
    if (outcome.timed_out || outcome.exit_status != 0) return 0.0;
    return 1.0 - 0.1 * std::min(outcome.warning_lines, 5);
}

common::Result<CommandOutcome> run_check_command(const std::string& command, const std::string& file,
                                                 std::chrono::milliseconds timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return common::make_error(std::string("pipe: ") + std::strerror(errno), errno);
    common::UniqueFd read_end(fds[0]);
    common::UniqueFd write_end(fds[1]);

    // Everything the child needs is built before fork: between fork and exec
    // only async-signal-safe calls are allowed (setenv is not).
    std::vector<std::string> environment_storage;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        if (std::strncmp(*entry, "VALIDCORE_FILE=", 15) != 0) environment_storage.emplace_back(*entry);
    }
    environment_storage.push_back("VALIDCORE_FILE=" + file);
    std::vector<char*> envp;
    for (std::string& entry : environment_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::string shell = "/bin/sh", dash_c = "-c", command_copy = command, name = "validcore-check", file_copy = file;
    char* argv[] = {shell.data(), dash_c.data(), command_copy.data(), name.data(), file_copy.data(), nullptr};

    const auto started = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid < 0) return common::make_error(std::string("fork: ") + std::strerror(errno), errno);
    if (pid == 0) {
        // Own process group: a timeout kills the command and everything it
        // started, not just the shell.
        ::setpgid(0, 0);
        const int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
        ::dup2(write_end.get(), STDOUT_FILENO);
        ::dup2(write_end.get(), STDERR_FILENO);
        ::execve(argv[0], argv, envp.data());
        ::_exit(127);
    }
    write_end.reset();

    CommandOutcome outcome;
    OutputScanner scanner(outcome);
    const auto deadline = started + timeout;
    char buffer[8192];
    bool eof = false;
    while (!eof) {
        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (remaining.count() <= 0) {
            outcome.timed_out = true;
            break;
        }
        pollfd poll_fd{read_end.get(), POLLIN, 0};
        const int ready = ::poll(&poll_fd, 1, static_cast<int>(std::min<long long>(remaining.count(), 1000)));
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        const ssize_t got = ::read(read_end.get(), buffer, sizeof(buffer));
        if (got > 0) {
            scanner.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
        } else if (got == 0 || errno != EINTR) {
            eof = true;  // every writer closed: the command and its children are done with output
        }
    }
    // A command may close its output and keep running: the deadline holds
    // for its exit too.
    int status = 0;
    while (!outcome.timed_out) {
        const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
        if (reaped == pid || (reaped < 0 && errno != EINTR)) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            outcome.timed_out = true;
            break;
        }
        ::usleep(200);
    }
    if (outcome.timed_out) {
        ::kill(-pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    scanner.finish();
    outcome.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    outcome.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    outcome.score = command_score(outcome);
    return outcome;
}

}  // namespace validprof::validation
