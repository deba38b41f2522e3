#include "cli/command_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace validprof::cli {

common::Result<LaunchedCommand> LaunchedCommand::fork_stopped(const std::vector<std::string>& argv) {
    if (argv.empty()) return common::make_error("record needs a command after --");

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return common::make_error("cannot create a pipe", errno);
    common::UniqueFd read_end(fds[0]);
    common::UniqueFd write_end(fds[1]);

    std::vector<char*> exec_argv;
    for (const std::string& argument : argv) exec_argv.push_back(const_cast<char*>(argument.c_str()));
    exec_argv.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid < 0) return common::make_error("cannot fork", errno);
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        ::close(write_end.get());
        char byte;
        while (::read(read_end.get(), &byte, 1) < 0 && errno == EINTR) {
        }
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::execvp(exec_argv[0], exec_argv.data());
        int error = errno;
        const char prefix[] = "validprof: cannot run ";
        (void)!::write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
        (void)!::write(STDERR_FILENO, exec_argv[0], std::strlen(exec_argv[0]));
        const char* reason = std::strerror(error);
        (void)!::write(STDERR_FILENO, ": ", 2);
        (void)!::write(STDERR_FILENO, reason, std::strlen(reason));
        (void)!::write(STDERR_FILENO, "\n", 1);
        ::_exit(127);
    }

    LaunchedCommand command;
    command.pid_ = pid;
    command.release_pipe_ = std::move(write_end);
    return command;
}

LaunchedCommand::~LaunchedCommand() {
    if (pid_ <= 0 || exited_) return;
    if (release_pipe_.valid()) {
        ::kill(pid_, SIGKILL);
        int status;
        ::waitpid(pid_, &status, 0);
    }
}

void LaunchedCommand::release() { release_pipe_.reset(); }

bool LaunchedCommand::reap_if_exited() {
    if (exited_) return true;
    int status = 0;
    pid_t result = ::waitpid(pid_, &status, WNOHANG);
    if (result == pid_) {
        exited_ = true;
        wait_status_ = status;
    }
    return exited_;
}

int LaunchedCommand::exit_code() const {
    if (WIFEXITED(wait_status_)) return WEXITSTATUS(wait_status_);
    if (WIFSIGNALED(wait_status_)) return 128 + WTERMSIG(wait_status_);
    return 1;
}

void LaunchedCommand::forward_signal(int signal_number) const {
    if (pid_ > 0 && !exited_) ::kill(pid_, signal_number);
}

}  // namespace validprof::cli
