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

void add_rule_options(po::options_description& description, std::vector<std::string>& hooks,
                      std::string& rules_file);

// --rules FILE and each --hook NAME=REGEX, or the shipped catalogue when
// neither is given.
common::Result<rules::RuleSet> resolve_rules(const std::vector<std::string>& hooks, const std::string& rules_file);

// "validprof CMD: message" on stderr.
void print_error(const std::string& command, const std::string& message);

}  // namespace validprof::cli
