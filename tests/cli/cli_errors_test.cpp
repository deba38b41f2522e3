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

// A failed export must leave an existing -o file as it was (the output is
// written to a temporary file and renamed over it only when complete).
TEST(CliErrors, FailedExportKeepsTheExistingOutputFile) {
    TempDir dir;
    {
        auto database = storage::ProfileDatabase::open(dir.file("profile.db"), storage::OpenMode::ReadWrite);
        ASSERT_TRUE(database.ok()) << database.error().message;
        model::SessionInfo info;
        info.command = "record";
        auto session = (*database)->begin_session(info);
        ASSERT_TRUE(session.ok());
        model::StackProfile profile;
        profile.settings.frequency_hz = 99;
        model::StackSample sample;
        sample.pid = 1;
        sample.count = 3;
        sample.weight_ns = 3 * 10'101'010;
        sample.frames = {{"main", "app"}, {"work", "app"}};
        profile.samples.push_back(sample);
        ASSERT_TRUE((*database)->store_stack_profile(*session, profile).ok());
        ASSERT_TRUE((*database)->finish_session(*session, {}).ok());
    }
    std::string output = dir.file("graph.svg");
    std::ofstream(output) << "the previous graph";
    // pprof has no differential form: the export fails after opening -o.
    CommandResult failed = run_command({validprof_binary(), "flamegraph", "--db", dir.file("profile.db"), "--diff", "1",
                                        "--format", "pprof", "-o", output});
    EXPECT_NE(failed.exit_code, 0) << failed.output;
    std::ifstream kept(output);
    std::string content((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, "the previous graph");
    for (const auto& entry : fs::directory_iterator(dir.path()))
        EXPECT_EQ(entry.path().filename().string().find("graph.svg."), std::string::npos)
            << "a temporary file was left behind: " << entry.path();

    CommandResult written = run_command(
        {validprof_binary(), "flamegraph", "--db", dir.file("profile.db"), "--format", "folded", "-o", output});
    ASSERT_EQ(written.exit_code, 0) << written.output;
    std::ifstream replaced(output);
    std::string folded((std::istreambuf_iterator<char>(replaced)), std::istreambuf_iterator<char>());
    EXPECT_NE(folded.find("main;work 3"), std::string::npos) << folded;
}

}  // namespace
}  // namespace validprof::testing
