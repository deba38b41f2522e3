// validcore: the validation core as hook processes; a thin entry point over
// userspace/validcore/command_line.
#include "validcore/command_line.h"

int main(int argc, char** argv) { return validprof::validcore::run_command_line(argc, argv); }
