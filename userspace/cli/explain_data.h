// What `validprof explain` and `validprof flamegraph --kind critical` read
// of a session: invocations with their processes and threads, waits,
// traced system calls, and what --usdt, --sql and --stacks added.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "explain/explanation.h"
#include "storage/profile_database.h"

namespace validprof::cli {

common::Result<explain::SessionData> load_session_data(storage::ProfileDatabase& database, std::int64_t session_id,
                                                       const std::optional<std::string>& hook);

}  // namespace validprof::cli
