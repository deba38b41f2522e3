// ELF symbol tables (.symtab, .dynsym) searched for the SQLite API in every
// file a process maps executable: find_sqlite_functions, which also reads
// the program headers to turn symbol addresses into file offsets.
//
// Input: the ELF file (in memory, opened through /proc/self/fd).
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "sqlite/sqlite_symbols.h"

using validprof::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    validprof::fuzz::InputFile file(data, size);
    auto sites = validprof::sqlite::find_sqlite_functions(file.path());
    for (const auto& site : sites)
        require(site.function < validprof::sqlite::probed_function_names().size(), "a site names a probed function");
    return 0;
}
