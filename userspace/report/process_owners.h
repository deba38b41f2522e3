// Which invocation a process belonged to, by pid: the join every report
// section needs between per-pid data (phases, stack samples, SQLite
// activity) and the stored invocations. Pids can be reused within a
// session, so a lookup can name a time: the process whose lifetime holds it.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "model/invocation.h"

namespace validprof::report {

inline constexpr const char* kOutsideInvocations = "(outside invocations)";

class ProcessOwners {
public:
    explicit ProcessOwners(const std::vector<model::Invocation>& invocations);

    // The invocation whose process had pid at timestamp_ns; nullptr if none.
    const model::Invocation* at(std::int32_t pid, std::uint64_t timestamp_ns) const;
    // The earliest invocation that had a process with this pid.
    const model::Invocation* first(std::int32_t pid) const;

private:
    struct Span {
        const model::Invocation* invocation;
        std::uint64_t start_ns;
        std::uint64_t end_ns;  // max when the process had not exited
    };
    std::unordered_map<std::int32_t, std::vector<Span>> spans_;  // earliest invocation first
};

}  // namespace validprof::report
