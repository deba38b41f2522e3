// The critical path as a flame graph (`validprof flamegraph --kind
// critical`): only the time that made each invocation late. A piece of the
// path on a CPU is spread over its process's CPU stacks (--stacks) in the
// proportions of their samples; a wait is a stack of its reason
// ("[fsync]" → "/p/.swarm/memory.db-wal"). Weights are nanoseconds of wall
// time, and add up to the invocations' wall times.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "explain/explanation.h"
#include "model/stack_sample.h"

namespace validprof::explain {

struct CriticalSample {
    std::int32_t pid = 0;
    std::int64_t invocation_id = 0;
    std::string hook;
    std::string process;                    // the program, for the graph's process frame
    bool on_cpu = false;
    std::vector<model::StackFrame> frames;  // root first
    std::uint64_t ns = 0;
};

std::vector<CriticalSample> critical_samples(const SessionData& session, const ExplainOptions& options);

}  // namespace validprof::explain
