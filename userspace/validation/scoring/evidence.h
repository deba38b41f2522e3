// The evidence a completion validation votes on: the mode, the agent's track
// record and every checked file's results. It travels to the validators as
// JSON bytes inside the (authenticated) request, and each validator parses
// and scores it on its own; the SHA-256 of those bytes is the request digest
// that every PBFT message refers to.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "validation/checks/file_checks.h"
#include "validation/scoring/truth_score.h"

namespace validprof::validation {

// From the namespace completion-validation-performance, key agent/<id>.
struct AgentHistory {
    std::string id;
    int validations = 0;  // earlier validated completions of this agent
    double clean = 0;     // of those, how many passed every applicable check; one with nothing
                          // to check counts 0.5 (unknown), see track_record_credit()
};

struct Evidence {
    Mode mode = Mode::Moderate;
    std::optional<AgentHistory> agent;  // none: no agent id known
    std::vector<FileEvidence> files;
};

// Deterministic: the same evidence always serializes to the same bytes.
std::string evidence_to_json(const Evidence& evidence);
common::Result<Evidence> evidence_from_json(std::string_view json);

}  // namespace validprof::validation
