// Helpers shared by the storage tests: a temporary directory that cleans up
// after itself and model values that exercise every field.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>

#include "model/invocation.h"
#include "model/session.h"

namespace validprof::storage::testing {

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "validprof-storage-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

inline constexpr std::uint64_t kMaxSigned = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

inline model::SessionInfo sample_session_info(const std::string& command = "record") {
    model::SessionInfo info;
    info.command = command;
    info.target = "make -j8 'with quotes' \"and more\"";
    info.host = "build-host.example";
    info.kernel_release = "6.8.0-31-generic";
    info.rules = "pre-commit=^/usr/bin/pre-commit$\nnpm-hook=node .*husky\n";
    info.start_unix_ns = 1'714'000'000'123'456'789;
    info.monotonic_to_unix_offset_ns = -42;  // negative offsets must survive too
    return info;
}

inline model::SchedTimes sample_times(std::uint64_t seed) {
    model::SchedTimes times;
    times.on_cpu_ns = 1000 + seed;
    times.run_queue_wait_ns = 2000 + seed;
    times.off_cpu_sleep_ns = 3000 + seed;
    times.off_cpu_blocked_ns = 4000 + seed;
    times.voluntary_switches = 5 + seed;
    times.involuntary_switches = 6 + seed;
    times.on_cpu_ns_per_cpu = {{0, 400 + seed}, {3, 600}, {255 + static_cast<std::uint32_t>(seed % 7), seed}};
    return times;
}

inline model::ProcessRecord sample_process(std::int32_t pid, std::int32_t ppid, std::uint64_t start_ns) {
    model::ProcessRecord process;
    process.pid = pid;
    process.ppid = ppid;
    process.exe = "/usr/bin/python3";
    process.argv = "python3 -c print('x')";
    process.comm = "python3";
    process.start_ns = start_ns;
    process.end_ns = start_ns + 5000;
    process.exited = true;
    process.exit_code = 1 << 8;
    process.threads = 3;
    process.times = sample_times(static_cast<std::uint64_t>(pid));
    process.gate_holds = 1 + static_cast<std::uint32_t>(pid) % 3;
    process.gate_held_ns = 1'000'000 + static_cast<std::uint64_t>(static_cast<std::uint32_t>(pid));
    return process;
}

inline model::Invocation sample_invocation(const std::string& hook, std::int32_t root_pid, std::uint64_t start_ns,
                                           int process_count = 2) {
    model::Invocation invocation;
    invocation.hook = hook;
    invocation.root_pid = root_pid;
    invocation.start_ns = start_ns;
    invocation.root_end_ns = start_ns + 9000;
    invocation.last_end_ns = start_ns + 10000;
    invocation.complete = true;
    invocation.exit_code = 0;
    for (int i = 0; i < process_count; ++i) {
        // Pids wrap as the kernel's do: the edge-case test starts at INT32_MAX,
        // where root_pid + i would be signed overflow (UBSan said so).
        const auto pid = static_cast<std::int32_t>(static_cast<std::uint32_t>(root_pid) + static_cast<std::uint32_t>(i));
        auto process = sample_process(pid, i == 0 ? 1 : root_pid, start_ns + static_cast<std::uint64_t>(i));
        invocation.times.add(process.times);
        invocation.processes.push_back(std::move(process));
    }
    return invocation;
}

// Field by field, so a failure says which one differs.
inline void expect_same_process(const model::ProcessRecord& expected, const model::ProcessRecord& actual) {
    EXPECT_EQ(expected.pid, actual.pid);
    EXPECT_EQ(expected.ppid, actual.ppid);
    EXPECT_EQ(expected.exe, actual.exe);
    EXPECT_EQ(expected.argv, actual.argv);
    EXPECT_EQ(expected.comm, actual.comm);
    EXPECT_EQ(expected.start_ns, actual.start_ns);
    EXPECT_EQ(expected.end_ns, actual.end_ns);
    EXPECT_EQ(expected.exited, actual.exited);
    EXPECT_EQ(expected.exit_code, actual.exit_code);
    EXPECT_EQ(expected.threads, actual.threads);
    EXPECT_EQ(expected.gate_holds, actual.gate_holds);
    EXPECT_EQ(expected.gate_held_ns, actual.gate_held_ns);
    EXPECT_EQ(expected.times.on_cpu_ns_per_cpu, actual.times.on_cpu_ns_per_cpu);
    EXPECT_TRUE(expected.times == actual.times);
}

// Everything but the database id, which the stored copy gains.
inline void expect_same_invocation(const model::Invocation& expected, const model::Invocation& actual,
                                   bool with_processes = true) {
    EXPECT_EQ(expected.hook, actual.hook);
    EXPECT_EQ(expected.root_pid, actual.root_pid);
    EXPECT_EQ(expected.start_ns, actual.start_ns);
    EXPECT_EQ(expected.root_end_ns, actual.root_end_ns);
    EXPECT_EQ(expected.last_end_ns, actual.last_end_ns);
    EXPECT_EQ(expected.complete, actual.complete);
    EXPECT_EQ(expected.exit_code, actual.exit_code);
    EXPECT_EQ(expected.times.on_cpu_ns_per_cpu, actual.times.on_cpu_ns_per_cpu);
    EXPECT_TRUE(expected.times == actual.times);
    if (!with_processes) {
        EXPECT_TRUE(actual.processes.empty());
        return;
    }
    ASSERT_EQ(expected.processes.size(), actual.processes.size());
    for (std::size_t i = 0; i < expected.processes.size(); ++i) {
        SCOPED_TRACE("process " + std::to_string(i));
        expect_same_process(expected.processes[i], actual.processes[i]);
    }
}

inline void expect_same_info(const model::SessionInfo& expected, const model::SessionInfo& actual) {
    EXPECT_EQ(expected.command, actual.command);
    EXPECT_EQ(expected.target, actual.target);
    EXPECT_EQ(expected.host, actual.host);
    EXPECT_EQ(expected.kernel_release, actual.kernel_release);
    EXPECT_EQ(expected.rules, actual.rules);
    EXPECT_EQ(expected.start_unix_ns, actual.start_unix_ns);
    EXPECT_EQ(expected.monotonic_to_unix_offset_ns, actual.monotonic_to_unix_offset_ns);
}

}  // namespace validprof::storage::testing
