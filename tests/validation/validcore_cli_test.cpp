// End-to-end: the validcore binary run as a hook runs it, in a fresh working
// directory, its database read back with SQLite and the file's hash checked
// with coreutils' sha256sum.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <cstdio>

#include "validation_test_support.h"

namespace validprof::validation {
namespace {

using nlohmann::json;
using testing::count_lines;
using testing::query;
using testing::run_in;
using testing::TempDir;

const std::string kValidcore = VALIDCORE_BINARY;
const char* kCleanC = "int main(void) {\n    return 0;\n}\n";

std::vector<std::string> hook(const std::string& name, std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {kValidcore, "hooks", name};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

std::string database(const TempDir& dir) { return dir.file(".swarm/memory.db"); }

std::vector<json> rows_in(const TempDir& dir, const std::string& ns) {
    std::vector<json> rows;
    for (const auto& row : query(database(dir), "SELECT value FROM memory_entries WHERE namespace = '" + ns + "' AND key LIKE 'validation/%'")) {
        rows.push_back(json::parse(row[0]));
    }
    return rows;
}

std::string sha256sum(const std::string& path) {
    std::string command = "sha256sum '" + path + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return {};
    char buffer[128] = {};
    const std::size_t got = std::fread(buffer, 1, 64, pipe);
    ::pclose(pipe);
    return std::string(buffer, got);
}

TEST(ValidcoreCli, PostEditWithValidationStoresTheDecision) {
    TempDir dir;
    const std::string file = dir.write("parser.c", kCleanC);
    const auto result = run_in(dir.path(), hook("post-edit", {"--file", "parser.c", "--memory-key", "swarm/coder/step-1",
                                                               "--rollout-percent", "100", "--mode", "development"}));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("validation "), std::string::npos) << result.out;

    const auto results = rows_in(dir, "completion-validation-results");
    ASSERT_EQ(results.size(), 1u);
    const json& record = results[0];
    EXPECT_EQ(record["decision"], "approve");
    EXPECT_EQ(record["mode"], "development");
    EXPECT_NEAR(record["score"].get<double>(), 0.75, 1e-9);
    EXPECT_EQ(record["agent"], "coder");
    EXPECT_EQ(record["files"][0]["sha256"], sha256sum(file));
    // The client decides on f + 1 = 2 matching replies and gives the rest
    // 5 ms, so on a busy machine a validator may stop before it commits
    // (or even before the request reached it): what is guaranteed is that
    // at least f + 1 committed the decision, and none committed another.
    ASSERT_EQ(record["consensus"]["votes"].size(), 4u);
    int committed = 0;
    for (const json& vote : record["consensus"]["votes"]) {
        if (vote["vote"] != "none") {
            EXPECT_EQ(vote["vote"], "approve");
            EXPECT_NEAR(vote["score"].get<double>(), 0.75, 1e-9);
        }
        EXPECT_NE(vote["committed"], "reject");
        committed += vote["committed"] == "approve";
    }
    EXPECT_GE(committed, 2);
    const auto performance = rows_in(dir, "completion-validation-performance");
    ASSERT_EQ(performance.size(), 1u);
    EXPECT_EQ(performance[0]["validation_id"], record["validation_id"]);
    ASSERT_EQ(performance[0]["validators"].size(), 4u);
    int committed_in_time = 0;
    for (const json& validator : performance[0]["validators"])
        committed_in_time += validator["committed_us"].get<long>() >= 0;
    EXPECT_EQ(committed_in_time, committed);
    EXPECT_GT(performance[0]["consensus_decision_ms"].get<double>(), 0.0);

    // The hook's own rows, as the modelled post-edit writes them.
    EXPECT_EQ(query(database(dir), "SELECT COUNT(*) FROM memory_entries WHERE namespace IN ('coordination', 'edits', 'file-history')")[0][0], "4");
    EXPECT_EQ(query(database(dir), "SELECT value FROM memory_entries WHERE key = 'agent/coder'")[0][0],
              "{\"validations\":1,\"clean\":1}");
}

TEST(ValidcoreCli, RolloutDecidesWhetherToValidate) {
    TempDir dir;
    dir.write("a.json", "{\"a\": 1}\n");
    // alice's bucket is 35 (see rollout_test.cpp).
    auto at = [&](const std::string& percent) {
        return run_in(dir.path(), hook("post-edit", {"--file", "a.json", "--user", "alice", "--rollout-percent", percent}));
    };
    ASSERT_EQ(at("35").exit_code, 0);
    EXPECT_EQ(rows_in(dir, "completion-validation-results").size(), 0u);
    ASSERT_EQ(at("36").exit_code, 0);
    EXPECT_EQ(rows_in(dir, "completion-validation-results").size(), 1u);
    // The environment variables stand in for the flags.
    const auto from_env = run_in(dir.path(), hook("post-edit", {"--file", "a.json"}),
                                 {{"VALIDCORE_ROLLOUT_PERCENT", "100"}, {"VALIDCORE_USER", "bob"}});
    ASSERT_EQ(from_env.exit_code, 0) << from_env.err;
    EXPECT_EQ(rows_in(dir, "completion-validation-results").size(), 2u);
    // Not validating hooks never validate.
    ASSERT_EQ(run_in(dir.path(), hook("notify", {"--message", "hi", "--rollout-percent", "100"})).exit_code, 0);
    EXPECT_EQ(rows_in(dir, "completion-validation-results").size(), 2u);
}

TEST(ValidcoreCli, PostTaskValidatesItsFiles) {
    TempDir dir;
    dir.write("a.c", kCleanC);
    dir.write("b.json", "{\"ok\": true}\n");
    ASSERT_EQ(run_in(dir.path(), hook("pre-task", {"--task-id", "t7"})).exit_code, 0);
    const auto result = run_in(dir.path(), hook("post-task", {"--task-id", "t7", "--file", "a.c", "--file", "b.json",
                                                               "--rollout-percent", "100", "--mode", "development"}));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto results = rows_in(dir, "completion-validation-results");
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0]["hook"], "post-task");
    EXPECT_EQ(results[0]["decision"], "approve");
    EXPECT_EQ(results[0]["files"].size(), 2u);
}

TEST(ValidcoreCli, FailingCheckCommandRejects) {
    TempDir dir;
    dir.write("a.c", kCleanC);
    const auto result = run_in(dir.path(), hook("post-edit", {"--file", "a.c", "--rollout-percent", "100",
                                                               "--check-command", "echo 'a.c:1: error: nope'; exit 1",
                                                               "--fail-on-reject"}));
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    const auto results = rows_in(dir, "completion-validation-results");
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0]["decision"], "reject");
    EXPECT_DOUBLE_EQ(results[0]["components"]["external_verification"].get<double>(), 0.0);
    EXPECT_EQ(results[0]["files"][0]["command"]["exit_status"], 1);
}

TEST(ValidcoreCli, FaultyPrimaryIsReplacedAndRecorded) {
    TempDir dir;
    dir.write("a.c", kCleanC);
    const auto result = run_in(dir.path(), hook("post-edit", {"--file", "a.c", "--rollout-percent", "100", "--mode",
                                                               "development", "--fault", "validator=0:silent",
                                                               "--view-timeout-ms", "20"}));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto results = rows_in(dir, "completion-validation-results");
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0]["decision"], "approve");
    EXPECT_GE(results[0]["consensus"]["view"].get<int>(), 1);
    EXPECT_EQ(results[0]["consensus"]["votes"][0]["fault"], "silent");
}

TEST(ValidcoreCli, BatchedWritesTheSameRows) {
    TempDir dir;
    dir.write("a.yaml", "a: 1\nb:\n  - x\n");
    const auto result = run_in(dir.path(), hook("post-edit", {"--file", "a.yaml", "--rollout-percent", "100", "--batched"}));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(rows_in(dir, "completion-validation-results").size(), 1u);
    EXPECT_EQ(rows_in(dir, "completion-validation-performance").size(), 1u);
}

TEST(ValidcoreCli, InterruptedResultWriteLeavesNoPartialResult) {
    TempDir dir;
    dir.write("a.c", kCleanC);
    const auto killed = run_in(dir.path(), hook("post-edit", {"--file", "a.c", "--rollout-percent", "100", "--agent", "coder"}),
                               {{"VALIDCORE_TEST_KILL_DURING_RESULT_WRITE", "1"}});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
    // The results row was written inside the transaction before the kill;
    // SQLite must have rolled all of it back.
    EXPECT_EQ(query(database(dir), "SELECT COUNT(*) FROM memory_entries WHERE namespace LIKE 'completion-validation-%'")[0][0], "0");
    // The hook's own autocommit rows did land.
    EXPECT_EQ(query(database(dir), "SELECT COUNT(*) FROM memory_entries WHERE namespace = 'file-history'")[0][0], "1");
    // The database is usable afterwards.
    ASSERT_EQ(run_in(dir.path(), hook("post-edit", {"--file", "a.c", "--rollout-percent", "100"})).exit_code, 0);
    EXPECT_EQ(rows_in(dir, "completion-validation-results").size(), 1u);
}

TEST(ValidcoreCli, SessionOfHooks) {
    TempDir dir;
    dir.write("a.c", kCleanC);
    for (const auto& argv : {hook("pre-task", {"--description", "refactor", "--task-id", "t1"}),
                             hook("pre-edit", {"--file", "a.c"}), hook("post-edit", {"--file", "a.c"}),
                             hook("pre-command", {"--command", "make", "--validate-safety", "true"}),
                             hook("post-command", {"--command", "make", "--exit-code", "0"}),
                             hook("post-task", {"--task-id", "t1"}), hook("notify", {"--message", "done"}),
                             hook("session-end", {"--generate-summary", "true"})}) {
        const auto result = run_in(dir.path(), argv);
        EXPECT_EQ(result.exit_code, 0) << argv[2] << ": " << result.err;
        EXPECT_EQ(count_lines(result.out), 1u) << argv[2] << ": " << result.out;
    }
    EXPECT_EQ(query(database(dir), "SELECT json_extract(value, '$.status') FROM memory_entries WHERE key = 'task/t1'")[0][0], "completed");
}

TEST(ValidcoreCli, DangerousCommandIsBlocked) {
    TempDir dir;
    const auto result = run_in(dir.path(), hook("pre-command", {"--command", "rm -rf /", "--validate-safety", "true"}));
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(run_in(dir.path(), hook("pre-command", {"--command", "rm -rf build/", "--validate-safety", "true"})).exit_code, 0);
}

TEST(ValidcoreCli, BadInputIsOneLineAndNonZero) {
    TempDir dir;
    dir.write("a.c", kCleanC);
    dir.write("not-a-dir", "x");
    // A FIFO nobody writes to blocked validcore forever; a 2 GB sparse file
    // took 44 s and 4.2 GB of memory.
    ASSERT_EQ(::mkfifo((dir.path() / "edit.fifo").c_str(), 0600), 0);
    {
        std::ofstream sparse(dir.path() / "huge.c");
        sparse.seekp((2ll << 30) - 1);
        sparse.put('\n');
    }
    struct Case {
        std::vector<std::string> argv;
        const char* fragment;
    } cases[] = {
        {hook("post-edit", {"--file", "missing.c"}), "cannot read --file 'missing.c'"},
        {hook("post-edit", {"--file", "."}), "is a directory"},
        {hook("post-edit", {"--file", "edit.fifo"}), "not a regular file"},
        {hook("post-edit", {"--file", "/dev/zero"}), "not a regular file"},
        {hook("post-edit", {"--file", "huge.c"}), "larger than 16 MiB"},
        {hook("post-edit", {}), "post-edit needs --file"},
        {hook("post-edits", {"--file", "a.c"}), "unknown hook 'post-edits'"},
        {hook("post-edit", {"--file", "a.c", "--validators", "3", "--faulty-tolerance", "1"}), "n >= 3f+1"},
        {hook("post-edit", {"--file", "a.c", "--validators", "6", "--faulty-tolerance", "2"}), "n >= 3f+1"},
        {hook("post-edit", {"--file", "a.c", "--db", "not-a-dir/memory.db"}), "cannot create the database directory"},
        {hook("post-edit", {"--file", "a.c", "--fault", "validator=9:silent"}), "validator 9"},
        {hook("post-edit", {"--file", "a.c", "--fault", "validator=1:sleepy"}), "unknown kind 'sleepy'"},
        {hook("post-edit", {"--file", "a.c", "--mode", "lenient"}), "unknown mode 'lenient'"},
        {hook("post-edit", {"--file", "a.c", "--rollout-percent", "101"}), "rollout percent '101'"},
        {hook("post-edit", {"--file", "a.c", "--no-such-flag"}), "no-such-flag"},
        {{kValidcore, "hook", "post-edit"}, "unknown command 'hook'"},
    };
    for (const Case& c : cases) {
        const auto result = run_in(dir.path(), c.argv);
        std::string joined;
        for (const auto& arg : c.argv) joined += arg + " ";
        EXPECT_NE(result.exit_code, 0) << joined;
        EXPECT_EQ(count_lines(result.err), 1u) << joined << "\n" << result.err;
        EXPECT_NE(result.err.find(c.fragment), std::string::npos) << joined << "\n" << result.err;
        EXPECT_TRUE(result.out.empty()) << joined << "\n" << result.out;
    }
    // No database appeared for the inputs refused before opening it.
    EXPECT_FALSE(std::filesystem::exists(dir.file(".swarm/memory.db")));
}

TEST(ValidcoreCli, HelpHasAnExample) {
    const auto result = run_in("/", {kValidcore, "hooks", "post-edit", "--help"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_NE(result.out.find("examples:"), std::string::npos);
    EXPECT_NE(result.out.find("--rollout-percent"), std::string::npos);
}

}  // namespace
}  // namespace validprof::validation

namespace validprof::validation {
namespace {

// A hook that lies: its evidence claims every check passed on a file with
// broken brackets. The validators re-read and re-check the file themselves,
// so the certified decision is reject although the hook voted approve.
TEST(ValidcoreCli, AFaultyHookIsOutvotedByValidatorsThatCheckForThemselves) {
    TempDir dir;
    dir.write("broken.c", "int main(void) {\n    return (0;\n}\n");
    const auto result = run_in(dir.path(), hook("post-edit", {"--file", "broken.c", "--rollout-percent", "100", "--mode",
                                                               "development", "--fault", "hook:forge-evidence"}));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto results = rows_in(dir, "completion-validation-results");
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0]["hook_forged"], true);
    EXPECT_EQ(results[0]["hook_vote"], "approve");
    EXPECT_EQ(results[0]["decision"], "reject");
    EXPECT_EQ(results[0]["certified"], true);
    for (const json& vote : results[0]["consensus"]["votes"]) {
        if (vote["vote"] != "none") {
            EXPECT_EQ(vote["vote"], "reject") << vote.dump();
        }
    }
}

// Issue 15's command, beyond f (2 equivocators of 4, f = 1): the round may
// stall, but a decision that is stored as certified is the honest one.
TEST(ValidcoreCli, BeyondFTheStoredDecisionIsNeverACertifiedWrongOne) {
    TempDir dir;
    dir.write("a.c", kCleanC);
    int certified = 0;
    for (int run = 0; run < 10; ++run) {
        const auto result = run_in(dir.path(), hook("post-edit", {"--file", "a.c", "--rollout-percent", "100", "--mode",
                                                                   "development", "--fault", "validator=1:equivocate",
                                                                   "--fault", "validator=3:equivocate",
                                                                   "--consensus-timeout-ms", "1500"}));
        ASSERT_EQ(result.exit_code, 0) << result.err;
    }
    const auto results = rows_in(dir, "completion-validation-results");
    ASSERT_EQ(results.size(), 10u);
    for (const json& record : results) {
        if (record["certified"] == true) {
            ++certified;
            EXPECT_EQ(record["decision"], "approve");  // every honest validator judges the clean file approve
        } else {
            EXPECT_EQ(record["decision"], "none");
        }
    }
    std::printf("beyond f via the CLI: %d of 10 certified approve, %d stalled\n", certified, 10 - certified);
}

// Issue 15: four edits of a binary file (nothing to check) made the agent's
// record 4 clean of 4, enough for a strict-mode pass next. Now each counts
// 0.5 (unknown), and the next edit does not pass strict mode on that record.
TEST(ValidcoreCli, EditsWithNothingToCheckDoNotBuildATrackRecord) {
    TempDir dir;
    dir.write("blob.bin", std::string("\x7f" "ELF\0\0\0binary", 14));
    dir.write("a.c", kCleanC);
    for (int run = 0; run < 4; ++run) {
        const auto result = run_in(dir.path(), hook("post-edit", {"--file", "blob.bin", "--agent", "coder", "--mode", "strict",
                                                                   "--rollout-percent", "100"}));
        ASSERT_EQ(result.exit_code, 0) << result.err;
    }
    EXPECT_EQ(query(database(dir), "SELECT value FROM memory_entries WHERE key = 'agent/coder'")[0][0],
              "{\"validations\":4,\"clean\":2}");
    const auto next = run_in(dir.path(), hook("post-edit", {"--file", "a.c", "--agent", "coder", "--mode", "strict",
                                                             "--rollout-percent", "100", "--check-command", "exit 0",
                                                             "--fail-on-reject"}));
    EXPECT_EQ(next.exit_code, 2) << next.out;  // rejected: reliability (2+1)/(4+2) = 0.5, score 0.85 < 0.95
    const auto results = rows_in(dir, "completion-validation-results");
    ASSERT_EQ(results.size(), 5u);
    int rejected_strict = 0;
    for (const json& record : results) rejected_strict += record["decision"] == "reject";
    EXPECT_EQ(rejected_strict, 5);
}

// A database written by the previous version (no "certified" in results,
// whole-number clean counts) stays readable and is carried on.
TEST(ValidcoreCli, ADatabaseOfThePreviousVersionIsCarriedOn) {
    TempDir dir;
    dir.write("a.c", kCleanC);
    std::filesystem::create_directories(dir.path() / ".swarm");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(database(dir).c_str(), &db), SQLITE_OK);
    const char* old_version = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE memory_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT 'default', metadata TEXT,
  created_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')), updated_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')),
  accessed_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')), access_count INTEGER NOT NULL DEFAULT 0,
  ttl INTEGER, expires_at INTEGER, UNIQUE(key, namespace));
CREATE INDEX idx_memory_namespace ON memory_entries(namespace);
CREATE INDEX idx_memory_expires ON memory_entries(expires_at);
CREATE INDEX idx_memory_accessed ON memory_entries(accessed_at);
INSERT INTO memory_entries (key, value, namespace) VALUES
  ('agent/coder', '{"validations":3,"clean":3}', 'completion-validation-performance'),
  ('validation/1-1', '{"decision":"approve","consensus":{"matching_replies":2}}', 'completion-validation-results');
)sql";
    ASSERT_EQ(sqlite3_exec(db, old_version, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
    const auto result = run_in(dir.path(), hook("post-edit", {"--file", "a.c", "--agent", "coder", "--rollout-percent", "100",
                                                               "--mode", "development"}));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(query(database(dir), "SELECT value FROM memory_entries WHERE key = 'agent/coder'")[0][0],
              "{\"validations\":4,\"clean\":4}");
    // The old row is untouched; a reader tells old rows by the missing field.
    EXPECT_EQ(query(database(dir), "SELECT json_type(value, '$.certified') FROM memory_entries WHERE key = 'validation/1-1'")[0][0],
              "NULL");
    EXPECT_EQ(query(database(dir), "SELECT COUNT(*) FROM memory_entries WHERE namespace = 'completion-validation-results' "
                                   "AND json_extract(value, '$.certified') = 1")[0][0],
              "1");
}

// How often a hook makes SQLite sync, counted by strace (the kernel's view,
// not SQLite's): --batched makes the hook's writes durable with exactly one
// fdatasync of the WAL and never syncs the database file itself.
TEST(ValidcoreCli, BatchedHookSyncsTheWalOnce) {
    if (std::system("strace -V >/dev/null 2>&1") != 0) GTEST_SKIP() << "strace is not installed";
    TempDir dir;
    dir.write("a.c", kCleanC);
    ASSERT_EQ(run_in(dir.path(), hook("post-edit", {"--file", "a.c", "--batched"})).exit_code, 0);
    const std::string log = dir.file("strace.log");
    const auto traced = run_in(dir.path(), {"/usr/bin/env", "strace", "-f", "-y", "-e", "trace=fdatasync,fsync", "-o", log,
                                            kValidcore, "hooks", "post-edit", "--file", "a.c", "--batched",
                                            "--rollout-percent", "100", "--mode", "development"});
    if (traced.exit_code != 0 && traced.err.find("ptrace") != std::string::npos) GTEST_SKIP() << "ptrace is not permitted here";
    ASSERT_EQ(traced.exit_code, 0) << traced.err;
    std::ifstream in(log);
    int wal = 0, database_file = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.find("sync(") == std::string::npos) continue;
        if (line.find("memory.db-wal>") != std::string::npos) {
            ++wal;
        } else if (line.find("memory.db>") != std::string::npos) {
            ++database_file;
        }
    }
    EXPECT_EQ(wal, 1);
    EXPECT_EQ(database_file, 0);
    EXPECT_EQ(rows_in(dir, "completion-validation-results").size(), 1u);
}

}  // namespace
}  // namespace validprof::validation
