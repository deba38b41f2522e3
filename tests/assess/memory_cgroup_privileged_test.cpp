// The memory cgroup of assess's memory-pressure scenario, against the
// workload's own view of what happened to its child (wait4's status and
// ru_maxrss): under a roomy limit the group's peak covers the child's peak
// and nobody is killed; over the limit the child dies of SIGKILL and the
// group counts the OOM kill. Needs root and a memory cgroup hierarchy;
// skips with the reason otherwise.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "assess/memory_cgroup.h"

namespace validprof::assess {
namespace {

// "key=value" from the workload's truth line.
std::uint64_t field(const std::string& line, const std::string& key) {
    const auto at = line.find(" " + key + "=");
    return at == std::string::npos ? 0 : std::stoull(line.substr(at + key.size() + 2));
}

// Runs vp_peak_rss MIB inside the group; its truth line.
std::string run_inside(const MemoryCgroup& group, int mebibytes) {
    const std::string truth = std::filesystem::temp_directory_path() / ("vp-cgroup-truth-" + std::to_string(getpid()));
    std::filesystem::remove(truth);
    const std::string command = "echo $$ > '" + group.procs_file() + "' && VALIDPROF_TRUTH='" + truth + "' exec '" +
                                VALIDPROF_WORKLOAD_DIR + "/vp_peak_rss' " + std::to_string(mebibytes);
    const int status = std::system(command.c_str());
    (void)status;  // the child's fate is in the truth line
    std::ifstream file(truth);
    std::string line;
    std::getline(file, line);
    std::filesystem::remove(truth);
    return " " + line;
}

class MemoryCgroupPrivileged : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "privileged test skipped: creating cgroups needs root";
    }
    std::unique_ptr<MemoryCgroup> create(std::uint64_t limit) {
        auto group = MemoryCgroup::create("validprof-test-" + std::to_string(getpid()) + "-" + std::to_string(limit), limit);
        if (!group) return nullptr;
        return std::move(*group);
    }
};

TEST_F(MemoryCgroupPrivileged, UnderARoomyLimitThePeakCoversTheChildAndNobodyIsKilled) {
    auto group = create(512ull << 20);
    if (!group) GTEST_SKIP() << "no memory cgroup here: " << MemoryCgroup::create("validprof-probe", 1 << 30).error().message;
    const std::string truth = run_inside(*group, 64);
    ASSERT_EQ(field(truth, "child_status"), 0u) << truth;
    auto reading = group->read();
    ASSERT_TRUE(reading.ok()) << reading.error().message;
    EXPECT_EQ(reading->limit_bytes, 512ull << 20);
    // The group is charged for memory first touched inside it: the child's
    // 64 MiB of anonymous memory, but not the shared libraries' pages
    // already in the page cache (charged to whoever read them first), which
    // its RSS does include. So the peak covers the allocation, not the RSS.
    if (reading->peak_known) {
        EXPECT_GE(reading->peak_bytes, 64ull << 20) << truth;
        EXPECT_LT(reading->peak_bytes, 512ull << 20);
    }
    if (reading->oom_kills_known) {
        EXPECT_EQ(reading->oom_kills, 0u);
    }
}

TEST_F(MemoryCgroupPrivileged, OverTheLimitTheChildIsKilledAndCounted) {
    auto group = create(48ull << 20);
    if (!group) GTEST_SKIP() << "no memory cgroup here: " << MemoryCgroup::create("validprof-probe", 1 << 30).error().message;
    const std::string truth = run_inside(*group, 128);
    // wait4's status: killed by SIGKILL (9), the OOM killer's signal.
    ASSERT_EQ(field(truth, "child_status") & 0x7f, static_cast<std::uint64_t>(SIGKILL)) << truth;
    auto reading = group->read();
    ASSERT_TRUE(reading.ok()) << reading.error().message;
    if (!reading->oom_kills_known) GTEST_SKIP() << "this kernel does not count OOM kills per group";
    EXPECT_GE(reading->oom_kills, 1u);
    if (reading->peak_known) {
        EXPECT_LE(reading->peak_bytes, 48ull << 20);
    }
}

TEST_F(MemoryCgroupPrivileged, TheGroupIsRemovedWhenDone) {
    std::string directory;
    {
        auto group = create(64ull << 20);
        if (!group) GTEST_SKIP() << "no memory cgroup here";
        directory = std::filesystem::path(group->procs_file()).parent_path();
        ASSERT_TRUE(std::filesystem::exists(directory));
        run_inside(*group, 1);
    }
    EXPECT_FALSE(std::filesystem::exists(directory));
}

}  // namespace
}  // namespace validprof::assess
