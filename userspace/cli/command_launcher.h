// Starts `validprof record`'s command so that tracking can begin before its
// first instruction: the child is forked, waits on a pipe until the parent
// has put its pid in the kernel's tracked map, and only then execs.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace validprof::cli {

class LaunchedCommand {
public:
    // Forks; the child blocks before execvp(argv[0], argv).
    static common::Result<LaunchedCommand> fork_stopped(const std::vector<std::string>& argv);

    LaunchedCommand(LaunchedCommand&&) noexcept = default;
    LaunchedCommand& operator=(LaunchedCommand&&) noexcept = default;
    LaunchedCommand(const LaunchedCommand&) = delete;
    LaunchedCommand& operator=(const LaunchedCommand&) = delete;
    // A command that was never released is killed and reaped, so a failed
    // set-up does not leave a blocked child behind.
    ~LaunchedCommand();

    pid_t pid() const { return pid_; }
    // Lets the child exec.
    void release();
    // Non-blocking wait; true once the child has been reaped.
    bool reap_if_exited();
    bool exited() const { return exited_; }
    // wait(2) status of the reaped child.
    int wait_status() const { return wait_status_; }
    // Shell-style exit code: status, or 128 + signal.
    int exit_code() const;
    void forward_signal(int signal_number) const;

private:
    LaunchedCommand() = default;

    pid_t pid_ = -1;
    common::UniqueFd release_pipe_;  // write end; closing it lets the child go
    bool exited_ = false;
    int wait_status_ = 0;
};

}  // namespace validprof::cli
