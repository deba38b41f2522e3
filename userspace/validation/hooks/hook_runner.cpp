#include "validation/hooks/hook_runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "common/unique_fd.h"
#include "validation/checks/file_checks.h"
#include "validation/probes.h"

namespace validprof::validation {

namespace {

// A readable regular file: a FIFO (opened without waiting for a writer),
// a device or a directory is refused with one line.
common::Result<void> check_readable(const std::string& path, bool may_be_missing) {
    common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) {
        if (may_be_missing && errno == ENOENT) return common::success();
        return common::make_error("cannot read --file '" + path + "': " + std::strerror(errno), errno);
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) == 0 && S_ISDIR(info.st_mode)) {
        return common::make_error("cannot read --file '" + path + "': is a directory", EISDIR);
    }
    if (!S_ISREG(info.st_mode))
        return common::make_error("cannot read --file '" + path + "': not a regular file", EINVAL);
    if (static_cast<std::uint64_t>(info.st_size) > kMaxCheckedFileBytes)
        return common::make_error("cannot check --file '" + path + "': larger than " +
                                      std::to_string(kMaxCheckedFileBytes >> 20) + " MiB",
                                  EFBIG);
    return common::success();
}

// Pairs db_write_start/end around one batch of writes.
class DbWriteProbe {
public:
    explicit DbWriteProbe(const char* what) : what_(what) { VALIDCORE_DB_WRITE_START(what_); }
    DbWriteProbe(const DbWriteProbe&) = delete;
    DbWriteProbe& operator=(const DbWriteProbe&) = delete;
    ~DbWriteProbe() { VALIDCORE_DB_WRITE_END(what_, ok_ ? 1 : 0); }
    void succeeded() { ok_ = true; }

private:
    const char* what_;
    bool ok_ = false;
};

std::string format_ms(double ms) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.2f", ms);
    return buffer;
}

std::string format_fraction(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.3f", value);
    return buffer;
}

std::string validation_line(const ValidationRecord& record) {
    const ConsensusOutcome& consensus = record.consensus;
    std::string line = "validation " + record.id + ": " + decision_name(consensus.decision);
    if (consensus.timed_out) line += " (no certified decision: consensus timed out)";
    line += " hook score " + format_fraction(record.score.score) + " confidence " +
            format_fraction(record.score.confidence) + " (" + mode_name(record.evidence.mode) +
            " >= " + format_fraction(record.vote.threshold) + ")";
    if (consensus.certified) {
        line += ", certified by " +
                std::string(consensus.accepted_by == ClientAcceptance::CommitCertificate
                                ? "a commit certificate of " + std::to_string(consensus.quorum)
                                : std::to_string(consensus.matching_replies) + " matching replies") +
                " of " + std::to_string(record.consensus_config.validators) + " validators in view " +
                std::to_string(consensus.view) + ", consensus " + format_ms(consensus.decision_ms) + " ms";
    }
    return line;
}

// Runs warm_up_consensus_crypto() on its own thread for as long as it is
// in scope (joined at the end of the scope, whatever happens).
class CryptoWarmUp {
public:
    explicit CryptoWarmUp(bool wanted) {
        if (wanted) thread_ = std::thread(warm_up_consensus_crypto);
    }
    CryptoWarmUp(const CryptoWarmUp&) = delete;
    CryptoWarmUp& operator=(const CryptoWarmUp&) = delete;
    ~CryptoWarmUp() { wait(); }
    void wait() {
        if (thread_.joinable()) thread_.join();
    }

private:
    std::thread thread_;
};

common::Result<HookOutcome> run_hook_body(const HookRequest& request) {
    if (auto valid = validate_hook_request(request); !valid) return valid.error();
    const HookInput& input = request.input;
    HookOutcome outcome;

    // The rollout is a pure function of the user; deciding it before the
    // database opens lets a validating hook warm libcrypto up meanwhile.
    const bool validates = hook_validates(input.kind) && !input.files.empty();
    RolloutDecision rollout;
    if (validates) rollout = decide_rollout(request.user, kTruthValidationFlag, request.rollout_percent);
    CryptoWarmUp warm_up(validates && rollout.admitted);

    std::optional<MemoryStore> store;
    {
        DbWriteProbe probe("schema");
        // --batched: one transaction, made durable by exactly one sync of
        // the WAL at its commit (memory_store.h).
        auto opened = MemoryStore::open(request.database_path,
                                        request.batched ? CommitSync::AtCommit : CommitSync::AtCheckpoint);
        if (!opened) return opened.error();
        store.emplace(std::move(*opened));
        probe.succeeded();
    }
    if (request.on_store_open) request.on_store_open(*store);

    if (validates) {
        VALIDCORE_ROLLOUT_DECISION(request.user.c_str(), rollout.bucket, rollout.percent, rollout.admitted ? 1 : 0);
    }

    HookRowsSummary rows;
    if (!request.batched) {
        DbWriteProbe probe("hook-rows");
        auto written = write_hook_rows(*store, input);
        if (!written) return written.error();
        rows = std::move(*written);
        probe.succeeded();
    }

    if (validates && rollout.admitted) {
        ValidationOptions options;
        options.mode = request.mode;
        options.checks = request.checks;
        options.consensus = request.consensus;
        options.agent = input.agent;
        options.rollout = rollout;
        options.hook = hook_name(input.kind);
        options.database_path = request.database_path;
        options.forge_hook_evidence = request.forge_hook_evidence;
        warm_up.wait();
        auto record = run_completion_validation(*store, input.files, options, input.now_ms, input.pid);
        if (!record) return record.error();
        outcome.validation = std::move(*record);
    }

    const std::int64_t now = input.now_ms / 1000;
    if (request.batched) {
        DbWriteProbe probe("batch");
        auto transaction = store->begin();
        if (!transaction) return transaction.error();
        auto written = write_hook_rows(*store, input);
        if (!written) return written.error();
        rows = std::move(*written);
        if (outcome.validation) {
            auto result_rows = write_validation_record(*store, *outcome.validation, true, now);
            if (!result_rows) return result_rows.error();
            outcome.statements += *result_rows;
        }
        if (auto committed = transaction->commit(); !committed) {
            return common::make_error("cannot commit to " + request.database_path + ": " + committed.error().message);
        }
        probe.succeeded();
    } else if (outcome.validation) {
        DbWriteProbe probe("validation-result");
        auto result_rows = write_validation_record(*store, *outcome.validation, false, now);
        if (!result_rows) return result_rows.error();
        outcome.statements += *result_rows;
        probe.succeeded();
    }
    outcome.statements += rows.statements;

    outcome.lines.push_back(rows.line);
    if (rows.blocked) outcome.exit_status = kExitBlocked;
    if (outcome.validation) {
        outcome.lines.push_back(validation_line(*outcome.validation));
        if (request.fail_on_reject && outcome.validation->consensus.decision != Decision::Approve) {
            outcome.exit_status = kExitBlocked;
        }
    }
    return outcome;
}

}  // namespace

common::Result<void> validate_hook_request(const HookRequest& request) {
    const HookInput& input = request.input;
    if (input.kind == HookKind::PostEdit && input.files.empty()) {
        return common::make_error("post-edit needs --file FILE");
    }
    if (input.kind == HookKind::PreEdit && input.files.empty()) {
        return common::make_error("pre-edit needs --file FILE");
    }
    // pre-edit may name a file that the edit is about to create.
    const bool may_be_missing = input.kind == HookKind::PreEdit;
    for (const std::string& file : input.files) {
        if (auto readable = check_readable(file, may_be_missing); !readable) return readable;
    }
    if (request.rollout_percent < 0 || request.rollout_percent > 100) {
        return common::make_error("--rollout-percent must be between 0 and 100");
    }
    return validate_consensus_config(request.consensus);
}

common::Result<HookOutcome> run_hook(const HookRequest& request) {
    const char* name = hook_name(request.input.kind);
    VALIDCORE_HOOK_START(name);
    auto outcome = run_hook_body(request);
    VALIDCORE_HOOK_END(name, outcome ? outcome->exit_status : 1);
    return outcome;
}

}  // namespace validprof::validation
