// Root and process exit codes are stored wait(2)-style (model::Invocation),
// so "1" on disk is not "exit 1": exit 1 is 256 and SIGKILL is 9. The report
// decodes them once here so every output says the same thing.
#pragma once

#include <cstdint>
#include <string>

namespace validprof::report {

// Any non-zero wait status is a failure: a non-zero exit or death by signal.
inline bool is_failure(std::int32_t wait_status) { return wait_status != 0; }

// "0", "exit 1", "signal 9 (KILL)", "signal 11 (SEGV), core dumped".
std::string describe_exit_status(std::int32_t wait_status);

}  // namespace validprof::report
