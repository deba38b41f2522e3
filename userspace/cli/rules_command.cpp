// `validprof rules`: the hook rules that attach and record would use with
// the same options, in match order, one NAME=REGEX per line.
#include <iostream>

#include "cli/commands.h"
#include "cli/option_parsing.h"
#include "text/text_layout.h"

namespace validprof::cli {
namespace {

const char* const kRulesUsage =
    "usage: validprof rules [--hook NAME=REGEX]... [--rules FILE] [--claude-settings[=PATH]]\n"
    "\n"
    "Print the hook rules attach and record would use with these options, in\n"
    "the order they are tried (the first match names the invocation), one\n"
    "NAME=REGEX per line. Without options: the shipped catalogue.\n"
    "--claude-settings: a rule per hook command configured in Claude Code's\n"
    "settings, named after its event and matcher (PostToolUse[Write|Edit]).\n"
    "\n"
    "example:\n"
    "  validprof rules --claude-settings\n"
    "  validprof rules --claude-settings=.claude/settings.json\n";

}  // namespace

int run_rules(const std::vector<std::string>& arguments) {
    CommonOptions common;
    RuleSources sources;
    po::options_description description("rules options");
    add_rule_options(description, sources);
    add_common_options(description, common);
    auto values = parse_or_explain("rules", arguments, description, kRulesUsage, common);
    if (!values) return common.help ? 0 : 2;
    auto rules = resolve_rules(sources, *values);
    if (!rules) {
        print_error("rules", rules.error().message);
        return 2;
    }
    for (const rules::Rule& rule : rules->rules()) std::cout << text::sanitize(rule.name + "=" + rule.pattern) << "\n";
    return 0;
}

}  // namespace validprof::cli
