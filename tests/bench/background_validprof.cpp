#include "background_validprof.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <thread>

#include "session_reader.h"

namespace validprof::bench {
namespace {

ExitedProcess describe_exit(int status, const rusage& usage) {
    ExitedProcess exited;
    exited.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    exited.usage = usage;
    return exited;
}

}  // namespace

common::Result<std::unique_ptr<BackgroundValidprof>> BackgroundValidprof::start(
    const std::string& binary, const std::vector<std::string>& arguments, const std::string& log_path,
    std::optional<int> cpu) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);

    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) return common::make_error("cannot create " + log_path, errno);
    pid_t pid = ::fork();
    if (pid < 0) {
        int error = errno;
        ::close(log);
        return common::make_error("cannot fork validprof", error);
    }
    if (pid == 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
        if (cpu) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(*cpu, &set);
            if (::sched_setaffinity(0, sizeof(set), &set) != 0) _exit(126);
        }
        ::execv(argv[0], argv.data());
        _exit(127);
    }
    ::close(log);
    return std::unique_ptr<BackgroundValidprof>(new BackgroundValidprof(pid, log_path));
}

BackgroundValidprof::~BackgroundValidprof() {
    if (!exit_) stop(SIGINT);
}

common::Result<void> BackgroundValidprof::wait_until_observing(const std::string& db_path, std::size_t sessions,
                                                               std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto gone = exited())
            return common::make_error("validprof exited (code " + std::to_string(gone->exit_code) +
                                      ") before observing:\n" + log_tail());
        if (count_sessions(db_path) >= sessions) return common::success();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return common::make_error("validprof did not start a session within " + std::to_string(limit.count()) +
                              " ms:\n" + log_tail());
}

std::optional<ExitedProcess> BackgroundValidprof::exited() {
    if (exit_) return exit_;
    int status = 0;
    rusage usage{};
    if (::wait4(pid_, &status, WNOHANG, &usage) == pid_) exit_ = describe_exit(status, usage);
    return exit_;
}

ExitedProcess BackgroundValidprof::stop(int signal_number) {
    if (exit_) return *exit_;
    ::kill(pid_, signal_number);
    int status = 0;
    rusage usage{};
    while (::wait4(pid_, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    exit_ = describe_exit(status, usage);
    return *exit_;
}

std::string BackgroundValidprof::log_tail() const {
    std::ifstream file(log_path_);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    constexpr std::size_t kTail = 2000;
    return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

}  // namespace validprof::bench
