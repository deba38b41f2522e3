// What each hook writes to memory_entries: the same rows and the same number
// of statements as the modelled hooks (hook-systems notes), so the database
// part of the workload has the right shape.
//
//   hook          statements                                      namespaces
//   pre-task      2 upserts                                       tasks, session
//   post-task     lookup + access update + 2 upserts              tasks, task-history
//   pre-edit      upsert + lookup (+ access update if found)      edits, file-history
//   post-edit     4 upserts per file: edit context, edit record,  coordination, edits,
//                 memory-key row, file history                    file-history
//   pre-command   2 upserts                                       commands, safety
//   post-command  upsert, lookup + access update + upsert of the  commands, performance,
//                 metrics summary (read-modify-write), 2 upserts, session, command-history
//                 expired-row clean-up: 7
//   session-end   3 listings (<= 1000 rows each), 3 upserts,      edits, commands, tasks,
//                 clean-up: 7                                     sessions, performance, session
//   notify        2 upserts                                       notifications, session
//
// Whether these run autocommit (the default, one implicit transaction and
// one WAL commit each) or inside the caller's transaction (--batched) is the
// caller's choice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "validation/hooks/hook_kind.h"
#include "validation/memory/memory_store.h"

namespace validprof::validation {

struct HookInput {
    HookKind kind = HookKind::Notify;
    std::vector<std::string> files;
    std::string memory_key;
    std::string description;
    std::string command;
    std::string message;
    std::string task_id;
    std::string session_id;
    std::string agent;
    std::optional<int> exit_code;  // post-command: the command's status
    bool validate_safety = false;  // pre-command --validate-safety
    std::int64_t now_ms = 0;       // unix milliseconds
    int pid = 0;
};

struct HookRowsSummary {
    int statements = 0;    // statements executed
    std::string line;      // one line for stdout
    std::string task_id;   // pre-task: the id it used (given or generated)
    bool blocked = false;  // pre-command refused the command as unsafe
};

common::Result<HookRowsSummary> write_hook_rows(MemoryStore& store, const HookInput& input);

// The patterns pre-command --validate-safety refuses (rm -rf /, mkfs, dd to a
// device, fork bombs, chmod -R 777 /, curl|sh).
bool command_is_dangerous(const std::string& command);

}  // namespace validprof::validation
