#include "validation/hooks/independent_evaluation.h"

#include <nlohmann/json.hpp>

#include "validation/memory/memory_store.h"

namespace validprof::validation {

namespace {

// Marks a file whose bytes changed while this validator checked it.
constexpr const char* kChangedDuringChecks = "changed-during-checks";

FileEvidence unreadable(const std::string& path, const std::string& claimed_hash) {
    FileEvidence file;
    file.path = path;
    file.kind = FileKind::Binary;  // nothing could be checked
    file.sha256 = claimed_hash;
    file.sha256_after = "unreadable";
    return file;
}

}  // namespace

AgentHistory read_agent_history(const std::string& database_path, const std::string& agent) {
    AgentHistory history{agent, 0, 0};
    auto stored = MemoryStore::read_value(database_path, "agent/" + agent, kValidationPerformanceNamespace);
    if (!stored || !*stored) return history;  // unreadable counts as no history: unknown reliability
    const nlohmann::json value = nlohmann::json::parse(**stored, nullptr, false);
    if (value.is_object()) {
        history.validations = value.value("validations", 0);
        history.clean = value.value("clean", 0.0);
    }
    return history;
}

Evidence rederive_evidence(const ValidatorContext& context, const Evidence& claimed) {
    Evidence evidence;
    evidence.mode = context.mode;
    if (claimed.agent) evidence.agent = read_agent_history(context.database_path, claimed.agent->id);
    FileCheckOptions options = context.checks;
    options.probes = false;  // inside this validator's evaluate_* probe pair
    for (const FileEvidence& claim : claimed.files) {
        auto checked = check_file(claim.path, options);
        if (!checked) {
            evidence.files.push_back(unreadable(claim.path, claim.sha256));
            continue;
        }
        FileEvidence file = std::move(*checked);
        const bool stable = file.sha256 == file.sha256_after;
        // Compared against the claim: what the hook says it checked must be
        // what this validator read, before and after its own checks.
        file.sha256_after = stable ? file.sha256 : kChangedDuringChecks;
        file.sha256 = claim.sha256;
        evidence.files.push_back(std::move(file));
    }
    return evidence;
}

Evaluation evaluate_independently(const ValidatorContext& context, std::string_view request) {
    auto claimed = evidence_from_json(request);
    if (!claimed) return Evaluation{false, 0.0, 0.0};
    const Evidence evidence = rederive_evidence(context, *claimed);
    const Vote vote = evaluate_evidence(evidence);
    return Evaluation{vote.approve, vote.score, vote.confidence};
}

}  // namespace validprof::validation
