// A `validprof attach` or `validprof record` running in the background of a
// benchmark, as a user would start it: its own process, its output in a log
// file. Owning: a benchmark that fails half-way stops it (SIGINT) on the way
// out, so nothing of validprof stays attached to the kernel.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace validprof::bench {

struct ExitedProcess {
    int exit_code = -1;  // 128 + signal when killed by one
    rusage usage{};      // from wait4(): validprof and the descendants it reaped
};

class BackgroundValidprof {
public:
    // Starts the validprof executable `binary` with arguments; stdout and
    // stderr go to log_path. With `cpu`, validprof may run on that CPU only.
    static common::Result<std::unique_ptr<BackgroundValidprof>> start(const std::string& binary,
                                                                      const std::vector<std::string>& arguments,
                                                                      const std::string& log_path,
                                                                      std::optional<int> cpu = std::nullopt);
    ~BackgroundValidprof();
    BackgroundValidprof(const BackgroundValidprof&) = delete;
    BackgroundValidprof& operator=(const BackgroundValidprof&) = delete;

    pid_t pid() const { return pid_; }

    // Waits until the database holds at least `sessions` sessions. validprof
    // inserts its session row after its BPF programs are attached, so from
    // then on it is observing. An error (with the log's tail) if validprof
    // exits first or the limit passes.
    common::Result<void> wait_until_observing(const std::string& db_path, std::size_t sessions,
                                              std::chrono::milliseconds limit);

    // Non-blocking: the exit, once validprof has exited (reaped here).
    std::optional<ExitedProcess> exited();

    // Sends signal_number (SIGINT: detach and finish the session) and waits.
    ExitedProcess stop(int signal_number);

    std::string log_tail() const;

private:
    BackgroundValidprof(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}

    pid_t pid_ = -1;
    std::string log_path_;
    std::optional<ExitedProcess> exit_;
};

}  // namespace validprof::bench
