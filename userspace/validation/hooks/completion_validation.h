// Completion validation of one hook: checks on the edited files, the truth
// score, Byzantine consensus among the validators, and the record of it all.
//
//   agent history (1 read) -> checks per file -> evidence -> truth score
//     -> consensus round (validators score the evidence themselves)
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
};

struct ValidationRecord {
    std::string id;  // unix-ms-pid
    std::string hook;
    std::string agent;
    RolloutDecision rollout;
    Evidence evidence;
    std::string evidence_json;
    TruthScore score;
    Vote vote;  // the hook's own evaluation (the validators repeat it)
    ConsensusConfig consensus_config;
    ConsensusOutcome consensus;
    bool clean = false;  // counts as clean in the agent's track record
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

// The evaluation each validator runs on the request's bytes.
Evaluation evaluate_evidence_bytes(std::string_view evidence_json);

// Test hook: when this environment variable is set, the process kills itself
// with SIGKILL after the first result row is written inside the
// transaction, so tests can check that an interrupted hook leaves no partial
// result.
inline constexpr const char* kKillDuringResultWriteVariable = "VALIDCORE_TEST_KILL_DURING_RESULT_WRITE";

}  // namespace validprof::validation
