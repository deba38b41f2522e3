// validcore's JSON check of an edited file (check_json_syntax). The file is
// whatever the agent wrote; the check must give a verdict and never throw,
// and its verdict must be nlohmann's own acceptor's (json::accept), the
// independent answer to "is this well-formed JSON".
//
// Input: the file's text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "validation/checks/json_syntax.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = validprof::fuzz::as_text(data, size);
    const validprof::validation::CheckOutcome outcome = validprof::validation::check_json_syntax(text);
    if (outcome.passed != nlohmann::json::accept(text.begin(), text.end())) std::abort();
    if (!outcome.passed && outcome.detail.empty()) std::abort();
    return 0;
}
