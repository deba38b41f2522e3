// Claude Code's settings.json: rules_from_claude_settings, which turns each
// configured hook command into a hook rule. The file is the user's (or a
// project's), any JSON at all; every rule it yields must compile and find
// its own command in the `sh -c` argv Claude runs it with.
//
// Input: the file's text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "rules/claude_settings.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto rules = validprof::rules::rules_from_claude_settings(validprof::fuzz::as_text(data, size), "settings.json");
    if (!rules) return 0;
    for (const validprof::rules::Rule& rule : *rules)
        if (rule.name.empty() || rule.pattern.empty() || rule.pattern.size() > 1024) std::abort();
    return 0;
}
