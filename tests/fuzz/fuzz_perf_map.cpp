// JIT perf maps (/tmp/perf-PID.map, written by the observed process, e.g.
// Node.js with --perf-basic-prof): PerfMap::parse, then lookups.
//
// Input: the map's text. Lookups at fixed addresses and at addresses read
// from the input's first bytes, so the fuzzer can aim at its own ranges.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_input.h"
#include "stacks/symbolizer.h"

using validprof::stacks::PerfMap;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    PerfMap map = PerfMap::parse(std::string(validprof::fuzz::as_text(data, size)));
    for (std::uint64_t address : {std::uint64_t{0}, std::uint64_t{0x7f0000001000}, ~std::uint64_t{0}}) map.find(address);
    for (std::size_t at = 0; at + sizeof(std::uint64_t) <= size && at < 64; at += sizeof(std::uint64_t)) {
        std::uint64_t address;
        std::memcpy(&address, data + at, sizeof(address));
        map.find(address);
    }
    return 0;
}
