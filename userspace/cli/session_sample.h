// What `validprof diff`, `check` and `assess` read of a session: its
// invocations, USDT phases and, when recorded, SQLite activity.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "compare/session_comparison.h"
#include "storage/profile_database.h"

namespace validprof::cli {

common::Result<compare::SessionSample> load_session_sample(storage::ProfileDatabase& database,
                                                           std::int64_t session_id);

}  // namespace validprof::cli
