// What one validator judges on its own.
//
// The request a validator receives is the hook's evidence: the files with
// the hashes the hook saw, the agent, the hook's own check results. A
// validator trusts none of the results. It re-reads every named file,
// re-runs the checks that apply (the check command included), compares what
// it read with the hash the hook claims, and reads the agent's track record
// from the database over a connection of its own. Its mode and check options
// are its own configuration, not the hook's claim. So a faulty hook (or a
// hook whose files changed underneath it) is outvoted by the validators, and
// honest validators can disagree when what they read differs.
//
// Known limit: the set of files comes from the hook (the --file arguments);
// a hook that leaves a file out is not detected.
#pragma once

#include <string>
#include <string_view>

#include "validation/checks/file_checks.h"
#include "validation/consensus/message.h"
#include "validation/scoring/evidence.h"
#include "validation/scoring/truth_score.h"

namespace validprof::validation {

struct ValidatorContext {
    std::string database_path;  // where the agent's history is read
    Mode mode = Mode::Moderate;
    FileCheckOptions checks;
};

// The evidence this validator gathers for the hook's claim. Factual
// consistency of a file holds when the validator read the same bytes twice
// (before and after its checks) and they hash to what the hook claimed.
Evidence rederive_evidence(const ValidatorContext& context, const Evidence& claimed);

// Parses the request (the hook's evidence JSON), re-derives the evidence and
// scores it. Unreadable requests never approve.
Evaluation evaluate_independently(const ValidatorContext& context, std::string_view request);

// The agent's track record as stored (completion-validation-performance,
// agent/<id>), read on its own connection; no record: zero validations.
AgentHistory read_agent_history(const std::string& database_path, const std::string& agent);

}  // namespace validprof::validation
