#include "cli/option_parsing.h"

#include <cstdio>
#include <iostream>
#include <sstream>

#include "common/logging.h"
#include "text/text_layout.h"
#include "rules/claude_settings.h"

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

void add_rule_options(po::options_description& description, RuleSources& sources) {
    description.add_options()
        ("hook", po::value<std::vector<std::string>>(&sources.hooks)->composing()->value_name("NAME=REGEX"),
         "a hook rule: REGEX is searched in each exec's argv (joined with spaces) and path; repeatable")
        ("rules", po::value<std::string>(&sources.rules_file)->value_name("FILE"),
         "hook rule catalogue (lines NAME = REGEX); default: the shipped probes/hook-rules.conf")
        ("claude-settings",
         po::value<std::string>(&sources.claude_settings)->implicit_value("")->value_name("PATH"),
         "also a rule per hook command in Claude Code's settings, named after its event and matcher "
         "(default PATH: .claude/settings.json, else ~/.claude/settings.json)");
}

common::Result<rules::RuleSet> resolve_rules(const RuleSources& sources, const po::variables_map& values) {
    rules::RuleSet rules;
    if (values.count("claude-settings")) {
        std::string path = sources.claude_settings;
        if (path.empty()) {
            auto found = rules::default_claude_settings_path();
            if (!found)
                return common::make_error("--claude-settings: neither .claude/settings.json nor "
                                          "~/.claude/settings.json exists; give the path");
            path = *found;
        }
        auto derived = rules::load_claude_settings(path);
        if (!derived) return derived.error();
        for (rules::Rule& rule : *derived) rules.add(std::move(rule));
    }
    // Like --hook and --rules, Claude's settings replace the shipped catalogue.
    if (sources.hooks.empty() && sources.rules_file.empty() && !values.count("claude-settings"))
        return rules::RuleSet::default_rules();
    if (!sources.rules_file.empty()) {
        auto loaded = rules::RuleSet::load_file(sources.rules_file);
        if (!loaded) return loaded.error();
        for (const rules::Rule& rule : loaded->rules()) rules.add(rule);
    }
    for (const std::string& spec : sources.hooks) {
        auto rule = rules::RuleSet::parse_rule(spec);
        if (!rule) return rule.error();
        rules.add(std::move(*rule));
    }
    return rules;
}

// Messages quote what the user gave (paths, rules, file contents): one
// line of printable text whatever those hold, so an error can neither break
// into several lines nor drive the terminal.
namespace {

// The option's value as a number, whatever its declared type.
std::optional<double> numeric_value(const boost::any& value) {
    if (const auto* v = boost::any_cast<std::int64_t>(&value)) return static_cast<double>(*v);
    if (const auto* v = boost::any_cast<std::uint64_t>(&value)) return static_cast<double>(*v);
    if (const auto* v = boost::any_cast<std::uint32_t>(&value)) return static_cast<double>(*v);
    if (const auto* v = boost::any_cast<std::int32_t>(&value)) return static_cast<double>(*v);
    if (const auto* v = boost::any_cast<double>(&value)) return *v;
    return std::nullopt;
}

std::string number_text(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}

}  // namespace

bool check_ranges(const std::string& command, const po::variables_map& values,
                  const std::vector<NumericRange>& ranges) {
    for (const NumericRange& range : ranges) {
        if (!values.count(range.option)) continue;
        std::optional<double> value = numeric_value(values[range.option].value());
        if (!value) continue;
        // Written so that NaN fails too.
        if (*value >= range.low && *value <= range.high) continue;
        print_error(command, "--" + range.option + " must be from " + number_text(range.low) + " to " +
                                 number_text(range.high) + " (got " + number_text(*value) + ")");
        return false;
    }
    return true;
}

void print_error(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "validprof %s: %s\n", command.c_str(), text::sanitize(message).c_str());
}

}  // namespace validprof::cli
