// The suite: the default one holds the seed's load tests with the shipped
// stages, suite files parse strictly, and the wrapped command really runs
// `repeat` times on `concurrency` workers (counted by /bin/sh itself).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "assess/suite.h"

namespace validprof::assess {
namespace {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "validprof-assess-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) ? pattern : "";
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }

private:
    std::string path_;
};

std::map<std::string, int> count_by_group(const Suite& suite) {
    std::map<std::string, int> groups;
    for (const Scenario& s : suite.scenarios) ++groups[s.group];
    return groups;
}

TEST(DefaultSuite, HoldsTheSeedsLoadTests) {
    const thresholds::ThresholdFile thresholds = thresholds::shipped_thresholds();
    ASSERT_EQ(thresholds.stages.size(), 4u);
    const Suite quick = default_suite({"/opt/validcore", true}, thresholds);
    const auto groups = count_by_group(quick);
    EXPECT_EQ(groups.at("baseline"), 1);
    EXPECT_EQ(groups.at("rollout"), 2);    // 10% and 25%
    EXPECT_EQ(groups.at("stage"), 4);      // 4A..4D
    EXPECT_EQ(groups.at("peak"), 1);
    EXPECT_EQ(groups.at("consensus"), 3);  // n = 4, 7, 10, one fault kind each
    EXPECT_EQ(groups.at("database"), 2);   // with and without validation, concurrent writer
    EXPECT_EQ(quick.baseline, "baseline");
    std::map<std::string, double> stage_traffic;
    for (const Scenario& s : quick.scenarios) {
        if (s.group == "stage") stage_traffic[s.stage] = s.rollout_percent;
        if (s.group == "peak") {
            EXPECT_EQ(s.concurrency, 2);
        }
        if (s.group == "consensus") {
            EXPECT_EQ(s.validators, 3 * s.faulty + 1);
            EXPECT_NE(s.command.find("FAULT=" + s.fault_kind), std::string::npos);
        }
        EXPECT_NE(s.command.find("/opt/validcore"), std::string::npos);
    }
    EXPECT_EQ(stage_traffic, (std::map<std::string, double>{{"4A", 5}, {"4B", 15}, {"4C", 50}, {"4D", 100}}));
    // The full suite: every fault kind at every n.
    EXPECT_EQ(count_by_group(default_suite({"/opt/validcore", false}, thresholds)).at("consensus"), 12);
}

// The wrapper under /bin/sh with the scenario's command in the environment, as the runner starts it.
int run_sh(const Scenario& scenario, const std::string& cwd) {
    const std::string command = shell_command(scenario);
    const std::string inner = scenario_command(scenario);
    const pid_t pid = fork();
    if (pid == 0) {
        if (chdir(cwd.c_str()) != 0) _exit(126);
        setenv(kScenarioCommandVariable, inner.c_str(), 1);
        execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ShellCommand, RunsRepeatTimesOnEachWorkerWithTheRollout) {
    TempDir dir;
    Scenario s;
    s.command = "echo \"$WORKER {rollout}\" >> runs.txt";
    s.rollout_percent = 15;
    s.repeat = 3;
    s.concurrency = 2;
    ASSERT_EQ(run_sh(s, dir.file("")), 0);
    // The command's text stays out of the wrapper's argv (hook rules match argv).
    EXPECT_EQ(shell_command(s).find("runs.txt"), std::string::npos);
    std::ifstream runs(dir.file("runs.txt"));
    std::map<std::string, int> lines;
    std::string line;
    while (std::getline(runs, line)) ++lines[line];
    EXPECT_EQ(lines, (std::map<std::string, int>{{"0 15", 3}, {"1 15", 3}}));

    Scenario once;
    once.command = "echo \"$WORKER\" > one.txt";
    ASSERT_EQ(run_sh(once, dir.file("")), 0);
    std::ifstream one(dir.file("one.txt"));
    std::getline(one, line);
    EXPECT_EQ(line, "0");
}

// A time-boxed scenario: each worker keeps starting the command until the
// duration has passed, so the whole run lasts at least that long (the
// workers' own clock, not a timing allowance: the loop cannot end sooner).
TEST(ShellCommand, DurationRunsEachWorkerUntilTheTimeIsUp) {
    TempDir dir;
    Scenario s;
    s.command = "echo \"$WORKER\" >> runs.txt; sleep 0.02";
    s.duration_seconds = 0.3;
    s.concurrency = 2;
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(run_sh(s, dir.file("")), 0);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
    std::ifstream runs(dir.file("runs.txt"));
    std::map<std::string, int> per_worker;
    std::string line;
    while (std::getline(runs, line)) ++per_worker[line];
    ASSERT_EQ(per_worker.size(), 2u);
    // At most one run per 20 ms sleep, and at least the one that crossed the end.
    for (const auto& [worker, count] : per_worker) {
        EXPECT_GE(count, 1) << worker;
        EXPECT_LE(count, 16) << worker;
    }
}

TEST(SuiteFile, ParsesScenarios) {
    TempDir dir;
    const std::string path = dir.file("suite.yaml");
    std::ofstream(path) << "suite: husky\nbaseline: off\nhook: pre-commit\nscenarios:\n"
                           "  - name: off\n    command: ./run.sh {rollout}\n    rollout: 0%\n"
                           "  - name: on\n    command: ./run.sh {rollout}\n    rollout: 100%\n    stage: 4D\n"
                           "    repeat: 5\n    concurrency: 2\n"
                           "  - name: soak\n    command: ./run.sh {rollout}\n    duration: 1.5m\n";
    auto suite = load_suite_file(path);
    ASSERT_TRUE(suite.ok()) << suite.error().message;
    EXPECT_EQ(suite->name, "husky");
    EXPECT_EQ(suite->hook, "pre-commit");
    ASSERT_EQ(suite->scenarios.size(), 3u);
    EXPECT_EQ(suite->scenarios[2].duration_seconds, 90.0);
    EXPECT_EQ(suite->scenarios[0].duration_seconds, 0.0);
    EXPECT_EQ(suite->scenarios[1].rollout_percent, 100);
    EXPECT_EQ(suite->scenarios[1].repeat, 5);
    EXPECT_EQ(suite->scenarios[1].concurrency, 2);
    EXPECT_EQ(suite->scenarios[1].stage, "4D");
}

TEST(SuiteFile, ErrorsNameTheLine) {
    TempDir dir;
    const std::pair<const char*, const char*> cases[] = {
        {"scenarios:\n  - name: a\n    command: x\n    sometimes: 1\n", ":4: unknown key 'sometimes'"},
        {"scenarios:\n  - name: a\n    command: x\n    rollout: 120%\n", ":4: rollout"},
        {"scenarios:\n  - name: a\n    command: x\n    repeat: 0\n", ":4: repeat"},
        {"scenarios:\n  - name: a\n    command: x\n    duration: 0s\n", ":4: duration: '0s'"},
        {"scenarios:\n  - name: a\n    command: x\n    duration: soon\n", ":4: duration"},
        {"scenarios:\n  - name: a\n    command: x\n    duration: 30s\n    repeat: 2\n", ":2: scenario 'a': give repeat: or duration:"},
        {"scenarios:\n  - name: a\n  - name: b\n    command: y\n", ":2: a scenario needs name: and command:"},
        {"baseline: c\nscenarios:\n  - name: a\n    command: x\n", "baseline 'c'"},
        {"scenarios:\n  - name: a\n    command: x\n  - name: a\n    command: y\n", ":4: duplicate scenario"},
    };
    for (const auto& [text, says] : cases) {
        const std::string path = dir.file("bad.yaml");
        std::ofstream(path) << text;
        auto suite = load_suite_file(path);
        ASSERT_FALSE(suite.ok()) << text;
        EXPECT_NE(suite.error().message.find(says), std::string::npos) << suite.error().message;
        EXPECT_EQ(suite.error().message.find('\n'), std::string::npos);
    }
}

}  // namespace
}  // namespace validprof::assess
