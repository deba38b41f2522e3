// What symbolization reads from an ELF file found by build-id: its
// build-id note (BuildIdIndex::add_file), its load segments and its
// function symbols (ModuleSymbols::load, then lookups by file offset and
// demangling).
//
// Input: the ELF file (in memory, opened through /proc/self/fd).
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "stacks/build_id_index.h"
#include "stacks/module_symbols.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    validprof::fuzz::InputFile file(data, size);
    validprof::stacks::BuildIdIndex index;
    index.add_file(file.path());
    auto symbols = validprof::stacks::ModuleSymbols::load(file.path());
    for (std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{0x40}, std::uint64_t{0x1000}, std::uint64_t{0x1040},
                                 ~std::uint64_t{0}})
        symbols.resolve(offset);
    return 0;
}
