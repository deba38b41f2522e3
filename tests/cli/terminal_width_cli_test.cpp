// The text outputs fitted to the terminal, as a user at an 80-column (and a
// 200-column) terminal sees them, with hostile command lines stored in the
// session: no line wider than the screen, no control byte reaching it,
// --wide cutting nothing, colour on a terminal only and never with NO_COLOR.
// A real pseudo-terminal comes from script(1) (util-linux).
#include <gtest/gtest.h>

#include "cli_test_support.h"
#include "text/text_layout.h"

namespace validprof::testing {
namespace {

const std::string kHostileArgv = "python3 -c 'print(1)' \x1b[2J\nnext\xc2\x9b" "31m\xff " + std::string(300, 'x') + " END";
const std::string kLongTarget = "./hooks/run-everything.sh --with-a-very-long-option-list " + std::string(120, 'y');

// A session whose names are as hostile and as long as real ones can be.
std::string hostile_database(const TempDir& dir) {
    const std::string path = dir.file("wide.db");
    auto database = storage::ProfileDatabase::open(path, storage::OpenMode::ReadWrite);
    EXPECT_TRUE(database.ok());
    model::SessionInfo info;
    info.command = "record";
    info.target = kLongTarget;
    info.start_unix_ns = 1'700'000'000LL * 1'000'000'000LL;
    auto session = (*database)->begin_session(info);
    std::vector<model::Invocation> invocations;
    std::uint64_t start = 1'000'000'000;
    for (int i = 0; i < 3; ++i) {
        model::Invocation invocation;
        invocation.hook = "post-edit\x1b]0;pwned\x07";
        invocation.root_pid = 4000 + i;
        invocation.start_ns = start;
        invocation.root_end_ns = invocation.last_end_ns = start + 50'000'000;
        invocation.complete = true;
        invocation.exit_code = i == 0 ? 256 : 0;
        invocation.times.on_cpu_ns = 20'000'000;
        invocation.times.on_cpu_ns_per_cpu[1] = 20'000'000;
        for (int p = 0; p < 2; ++p) {
            model::ProcessRecord process;
            process.pid = invocation.root_pid + 100 * p;
            process.ppid = p ? invocation.root_pid : 1;
            process.exe = "/usr/bin/python3";
            process.argv = kHostileArgv;
            process.comm = "python3";
            process.start_ns = start;
            process.end_ns = start + 50'000'000;
            process.exited = true;
            process.times = invocation.times;
            for (int t = 0; t < 2; ++t) {
                model::ThreadRecord thread;
                thread.tid = process.pid + t;
                thread.start_ns = start;
                thread.end_ns = start + 50'000'000;
                thread.exited = true;
                thread.times.on_cpu_ns = 10'000'000;
                process.thread_records.push_back(thread);
            }
            process.threads = 2;
            invocation.processes.push_back(process);
        }
        invocations.push_back(invocation);
        start += 100'000'000;
    }
    EXPECT_TRUE((*database)->store_invocations(*session, invocations).ok());
    model::SqliteActivity activity;
    model::StatementExecution statement;
    statement.pid = statement.tid = 4000;
    statement.sql = "INSERT INTO memory_entries (key, value, namespace, metadata, created_at, updated_at, "
                    "access_count, last_accessed) VALUES ('k\x1b[2J', 'v', 'ns', '{}', 1, 2, 3, 4)";
    statement.database = "/home/someone/projects/a-rather-long-project-name/.swarm/memory.db";
    statement.start_ns = 1'000'000'001;
    statement.end_ns = 1'000'200'000;
    statement.result_code = model::kSqliteDone;
    activity.statements.push_back(statement);
    EXPECT_TRUE((*database)->store_sqlite_activity(*session, activity).ok());
    model::SessionEnd end;
    end.end_unix_ns = info.start_unix_ns + 2'000'000'000;
    end.lost_events["ringbuf_full_exec"] = 7;
    EXPECT_TRUE((*database)->finish_session(*session, end).ok());
    return path;
}

// Why a line is not fit for a `width`-column terminal, or "".
std::string problem_with(const std::string& output, std::size_t width) {
    std::size_t start = 0;
    while (start < output.size()) {
        std::size_t end = output.find('\n', start);
        if (end == std::string::npos) end = output.size();
        const std::string line = output.substr(start, end - start);
        if (text::display_width(line) > width)
            return std::to_string(text::display_width(line)) + " columns: " + line;
        for (char c : line)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "control byte in: " + line;
        if (line.find("\xc2\x9b") != std::string::npos) return "C1 control in: " + line;
        start = end + 1;
    }
    return "";
}

const std::vector<std::vector<std::string>> kTextCommands = {
    {"report"}, {"report", "--sql"}, {"sessions"}, {"explain"}};

TEST(TerminalWidthCli, EveryTextCommandFitsEightyAndTwoHundredColumns) {
    TempDir dir;
    const std::string db = hostile_database(dir);
    for (const std::size_t width : {80u, 200u}) {
        for (std::vector<std::string> command : kTextCommands) {
            const std::string name = command[0] + (command.size() > 1 ? " " + command[1] : "");
            command.insert(command.begin(), validprof_binary());
            command.insert(command.end(), {"--db", db});
            CommandResult result = run_command(command, {{"COLUMNS", std::to_string(width)}});
            ASSERT_EQ(result.exit_code, 0) << name << "\n" << result.output;
            EXPECT_EQ(problem_with(result.output, width), "") << name << " at " << width;
            EXPECT_EQ(result.output.find('\033'), std::string::npos) << name << ": colour on a pipe";
        }
    }
    // Cut, not lost: at 80 columns the command line ends in an ellipsis.
    CommandResult narrow = run_command({validprof_binary(), "report", "--db", db}, {{"COLUMNS", "80"}});
    EXPECT_NE(narrow.output.find("  python3 -c 'pri…  "), std::string::npos) << narrow.output;
    EXPECT_EQ(narrow.output.find(" END"), std::string::npos);
}

TEST(TerminalWidthCli, WideCutsNothing) {
    TempDir dir;
    const std::string db = hostile_database(dir);
    CommandResult wide = run_command({validprof_binary(), "report", "--wide", "--db", db}, {{"COLUMNS", "80"}});
    ASSERT_EQ(wide.exit_code, 0) << wide.output;
    EXPECT_NE(wide.output.find(text::sanitize(kHostileArgv)), std::string::npos) << wide.output;
    EXPECT_EQ(problem_with(wide.output, 100000), "");
    CommandResult sessions = run_command({validprof_binary(), "sessions", "--wide", "--db", db}, {{"COLUMNS", "80"}});
    EXPECT_NE(sessions.output.find(kLongTarget), std::string::npos) << sessions.output;
}

// Through script(1): stdout is a terminal of 80 columns (TIOCGWINSZ, no
// $COLUMNS), so the width and the colour come from the terminal itself.
TEST(TerminalWidthCli, OnARealTerminalColourUnlessNoColor) {
    if (!fs::exists("/usr/bin/script")) GTEST_SKIP() << "script(1) not installed (util-linux's bsdutils)";
    TempDir dir;
    const std::string db = hostile_database(dir);
    const std::string report = "stty cols 80 rows 40; unset COLUMNS; " + shell_quoted(validprof_binary()) +
                               " report --db " + shell_quoted(db);
    auto on_terminal = [&](const std::map<std::string, std::string>& environment) {
        CommandResult result = run_command({"script", "-qfec", report, "/dev/null"}, environment);
        // The terminal turns "\n" into "\r\n"; the escape codes take no columns.
        std::string plain;
        for (std::size_t i = 0; i < result.output.size(); ++i) {
            if (result.output[i] == '\r') continue;
            if (result.output[i] == '\033') {
                i = result.output.find('m', i);
                continue;
            }
            plain += result.output[i];
        }
        return std::make_pair(result, plain);
    };
    auto [coloured, plain] = on_terminal({{"TERM", "xterm"}});
    ASSERT_EQ(coloured.exit_code, 0) << coloured.output;
    EXPECT_EQ(problem_with(plain, 80), "");
    EXPECT_NE(coloured.output.find("\033[31m  lost events: 7\033[0m"), std::string::npos) << coloured.output;
    EXPECT_NE(coloured.output.find("\033[1m#1  "), std::string::npos) << coloured.output;

    auto [uncoloured, unused] = on_terminal({{"TERM", "xterm"}, {"NO_COLOR", "1"}});
    EXPECT_EQ(uncoloured.output.find('\033'), std::string::npos) << uncoloured.output;
}

}  // namespace
}  // namespace validprof::testing
