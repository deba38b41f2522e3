#include "cli/option_parsing.h"

#include <cstdio>
#include <iostream>

#include "common/logging.h"

namespace validprof::cli {

void add_common_options(po::options_description& description, CommonOptions& common) {
    description.add_options()
        ("db", po::value<std::string>(&common.database)->value_name("PATH"),
         "profile database (default: $VALIDPROF_DB, else ./validprof.db)")
        ("verbose,v", po::bool_switch(&common.verbose), "debug logging, libbpf's messages included")
        ("help,h", po::bool_switch(&common.help), "show this help");
}

std::optional<po::variables_map> parse_or_explain(const std::string& command,
                                                  const std::vector<std::string>& arguments,
                                                  const po::options_description& description,
                                                  const std::string& usage, CommonOptions& common,
                                                  const po::positional_options_description* positional) {
    po::variables_map values;
    try {
        po::command_line_parser parser(arguments);
        parser.options(description);
        if (positional) parser.positional(*positional);
        po::store(parser.run(), values);
        // --help wins over a missing required option (diff, check, assess
        // have some): notify would throw before the help flag is set.
        if (values.count("help") && values["help"].as<bool>()) {
            common.help = true;
            std::cout << usage << "\n" << description << "\n";
            return std::nullopt;
        }
        po::notify(values);
    } catch (const po::error& error) {
        print_error(command, error.what());
        std::cerr << usage << "\n" << description << "\n";
        return std::nullopt;
    }
    if (common.help) {
        std::cout << usage << "\n" << description << "\n";
        return std::nullopt;
    }
    common::init_logging(common.verbose);
    return values;
}

void add_rule_options(po::options_description& description, std::vector<std::string>& hooks,
                      std::string& rules_file) {
    description.add_options()
        ("hook", po::value<std::vector<std::string>>(&hooks)->composing()->value_name("NAME=REGEX"),
         "a hook rule: REGEX is searched in each exec's argv (joined with spaces) and path; repeatable")
        ("rules", po::value<std::string>(&rules_file)->value_name("FILE"),
         "hook rule catalogue (lines NAME = REGEX); default: the shipped probes/hook-rules.conf");
}

common::Result<rules::RuleSet> resolve_rules(const std::vector<std::string>& hooks, const std::string& rules_file) {
    if (hooks.empty() && rules_file.empty()) return rules::RuleSet::default_rules();
    rules::RuleSet rules;
    if (!rules_file.empty()) {
        auto loaded = rules::RuleSet::load_file(rules_file);
        if (!loaded) return loaded.error();
        rules = std::move(*loaded);
    }
    for (const std::string& spec : hooks) {
        auto rule = rules::RuleSet::parse_rule(spec);
        if (!rule) return rule.error();
        rules.add(std::move(*rule));
    }
    return rules;
}

void print_error(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "validprof %s: %s\n", command.c_str(), message.c_str());
}

}  // namespace validprof::cli
