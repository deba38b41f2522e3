// Alert-threshold files (`validprof check --thresholds FILE`): the strict
// YAML subset reader and the threshold file on top of it. A file is the
// user's; whatever it holds, the answer is thresholds or one error line.
//
// Input: the file's text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_input.h"
#include "thresholds/threshold_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = validprof::thresholds::parse_threshold_file(std::string(validprof::fuzz::as_text(data, size)));
    if (!parsed && parsed.error().message.find('\n') != std::string::npos) std::abort();
    return 0;
}
