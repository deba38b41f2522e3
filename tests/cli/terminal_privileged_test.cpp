// End-to-end, privileged: what validprof draws on a terminal. `script`
// (util-linux, essential in Debian) runs record on a pseudo-terminal, as a
// user's shell would; the same command with stderr on a pipe must draw
// nothing.
#include <gtest/gtest.h>

#include "cli_test_support.h"

namespace validprof::testing {
namespace {

TEST(TerminalPrivileged, TheSlowStepsShowOnATerminalAndNowhereElse) {
    VALIDPROF_REQUIRE_BPF();
    if (!fs::exists("/usr/bin/script")) GTEST_SKIP() << "script(1) not installed (util-linux's bsdutils)";
    TempDir dir;
    const std::string record = shell_quoted(validprof_binary()) + " record --stacks --db " +
                               shell_quoted(dir.file("a.db")) + " -- " + shell_quoted(workload("vp_burn_sleep")) +
                               " 5 5";
    CommandResult on_terminal = run_command({"script", "-qfec", record, "/dev/null"});
    ASSERT_EQ(on_terminal.exit_code, 0) << on_terminal.output;
    for (const char* step : {"[validprof] loading the process and scheduler probes...",
                             "[validprof] loading the stack sampler...", "[validprof] symbolizing the stacks..."})
        EXPECT_NE(on_terminal.output.find(step), std::string::npos) << step << " missing from:\n" << on_terminal.output;
    // The line is erased before the summary, which starts on a clean line.
    EXPECT_NE(on_terminal.output.find("\r\033[Kvalidprof: session 1"), std::string::npos) << on_terminal.output;

    CommandResult on_pipe = run_command({"sh", "-c", record.substr(0, record.find(" --db ")) + " --db " +
                                                         shell_quoted(dir.file("b.db")) + " -- " +
                                                         shell_quoted(workload("vp_burn_sleep")) + " 5 5"});
    ASSERT_EQ(on_pipe.exit_code, 0) << on_pipe.output;
    EXPECT_EQ(on_pipe.output.find("[validprof]"), std::string::npos) << on_pipe.output;
    EXPECT_EQ(on_pipe.output.find('\033'), std::string::npos) << on_pipe.output;
}

}  // namespace
}  // namespace validprof::testing
