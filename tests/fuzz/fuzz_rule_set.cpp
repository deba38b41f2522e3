// Hook rules files (--rules, probes/hook-rules.conf) and --hook specs:
// RuleSet::parse, then matching as the tracer does for every exec.
//
// Input: the rules text, optionally followed by a NUL and a command line to
// match (a rules text with a NUL is refused, so the split is unambiguous).
// The command line is cut at the kernel's bound on argv (VP_ARGV_BYTES).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "rules/rule_set.h"

using validprof::fuzz::require;
using validprof::rules::RuleSet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = validprof::fuzz::as_text(data, size);
    std::string_view text = input.substr(0, input.find('\0'));
    std::string_view argv = text.size() < input.size() ? input.substr(text.size() + 1, 512) : std::string_view{};

    auto rules = RuleSet::parse(text, "fuzz.conf");
    if (!rules) {
        require(!rules.error().message.empty(), "a refused rules file has a message");
        require(rules.error().message.rfind("fuzz.conf:", 0) == 0, "the message names the file");
        return 0;
    }
    // What a session stores (describe) reads back as the same rules.
    std::string described = rules->describe();
    auto again = RuleSet::parse(described, "described");
    require(again.ok(), "describe() of parsed rules parses");
    require(again->describe() == described, "describe() round-trips");

    rules->match("node /home/user/.claude/hooks/post-edit.js --file src/app.ts", "/usr/bin/node");
    rules->match(argv, "/usr/local/bin/validcore");
    return 0;
}
