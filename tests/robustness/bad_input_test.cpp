// The bad-input suite: what a hostile but realistic user gives validprof —
// option values out of range, files of every kind where a database or a
// rules file belongs, hostile names, an output that cannot be written.
// Every case expects its exit status (2: a usage mistake, 1: a failure) and
// one line that says what is wrong, printable, and checks that nothing was
// lost or created on the way.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../cli/cli_test_support.h"
#include "storage/profile_database.h"

namespace validprof::testing {
namespace {

// Files of every kind, made once per test.
class Fixture {
public:
    Fixture() {
        make_database(good(), "record", "hook-a --flag");
        make_database(dir_.file("hostile.db"), "record", std::string("printf '\x1b[2J' \xff\xfe;\nrm -rf /"));
        std::ofstream(dir_.file("empty.db")).close();
        std::ofstream(dir_.file("text.db")) << "not a database\n";
        run_sqlite(dir_.file("foreign.db"), "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
        run_sqlite(dir_.file("future.db"), "CREATE TABLE t(x); PRAGMA user_version = 999;");
        truncate_copy(good(), dir_.file("truncated.db"), 1000);
        ::mkdir(dir_.file("directory").c_str(), 0700);
        ::mkfifo(dir_.file("fifo").c_str(), 0600);
        ::symlink(good().c_str(), dir_.file("link.db").c_str());
        std::ofstream(dir_.file("random.rules"), std::ios::binary) << std::string("a=b\n\x00\x1b[2J\xff", 9);
        std::ofstream(dir_.file("bom.rules"), std::ios::binary) << "\xEF\xBB\xBFok = fine\nbroken\n";
        std::ofstream(dir_.file("control.rules"), std::ios::binary) << "evil\x1b[2J\x07 stuff\n";
        std::ofstream(dir_.file("long.rules")) << "long=" << std::string(100 * 1024, 'a') << "\n";
        std::ofstream(dir_.file("claude-bad.json")) << "{\"hooks\": {\"Stop\": [ {";
        std::ofstream(dir_.file("claude.json"))
            << R"({"hooks": {"PostToolUse": [{"matcher": "Write|Edit", "hooks": [{"type": "command", )"
            << R"("command": "npx claude-flow hooks post-edit"}]}]}})";
    }

    std::string good() const { return dir_.file("good.db"); }
    std::string file(const std::string& name) const { return dir_.file(name); }

private:
    static void make_database(const std::string& path, const std::string& command, const std::string& target) {
        auto database = storage::ProfileDatabase::open(path, storage::OpenMode::ReadWrite);
        ASSERT_TRUE(database) << database.error().message;
        model::SessionInfo info;
        info.command = command;
        info.target = target;
        info.host = "host";
        info.kernel_release = "6.18";
        info.start_unix_ns = 1'700'000'000'000'000'000;
        auto session = (*database)->begin_session(info);
        ASSERT_TRUE(session);
        model::Invocation invocation;
        invocation.hook = "hook-a";
        invocation.root_pid = 10;
        invocation.start_ns = 1'000;
        invocation.root_end_ns = 2'000'000;
        invocation.last_end_ns = 2'000'000;
        invocation.complete = true;
        model::ProcessRecord process;
        process.pid = 10;
        process.comm = "hook-a";
        process.start_ns = 1'000;
        process.end_ns = 2'000'000;
        process.exited = true;
        invocation.processes.push_back(process);
        ASSERT_TRUE((*database)->store_invocations(*session, {invocation}));
        model::SessionEnd end;
        end.end_unix_ns = info.start_unix_ns + 5'000'000'000;
        ASSERT_TRUE((*database)->finish_session(*session, end));
    }
    static void run_sqlite(const std::string& path, const std::string& sql) {
        CommandResult made = run_command({"sqlite3", path, sql});
        ASSERT_EQ(made.exit_code, 0) << "sqlite3 shell: " << made.output;
    }
    static void truncate_copy(const std::string& from, const std::string& to, std::size_t bytes) {
        std::ifstream in(from, std::ios::binary);
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(to, std::ios::binary) << content.substr(0, bytes);
    }

    TempDir dir_;
};

struct Case {
    std::string name;
    // Built from the fixture's files.
    std::function<std::vector<std::string>(const Fixture&)> arguments;
    int exit_code;
    std::string message;  // found in the one line of output
    bool needs_root = false;  // record/attach reach their checks only with the privileges
};

// How gtest and ctest name a case.
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

std::size_t count_lines(const std::string& text) {
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n';
    return lines;
}

bool printable_line(const std::string& text) {
    for (unsigned char c : text)
        if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
    return true;
}

using Args = std::vector<std::string>;

std::vector<Case> cases() {
    std::vector<Case> all;
    // Databases of every kind, for every command that reads one.
    struct Kind {
        std::string name;
        std::string file;  // in the fixture; "/" prefix: an absolute path
        std::string message;
    };
    const std::vector<Kind> kinds = {
        {"Directory", "directory", "Is a directory"},
        {"Fifo", "fifo", "not a regular file"},
        {"DevNull", "/dev/null", "not a regular file"},
        {"Empty", "empty.db", "it is empty"},
        {"Text", "text.db", "is not a validprof profile database"},
        {"Foreign", "foreign.db", "is a SQLite database but not a validprof profile database"},
        {"FutureSchema", "future.db", "upgrade validprof"},
        {"Truncated", "truncated.db", "cannot"},
        {"Missing", "missing.db", "No such file or directory"},
    };
    for (const std::string command : {"sessions", "report", "explain", "flamegraph"}) {
        for (const Kind& kind : kinds) {
            all.push_back({command + "Db" + kind.name,
                           [command, kind](const Fixture& f) {
                               return Args{command, "--db", kind.file[0] == '/' ? kind.file : f.file(kind.file)};
                           },
                           1, kind.message});
        }
    }
    auto on_good = [](Args args) {
        return [args](const Fixture& f) {
            Args with = args;
            with.push_back("--db");
            with.push_back(f.good());
            return with;
        };
    };
    // Numbers out of range, each a usage mistake.
    all.push_back({"ReportSessionZero", on_good({"report", "--session", "0"}), 2, "--session must be from 1"});
    all.push_back({"ReportSessionNegative", on_good({"report", "--session", "-3"}), 2, "--session must be from 1"});
    all.push_back({"ReportSessionNotANumber", on_good({"report", "--session", "abc"}), 2, "invalid"});
    all.push_back({"ReportTopNegative", on_good({"report", "--sql", "--top", "-1"}), 2, "--top must be from 1"});
    all.push_back({"ReportTopZero", on_good({"report", "--sql", "--top", "0"}), 2, "--top must be from 1"});
    all.push_back({"ExplainTopZero", on_good({"explain", "--top", "0"}), 2, "--top must be from 1"});
    all.push_back({"ExplainBaselineNegative", on_good({"explain", "--baseline", "-1"}), 2, "--baseline must be"});
    all.push_back({"FlamegraphInvocationZero", on_good({"flamegraph", "--invocation", "0"}), 2,
                   "--invocation must be from 1"});
    all.push_back({"FlamegraphDiffNegative", on_good({"flamegraph", "--diff", "-2"}), 2, "--diff must be from 1"});
    all.push_back({"RecordFreqZero", [](const Fixture&) { return Args{"record", "--freq", "0", "--", "true"}; }, 2,
                   "--freq must be from 1"});
    all.push_back({"RecordFreqNegative", [](const Fixture&) { return Args{"record", "--freq", "-5", "--", "true"}; },
                   2, "--freq must be from 1"});
    all.push_back({"RecordOffcpuNegative",
                   [](const Fixture&) { return Args{"record", "--offcpu-min-us", "-1", "--", "true"}; }, 2,
                   "--offcpu-min-us must be from 0"});
    all.push_back({"RecordDrainNegative",
                   [](const Fixture&) { return Args{"record", "--drain-timeout", "-1", "--", "true"}; }, 2,
                   "--drain-timeout must be from 0"});
    all.push_back({"RecordDrainNan",
                   [](const Fixture&) { return Args{"record", "--drain-timeout", "nan", "--", "true"}; }, 2,
                   "--drain-timeout must be from 0"});
    all.push_back({"AttachDurationZero", [](const Fixture&) { return Args{"attach", "--duration", "0"}; }, 2,
                   "--duration must be"});
    all.push_back({"AttachDurationNan", [](const Fixture&) { return Args{"attach", "--duration", "nan"}; }, 2,
                   "--duration must be"});
    all.push_back({"AttachDurationInfinite", [](const Fixture&) { return Args{"attach", "--duration", "inf"}; }, 2,
                   "--duration must be"});
    all.push_back({"AttachFreqHuge", [](const Fixture&) { return Args{"attach", "--freq", "4294967295"}; }, 2,
                   "--freq must be from 1"});
    // Selections that match nothing.
    all.push_back({"ReportNoSuchSession", on_good({"report", "--session", "999"}), 1, "no session 999"});
    all.push_back({"ReportNoSuchHook", on_good({"report", "--hook", "nosuch"}), 1,
                   "no invocations of hook 'nosuch' in session 1; its hooks: hook-a"});
    all.push_back({"ExplainNoSuchInvocation", on_good({"explain", "--invocation", "999"}), 1,
                   "no complete invocation with id 999"});
    all.push_back({"ExplainNoSuchHook", on_good({"explain", "--hook", "nosuch"}), 1,
                   "no complete invocation of hook 'nosuch'"});
    all.push_back({"ExplainHookAndInvocation", on_good({"explain", "--hook", "a", "--invocation", "1"}), 2,
                   "give one of them"});
    all.push_back({"FlamegraphWithoutStacks", on_good({"flamegraph"}), 1, "has no stack profile"});
    all.push_back({"FlamegraphBadFormat", on_good({"flamegraph", "--format", "bmp"}), 2, "bmp"});
    all.push_back({"FlamegraphBadKind", on_good({"flamegraph", "--kind", "warm"}), 2, "warm"});
    // Rules: bad files and hostile patterns are refused before anything is loaded.
    all.push_back({"RulesRandomBytes", [](const Fixture& f) { return Args{"record", "--rules", f.file("random.rules"), "--", "true"}; },
                   2, "not a text file"});
    all.push_back({"RulesFifo", [](const Fixture& f) { return Args{"record", "--rules", f.file("fifo"), "--", "true"}; },
                   2, "is not a regular file"});
    all.push_back({"RulesDevZero", [](const Fixture&) { return Args{"record", "--rules", "/dev/zero", "--", "true"}; },
                   2, "is not a regular file"});
    all.push_back({"RulesDirectory",
                   [](const Fixture& f) { return Args{"record", "--rules", f.file("directory"), "--", "true"}; }, 2,
                   "is not a regular file"});
    all.push_back({"RulesMissing",
                   [](const Fixture& f) { return Args{"record", "--rules", f.file("nothing.rules"), "--", "true"}; },
                   2, "No such file or directory"});
    all.push_back({"RulesByteOrderMarkThenError",
                   [](const Fixture& f) { return Args{"record", "--rules", f.file("bom.rules"), "--", "true"}; }, 2,
                   ":2: hook rule 'broken'"});
    all.push_back({"RulesControlBytesNotEchoed",
                   [](const Fixture& f) { return Args{"record", "--rules", f.file("control.rules"), "--", "true"}; },
                   2, ":1: hook rule 'evil?[2J? stuff'"});
    all.push_back({"RulesOverlongRegexInFile",
                   [](const Fixture& f) { return Args{"record", "--rules", f.file("long.rules"), "--", "true"}; }, 2,
                   "longer than 1024 bytes"});
    all.push_back({"HookOverlongRegex",
                   [](const Fixture&) {
                       return Args{"record", "--hook", "x=" + std::string(100 * 1024, '('), "--", "true"};
                   },
                   2, "longer than 1024 bytes"});
    all.push_back({"HookDeeplyNested",
                   [](const Fixture&) {
                       return Args{"record", "--hook", "x=" + std::string(50, '(') + "a" + std::string(50, ')'), "--",
                                   "true"};
                   },
                   2, "nested deeper than 32"});
    all.push_back({"HookInvalidRegex", [](const Fixture&) { return Args{"record", "--hook", "x=(", "--", "true"}; }, 2,
                   "rule 'x': invalid regex"});
    all.push_back({"UnknownCommandWithEscape", [](const Fixture&) { return Args{"\x1b[2Jdo"}; }, 2,
                   "unknown command '?[2Jdo'"});
    all.push_back({"ClaudeSettingsMalformed",
                   [](const Fixture& f) { return Args{"rules", "--claude-settings=" + f.file("claude-bad.json")}; },
                   2, "claude-bad.json: malformed JSON at byte 23"});
    all.push_back({"ClaudeSettingsMissing",
                   [](const Fixture& f) { return Args{"rules", "--claude-settings", f.file("nothing.json")}; }, 2,
                   "cannot read Claude settings"});
    all.push_back({"ClaudeSettingsDirectory",
                   [](const Fixture& f) { return Args{"rules", "--claude-settings", f.file("directory")}; }, 2,
                   "is not a regular file"});
    // Special files where record writes its database (reached as root only).
    all.push_back({"RecordDbDevNull", [](const Fixture&) { return Args{"record", "--db", "/dev/null", "--", "true"}; },
                   1, "not a regular file", true});
    all.push_back({"RecordDbFifo",
                   [](const Fixture& f) { return Args{"record", "--db", f.file("fifo"), "--", "true"}; }, 1,
                   "not a regular file", true});
    all.push_back({"RecordDbForeign",
                   [](const Fixture& f) { return Args{"record", "--db", f.file("foreign.db"), "--", "true"}; }, 1,
                   "not a validprof profile database", true});
    return all;
}

class BadInput : public ::testing::TestWithParam<Case> {};

TEST_P(BadInput, ExitsWithOneLineAndLosesNothing) {
    const Case& c = GetParam();
    if (c.needs_root && geteuid() != 0) GTEST_SKIP() << "record checks its privileges before its database";
    if (c.needs_root) VALIDPROF_REQUIRE_BPF();
    Fixture fixture;
    struct stat before {};
    ASSERT_EQ(::stat(fixture.good().c_str(), &before), 0);
    Args arguments = c.arguments(fixture);
    arguments.insert(arguments.begin(), validprof_binary());
    CommandResult result = run_command(arguments);
    EXPECT_EQ(result.exit_code, c.exit_code) << result.output;
    // Usage mistakes found by the option parser add the usage; the reason is its first line.
    const std::string first_line = result.output.substr(0, result.output.find('\n'));
    EXPECT_NE(first_line.find(c.message), std::string::npos) << "expected '" << c.message << "' in:\n" << result.output;
    EXPECT_EQ(first_line.rfind("validprof", 0), 0u) << first_line;
    EXPECT_TRUE(printable_line(result.output)) << "control bytes in the output";
    if (c.exit_code == 1) {
        EXPECT_EQ(count_lines(result.output), 1u) << result.output;
    }
    // Nothing lost or created: the good database is untouched, no journal
    // files appear next to special files.
    struct stat after {};
    ASSERT_EQ(::stat(fixture.good().c_str(), &after), 0);
    EXPECT_EQ(after.st_size, before.st_size);
    EXPECT_FALSE(fs::exists("/dev/null-journal"));
    EXPECT_FALSE(fs::exists("/dev/null-wal"));
    EXPECT_FALSE(fs::exists(fixture.file("missing.db"))) << "a reader created a database";
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// Hostile names stored in a session come out escaped, in text and in JSON.
TEST(HostileNames, SessionsPrintNoControlBytesAndValidJson) {
    Fixture fixture;
    CommandResult text = run_command({validprof_binary(), "sessions", "--db", fixture.file("hostile.db")});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    EXPECT_TRUE(printable_line(text.output)) << text.output;
    EXPECT_EQ(count_lines(text.output), 2u) << "a header and one row:\n" << text.output;
    CommandResult json = run_command({validprof_binary(), "sessions", "--json", "--db", fixture.file("hostile.db")});
    ASSERT_EQ(json.exit_code, 0) << json.output;
    auto parsed = nlohmann::json::parse(json.output, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << json.output;
    const std::string target = parsed[0]["target"].get<std::string>();
    EXPECT_NE(target.find("\xEF\xBF\xBD"), std::string::npos) << "invalid bytes become U+FFFD";
    EXPECT_NE(target.find("\x1b[2J"), std::string::npos) << "JSON keeps the text, escaped by the serializer";
    CommandResult report = run_command({validprof_binary(), "report", "--db", fixture.file("hostile.db")});
    EXPECT_EQ(report.exit_code, 0) << report.output;
    EXPECT_TRUE(printable_line(report.output));
}

// The rules Claude Code's settings give, as record and attach would use them.
TEST(ClaudeSettingsRules, RulesCommandPrintsThemInOrder) {
    Fixture fixture;
    CommandResult result =
        run_command({validprof_binary(), "rules", "--claude-settings", fixture.file("claude.json")});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output, "PostToolUse[Write|Edit]=npx claude-flow hooks post-edit\n");
    CommandResult defaults = run_command({validprof_binary(), "rules"});
    ASSERT_EQ(defaults.exit_code, 0);
    EXPECT_NE(defaults.output.find("post-edit="), std::string::npos) << "without options: the shipped catalogue";
}

// A report that cannot be written is a failure, not exit status 0.
TEST(OutputErrors, FullDiskIsAFailure) {
    if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
    Fixture fixture;
    for (const Args& command : {Args{"sessions"}, Args{"report"}, Args{"sessions", "--json"}, Args{"report", "--json"},
                                Args{"explain"}}) {
        Args arguments = command;
        arguments.insert(arguments.begin(), validprof_binary());
        arguments.push_back("--db");
        arguments.push_back(fixture.good());
        std::string line;
        for (const std::string& word : arguments) line += "'" + word + "' ";
        CommandResult result = run_command({"sh", "-c", line + "> /dev/full"});
        EXPECT_EQ(result.exit_code, 1) << line << result.output;
        EXPECT_NE(result.output.find("cannot write the output: No space left on device"), std::string::npos)
            << line << result.output;
    }
}

}  // namespace
}  // namespace validprof::testing
