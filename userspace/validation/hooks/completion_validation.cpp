#include "validation/hooks/completion_validation.h"

#include <nlohmann/json.hpp>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstdlib>

#include "validation/hooks/independent_evaluation.h"
#include "validation/probes.h"

namespace validprof::validation {

namespace {

using nlohmann::json;

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int permille(double value) { return static_cast<int>(std::lround(value * 1000)); }

json optional_number(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

json components_json(const TruthComponents& components) {
    return json{{"agent_reliability", optional_number(components.agent_reliability)},
                {"cross_validation", optional_number(components.cross_validation)},
                {"external_verification", optional_number(components.external_verification)},
                {"factual_consistency", optional_number(components.factual_consistency)},
                {"logical_coherence", optional_number(components.logical_coherence)}};
}

json result_json(const ValidationRecord& record) {
    const ConsensusOutcome& consensus = record.consensus;
    json votes = json::array();
    for (const ReplicaReport& replica : consensus.replicas) {
        bool replied = false;
        bool certificate_valid = false;
        for (const ClientReply& reply : consensus.replies) {
            if (reply.validator != replica.id) continue;
            replied = true;
            certificate_valid = reply.certificate_valid;
        }
        votes.push_back({{"validator", replica.id},
                         {"fault", fault_kind_name(replica.fault)},
                         {"vote", replica.has_request ? (replica.evaluation.approve ? "approve" : "reject") : "none"},
                         {"score", replica.evaluation.score},
                         {"confidence", replica.evaluation.confidence},
                         {"cast", decision_name(replica.cast)},
                         {"committed", decision_name(replica.committed)},
                         {"committed_view", replica.committed_view == kNoView ? json(nullptr) : json(replica.committed_view)},
                         {"replied", replied},
                         {"certificate_valid", certificate_valid}});
    }
    json evidence = json::parse(record.evidence_json, nullptr, false);
    return json{{"validation_id", record.id},
                {"hook", record.hook},
                {"agent", record.agent},
                {"decision", decision_name(consensus.decision)},
                {"certified", consensus.certified},
                {"timed_out", consensus.timed_out},
                {"score", record.score.score},
                {"confidence", record.score.confidence},
                {"threshold", record.vote.threshold},
                {"mode", mode_name(record.evidence.mode)},
                {"hook_vote", record.vote.approve ? "approve" : "reject"},
                {"hook_forged", record.hook_forged},
                {"components", components_json(record.score.components)},
                {"files", evidence.is_discarded() ? json::array() : evidence["files"]},
                {"rollout", {{"user", record.rollout.key}, {"bucket", record.rollout.bucket},
                             {"percent", record.rollout.percent}}},
                {"consensus", {{"validators", record.consensus_config.validators},
                               {"faulty_tolerance", record.consensus_config.faulty_tolerance},
                               {"quorum", consensus.quorum},
                               {"view", consensus.view},
                               {"accepted_by", consensus.certified ? json(client_acceptance_name(consensus.accepted_by))
                                                                   : json(nullptr)},
                               {"matching_replies", consensus.matching_replies},
                               {"votes", votes}}}};
}

json performance_json(const ValidationRecord& record) {
    const ConsensusOutcome& consensus = record.consensus;
    json validators = json::array();
    for (const ReplicaReport& replica : consensus.replicas) {
        json rejected = json::object();
        for (const auto& [verdict, count] : replica.verdicts) {
            if (verdict != Verdict::Accepted) rejected[verdict_name(verdict)] = count;
        }
        validators.push_back({{"validator", replica.id},
                              {"request_us", replica.request_us},
                              {"evaluated_us", replica.evaluated_us},
                              {"votes_seen", replica.votes_seen},
                              {"pre_prepare_us", replica.pre_prepare_us},
                              {"prepared_us", replica.prepared_us},
                              {"committed_us", replica.committed_us},
                              {"view_changes", replica.view_changes},
                              {"final_view", replica.final_view},
                              {"messages_sent", replica.messages_sent},
                              {"messages_received", replica.messages_received},
                              {"invalid_proposals", replica.invalid_proposals},
                              {"not_accepted", rejected}});
    }
    return json{{"validation_id", record.id},
                {"checks_ms", record.checks_ms},
                {"score_ms", record.score_ms},
                {"consensus_decision_ms", consensus.decision_ms},
                {"consensus_round_ms", consensus.round_ms},
                {"messages", consensus.messages},
                {"bytes", consensus.bytes},
                {"client_rejected", consensus.client_rejected},
                {"validators", validators}};
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

Evaluation evaluate_evidence_bytes(std::string_view evidence_json) {
    auto evidence = evidence_from_json(evidence_json);
    if (!evidence) return Evaluation{false, 0.0, 0.0};  // unreadable evidence never approves
    const Vote vote = evaluate_evidence(*evidence);
    return Evaluation{vote.approve, vote.score, vote.confidence};
}

void forge_evidence(Evidence& evidence) {
    for (FileEvidence& file : evidence.files) {
        for (CheckOutcome& check : file.checks) {
            check.passed = true;
            check.issues = 0;
            check.detail.clear();
        }
        if (file.command) {
            file.command->exit_status = 0;
            file.command->timed_out = false;
            file.command->warning_lines = 0;
            file.command->score = 1.0;
        }
        file.sha256_after = file.sha256;
    }
}

common::Result<ValidationRecord> run_completion_validation(MemoryStore& store, const std::vector<std::string>& files,
                                                           const ValidationOptions& options, std::int64_t now_ms,
                                                           int pid) {
    ValidationRecord record;
    record.id = std::to_string(now_ms) + "-" + std::to_string(pid);
    record.hook = options.hook;
    record.agent = options.agent;
    record.rollout = options.rollout;
    record.consensus_config = options.consensus;
    record.evidence.mode = options.mode;

    if (!options.agent.empty()) {
        AgentHistory history{options.agent, 0, 0};
        auto stored = store.get("agent/" + options.agent, kValidationPerformanceNamespace);
        if (!stored) return stored.error();
        if (*stored) {
            json value = json::parse((**stored).value, nullptr, false);
            if (value.is_object()) {
                history.validations = value.value("validations", 0);
                history.clean = value.value("clean", 0.0);
            }
        }
        record.evidence.agent = history;
    }

    const auto checks_started = std::chrono::steady_clock::now();
    for (const std::string& file : files) {
        auto checked = check_file(file, options.checks);
        if (!checked) return common::make_error("cannot check --file " + checked.error().message, checked.error().errno_value);
        record.evidence.files.push_back(std::move(*checked));
    }
    record.checks_ms = ms_since(checks_started);
    if (options.forge_hook_evidence) {
        forge_evidence(record.evidence);
        record.hook_forged = true;
    }

    const auto score_started = std::chrono::steady_clock::now();
    VALIDCORE_SCORE_START(static_cast<int>(files.size()));
    record.vote = evaluate_evidence(record.evidence, &record.score);
    record.credit = track_record_credit(record.evidence);
    record.evidence_json = evidence_to_json(record.evidence);
    VALIDCORE_SCORE_END(permille(record.score.score), permille(record.score.confidence), record.vote.approve ? 1 : 0);
    record.score_ms = ms_since(score_started);

    const ValidatorContext context{options.database_path, options.mode, options.checks};
    const Evaluator independent = [context](int, std::string_view request) {
        return evaluate_independently(context, request);
    };
    auto consensus = run_consensus(options.consensus, record.evidence_json, independent);
    if (!consensus) return consensus.error();
    record.consensus = std::move(*consensus);
    return record;
}

common::Result<int> write_validation_record(MemoryStore& store, const ValidationRecord& record, bool in_transaction,
                                            std::int64_t now) {
    std::optional<sqlite_handle::Transaction> transaction;
    if (!in_transaction) {
        auto begun = store.begin();
        if (!begun) return begun.error();
        transaction.emplace(std::move(*begun));
    }
    const json metadata{{"hook", record.hook},
                        {"decision", decision_name(record.consensus.decision)},
                        {"certified", record.consensus.certified}};
    int statements = 0;
    auto results = store.upsert(MemoryEntry{"validation/" + record.id, dump(result_json(record)),
                                            kValidationResultsNamespace, dump(metadata), std::nullopt},
                                now);
    if (!results) return results.error();
    ++statements;
    if (std::getenv(kKillDuringResultWriteVariable) != nullptr) ::raise(SIGKILL);
    auto performance = store.upsert(MemoryEntry{"validation/" + record.id, dump(performance_json(record)),
                                                kValidationPerformanceNamespace, dump(metadata), std::nullopt},
                                    now);
    if (!performance) return performance.error();
    ++statements;
    if (!record.agent.empty()) {
        if (auto agent = store.record_agent_outcome(record.agent, record.credit, now); !agent) return agent.error();
        ++statements;
    }
    if (transaction) {
        if (auto committed = transaction->commit(); !committed) {
            return common::make_error("cannot commit the validation result to " + store.path() + ": " +
                                      committed.error().message);
        }
    }
    return statements;
}

}  // namespace validprof::validation
