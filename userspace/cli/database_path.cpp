#include "cli/database_path.h"

#include <cstdlib>

namespace validprof::cli {

std::string resolve_database_path(const std::string& from_option) {
    if (!from_option.empty()) return from_option;
    if (const char* from_environment = std::getenv("VALIDPROF_DB"); from_environment && *from_environment)
        return from_environment;
    return kDefaultDatabasePath;
}

}  // namespace validprof::cli
