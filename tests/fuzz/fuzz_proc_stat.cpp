// /proc/PID/stat lines: start_ticks_from_stat, which tells a live recorder
// from a reused pid. The command name (field 2) is whatever the process
// chose: spaces, parentheses, newlines.
//
// Input: the line.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "storage/recorder_identity.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    validprof::storage::start_ticks_from_stat(std::string(validprof::fuzz::as_text(data, size)));
    return 0;
}
