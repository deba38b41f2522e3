// Completion validation of one hook: checks on the edited files, the truth
// score, Byzantine consensus among the validators, and the record of it all.
//
//   agent history (1 read) -> checks per file -> evidence -> truth score
//     -> consensus round: the evidence is the request; each validator
//        re-reads the files, re-runs the checks and reads the history
//        itself (independent_evaluation.h) and votes on what it found
//     -> record: completion-validation-results/validation/<id>,
//                completion-validation-performance/validation/<id>,
//                completion-validation-performance/agent/<agent>
//
// The record's rows are written in one transaction (or inside the caller's,
// with --batched), so a hook interrupted at any point leaves either the
// whole result or none of it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "validation/checks/file_checks.h"
#include "validation/consensus/consensus_round.h"
#include "validation/memory/memory_store.h"
#include "validation/scoring/evidence.h"
#include "validation/scoring/rollout.h"
#include "validation/scoring/truth_score.h"

namespace validprof::validation {

struct ValidationOptions {
    Mode mode = Mode::Moderate;
    FileCheckOptions checks;
    ConsensusConfig consensus;
    std::string agent;  // empty: no track record is read or kept
    RolloutDecision rollout;
    std::string hook;
    std::string database_path;  // where the validators read the agent's history
    // Fault injection for the hook itself (--fault hook:forge-evidence): its
    // evidence claims every check passed. The validators, who check for
    // themselves, must outvote it.
    bool forge_hook_evidence = false;
};

struct ValidationRecord {
    std::string id;  // unix-ms-pid
    std::string hook;
    std::string agent;
    RolloutDecision rollout;
    Evidence evidence;
    std::string evidence_json;
    TruthScore score;
    Vote vote;  // the hook's own evaluation; the validators judge for themselves
    ConsensusConfig consensus_config;
    ConsensusOutcome consensus;
    double credit = 0;  // added to the agent's clean count (track_record_credit)
    bool hook_forged = false;
    double checks_ms = 0;
    double score_ms = 0;
};

common::Result<ValidationRecord> run_completion_validation(MemoryStore& store, const std::vector<std::string>& files,
                                                           const ValidationOptions& options, std::int64_t now_ms,
                                                           int pid);

// in_transaction: the caller already holds one (--batched); otherwise the
// rows get their own. Returns the statements executed.
common::Result<int> write_validation_record(MemoryStore& store, const ValidationRecord& record, bool in_transaction,
                                            std::int64_t now);

// The score of the evidence exactly as the hook reported it (no re-checking):
// what the hook itself concluded.
Evaluation evaluate_evidence_bytes(std::string_view evidence_json);

// What --fault hook:forge-evidence does to the hook's evidence: every check
// and command passes and no file changed.
void forge_evidence(Evidence& evidence);

// Test hook: when this environment variable is set, the process kills itself
// with SIGKILL after the first result row is written inside the
// transaction, so tests can check that an interrupted hook leaves no partial
// result.
inline constexpr const char* kKillDuringResultWriteVariable = "VALIDCORE_TEST_KILL_DURING_RESULT_WRITE";

}  // namespace validprof::validation
