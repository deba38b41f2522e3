// Where the profile database is: --db, else $VALIDPROF_DB, else
// ./validprof.db.
#pragma once

#include <string>

namespace validprof::cli {

inline constexpr const char* kDefaultDatabasePath = "validprof.db";

std::string resolve_database_path(const std::string& from_option);

}  // namespace validprof::cli
