// validprof: a thin entry point over userspace/cli.
#include "cli/commands.h"

int main(int argc, char** argv) { return validprof::cli::run_command_line(argc, argv); }
