// Shared Boost.Program_options plumbing for the subcommands: the options
// every command has (--db, -v, --help), parsing that turns any mistake into
// "validprof CMD: <what>" plus the command's usage on stderr, and the
// rule options shared by attach and record.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "rules/rule_set.h"

namespace validprof::cli {

namespace po = boost::program_options;

struct CommonOptions {
    std::string database;
    bool verbose = false;
    bool help = false;
};

void add_common_options(po::options_description& description, CommonOptions& common);

// Parses; on an error prints it with the usage and returns nullopt (exit 2).
// With --help prints the usage to stdout and returns nullopt too: check
// common.help to tell the two apart.
std::optional<po::variables_map> parse_or_explain(const std::string& command,
                                                  const std::vector<std::string>& arguments,
                                                  const po::options_description& description,
                                                  const std::string& usage, CommonOptions& common,
                                                  const po::positional_options_description* positional = nullptr);

// Where the hook rules come from: --hook, --rules, --claude-settings.
struct RuleSources {
    std::vector<std::string> hooks;
    std::string rules_file;
    std::string claude_settings;  // "" with the option given: the default places
};

void add_rule_options(po::options_description& description, RuleSources& sources);

// The rules of Claude Code's settings (--claude-settings), then --rules
// FILE, then each --hook NAME=REGEX; the shipped catalogue when none of the
// three is given.
common::Result<rules::RuleSet> resolve_rules(const RuleSources& sources, const po::variables_map& values);

// A numeric option's valid values, inclusive. Checked after parsing, since
// Boost reads "-1" into an unsigned option as a huge number and accepts
// "nan" and "inf" for a double.
struct NumericRange {
    std::string option;  // without "--"
    double low;
    double high;
};

// True when every given option of `ranges` is a number within its range;
// otherwise prints "validprof CMD: --OPTION must be from LOW to HIGH (got V)".
bool check_ranges(const std::string& command, const po::variables_map& values,
                  const std::vector<NumericRange>& ranges);

// Session and invocation ids: SQLite rowids, positive.
inline constexpr double kMaxRowId = 9.2e18;

// "validprof CMD: message" on stderr.
void print_error(const std::string& command, const std::string& message);

}  // namespace validprof::cli
