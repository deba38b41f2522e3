// The default suite's workload: one agent's hook sequence against validcore
// (pre-task; per edit a post-edit with completion validation at the
// rollout and a post-command; notify; session-end), parameterized by
// environment variables. Written into the output directory as
// workload.sh so every figure can be reproduced from the report.
#pragma once

namespace validprof::assess {

extern const char* const kWorkloadScript;

}  // namespace validprof::assess
