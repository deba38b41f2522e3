// One hook invocation from start to end: validate the input, open the memory
// database, write the hook's rows, run completion validation when the
// rollout admits it, write the result. The validcore CLI is a thin parser
// over this; tests and the benchmark call it (or the binary) directly.
//
// Order of work:
//   autocommit (default): schema -> hook rows, each statement its own commit
//                         -> [validation -> result rows in one transaction]
//   --batched:            schema -> [validation] -> one transaction holding
//                         the hook rows and the result rows
// (validation runs before the batched transaction so the write lock is not
// held through checks and consensus). A hook the rollout admits warms
// libcrypto up on a thread while the database opens and its rows are
// written. --batched also opens the database to sync once, at its commit
// (memory_store.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "validation/hooks/completion_validation.h"
#include "validation/hooks/hook_rows.h"

namespace validprof::validation {

struct HookRequest {
    HookInput input;
    std::string database_path = ".swarm/memory.db";  // relative to the working directory
    bool batched = false;
    int rollout_percent = 0;  // 0..100
    std::string user;         // for the rollout hash
    Mode mode = Mode::Moderate;
    FileCheckOptions checks;
    ConsensusConfig consensus;
    bool fail_on_reject = false;
    bool forge_hook_evidence = false;  // --fault hook:forge-evidence
    // Called once the database is open, before the hook writes anything:
    // tests attach SQLite's own trace and commit hooks here to count
    // statements and commits independently of the code under test.
    std::function<void(MemoryStore&)> on_store_open;
};

// Exit statuses besides 0 and the error exit (1).
inline constexpr int kExitBlocked = 2;  // Claude Code's "blocking error" status: the tool call is refused

struct HookOutcome {
    int exit_status = 0;
    std::vector<std::string> lines;            // for stdout
    std::optional<ValidationRecord> validation;
    int statements = 0;                        // hook rows + result rows
};

// Input errors (missing --file, n < 3f+1, unwritable database, ...) come back
// as an Error with a one-line message.
common::Result<HookOutcome> run_hook(const HookRequest& request);

// The checks that need no database: files readable, consensus configuration
// valid. run_hook() does them first; exposed for the CLI's tests.
common::Result<void> validate_hook_request(const HookRequest& request);

}  // namespace validprof::validation
