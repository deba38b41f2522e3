// The configured check command (--check-command): a test, lint or compile
// command of the project, run through /bin/sh -c the way the real hook
// pipelines run prettier, eslint, tsc or cargo check. The file under
// validation is passed both as $1 and as $VALIDCORE_FILE so that either
// `cc -fsyntax-only "$1"` or a script reading the environment works.
//
// Its exit status decides pass or fail; its output is scanned for lines
// mentioning "warning" or "error", each of which lowers a passing score, so
// a command that passes noisily scores below one that passes cleanly.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace validprof::validation {

struct CommandOutcome {
    int exit_status = -1;         // the exit code, or 128 + signal number when killed
    bool timed_out = false;       // killed (with its process group) at the timeout
    int warning_lines = 0;        // output lines mentioning "warning" or "error", any case
    std::uint64_t output_bytes = 0;
    std::string output_tail;      // the last kOutputTailBytes of stdout and stderr, interleaved
    double elapsed_ms = 0;        // wall time from spawn to reaped
    double score = 0;             // in [0, 1], see command_score()
};

inline constexpr std::size_t kOutputTailBytes = 2048;

// Errors: only failures to start (pipe, fork). A command that cannot be
// found is a normal outcome: sh reports it and exits 127.
common::Result<CommandOutcome> run_check_command(const std::string& command, const std::string& file,
                                                 std::chrono::milliseconds timeout);

// exit 0: 1.0 minus 0.1 per warning line, at most five counted (so a noisy
// pass still scores 0.5); non-zero exit or timeout: 0.
double command_score(const CommandOutcome& outcome);

}  // namespace validprof::validation
