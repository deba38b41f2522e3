// ELF USDT notes (.note.stapsdt) of the executables a session inspects:
// read_usdt_probes, pair_phases and read_usdt_sites (which also reads the
// program headers to turn each probe's address into a file offset). The
// files are whatever the observed processes exec.
//
// Input: the ELF file (in memory, opened through /proc/self/fd).
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "phases/usdt_phases.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    validprof::fuzz::InputFile file(data, size);
    validprof::phases::pair_phases(validprof::phases::read_usdt_probes(file.path()));
    validprof::phases::read_usdt_sites(file.path());
    return 0;
}
