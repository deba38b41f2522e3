// validprof's subcommands. Each takes the arguments after its name and
// returns the process exit code: 0 success, 1 failure, 2 usage error.
#pragma once

#include <string>
#include <vector>

namespace validprof::cli {

int run_attach(const std::vector<std::string>& arguments);
int run_record(const std::vector<std::string>& arguments);
int run_sessions(const std::vector<std::string>& arguments);
int run_report(const std::vector<std::string>& arguments);
int run_flamegraph(const std::vector<std::string>& arguments);
int run_timeline(const std::vector<std::string>& arguments);
int run_explain(const std::vector<std::string>& arguments);
int run_rules(const std::vector<std::string>& arguments);
int run_diff(const std::vector<std::string>& arguments);
// Exit status 0/1/2 is its verdict, 3 and 4 its errors (check_command.cpp).
int run_check(const std::vector<std::string>& arguments);
// Exit status as check's: the worst verdict, 3 and 4 errors (assess_command.cpp).
int run_assess(const std::vector<std::string>& arguments);

// Dispatches argv to a subcommand.
int run_command_line(int argc, char** argv);

}  // namespace validprof::cli
