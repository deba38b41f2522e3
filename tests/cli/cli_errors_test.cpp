// End-to-end: what a user sees when something is wrong. Every failure is a
// one-line reason with a non-zero exit; usage mistakes exit 2.
#include <gtest/gtest.h>

#include "cli_test_support.h"

namespace validprof::testing {
namespace {

std::size_t count_lines(const std::string& text) {
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n';
    return lines;
}

TEST(CliErrors, UnknownCommandPrintsUsageAndExits2) {
    CommandResult result = run_command({validprof_binary(), "frobnicate"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.output.find("unknown command 'frobnicate'"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("usage: validprof"), std::string::npos);
}

TEST(CliErrors, NoCommandPrintsUsageAndExits2) {
    CommandResult result = run_command({validprof_binary()});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.output.find("usage: validprof"), std::string::npos);
}

TEST(CliErrors, UnknownOptionPrintsUsageAndExits2) {
    for (const char* command : {"attach", "record", "sessions", "report"}) {
        CommandResult result = run_command({validprof_binary(), command, "--no-such-option"});
        EXPECT_EQ(result.exit_code, 2) << command;
        EXPECT_NE(result.output.find("no-such-option"), std::string::npos) << result.output;
        EXPECT_NE(result.output.find("usage: validprof " + std::string(command)), std::string::npos) << result.output;
    }
}

TEST(CliErrors, EveryCommandHasHelpWithAnExample) {
    for (const char* command : {"attach", "record", "sessions", "report", "diff", "check", "assess"}) {
        CommandResult result = run_command({validprof_binary(), command, "--help"});
        EXPECT_EQ(result.exit_code, 0) << command;
        EXPECT_NE(result.output.find("example:"), std::string::npos) << command;
    }
}

TEST(CliErrors, GateCommandsExit3OnUsageErrors) {
    // check and assess exit 0/1/2 with their verdict, so a usage error must
    // not read as CRITICAL (docs/usage.md).
    for (const char* command : {"check", "assess"}) {
        CommandResult result = run_command({validprof_binary(), command, "--no-such-option"});
        EXPECT_EQ(result.exit_code, 3) << command;
        EXPECT_NE(result.output.find("usage: validprof " + std::string(command)), std::string::npos) << result.output;
    }
}

TEST(CliErrors, InvalidRegexNamesTheRule) {
    CommandResult result = run_command({validprof_binary(), "record", "--hook", "broken=hooks (", "--", "true"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.output.find("broken"), std::string::npos) << result.output;
    EXPECT_EQ(count_lines(result.output), 1u) << result.output;
}

TEST(CliErrors, RecordWithoutCommandIsAUsageError) {
    CommandResult result = run_command({validprof_binary(), "record"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.output.find("put it after --"), std::string::npos) << result.output;
}

TEST(CliErrors, UnreadableDatabaseNamesThePath) {
    CommandResult result = run_command({validprof_binary(), "report", "--db", "/nonexistent-dir/x/profile.db"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("/nonexistent-dir/x/profile.db"), std::string::npos) << result.output;
    EXPECT_EQ(count_lines(result.output), 1u) << result.output;
}

TEST(CliErrors, UnwritableDatabaseNamesThePath) {
    VALIDPROF_REQUIRE_BPF();  // otherwise the missing privilege is reported first
    CommandResult result =
        run_command({validprof_binary(), "record", "--db", "/nonexistent-dir/x/profile.db", "--", "true"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("/nonexistent-dir/x/profile.db"), std::string::npos) << result.output;
    EXPECT_EQ(count_lines(result.output), 1u) << result.output;
}

TEST(CliErrors, WithoutPrivilegesOneLineSaysWhatIsMissing) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to an unprivileged user with setpriv";
    if (run_command({"setpriv", "--version"}).exit_code != 0) GTEST_SKIP() << "setpriv (util-linux) is not installed";
    TempDir dir;
    CommandResult result =
        run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                     "--bounding-set=-all", validprof_binary(), "record", "--db", dir.file("p.db"), "--", "true"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("CAP_BPF"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("sudo"), std::string::npos) << result.output;
    EXPECT_EQ(count_lines(result.output), 1u) << result.output;
    EXPECT_FALSE(fs::exists(dir.file("p.db"))) << "nothing is created before the privilege check";
}

TEST(CliErrors, ReportOnEmptyDatabaseSaysHowToRecord) {
    TempDir dir;
    // `sessions` on a missing database must not create one.
    CommandResult sessions = run_command({validprof_binary(), "sessions", "--db", dir.file("none.db")});
    EXPECT_NE(sessions.exit_code, 0);
    EXPECT_FALSE(fs::exists(dir.file("none.db")));
}

}  // namespace
}  // namespace validprof::testing
