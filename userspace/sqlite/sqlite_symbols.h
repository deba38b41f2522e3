// Where the SQLite API is in an ELF file: a shared libsqlite3, or a copy
// linked statically into an executable or a loadable module (Node's
// better_sqlite3.node). Found by symbol name in .symtab or .dynsym, so a
// stripped binary that still exports the API works; a file with no SQLite
// symbols yields nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace validprof::sqlite {

struct FunctionSite {
    std::uint32_t function = 0;   // enum vp_sqlite_function
    std::string name;             // e.g. "sqlite3_step"
    std::uint64_t file_offset = 0;
};

// The API functions validprof probes, in enum vp_sqlite_function order.
const std::vector<std::string>& probed_function_names();

// Empty unless the file has at least sqlite3_prepare_v2 and sqlite3_step.
std::vector<FunctionSite> find_sqlite_functions(const std::string& path);

}  // namespace validprof::sqlite
