// Unprivileged: ring-buffer records built by hand, as bpf/hook_trace.bpf.c
// lays them out, decode into the right model events.
#include <gtest/gtest.h>

#include <cstring>

#include "tracer/event_decoder.h"

namespace validprof::tracer {
namespace {

TEST(EventDecoder, ForkRecord) {
    vp_fork_event raw{};
    raw.header = {VP_EVENT_FORK, 1, 123456789};
    raw.parent_pid = 10;
    raw.parent_tid = 11;
    raw.child_pid = 20;
    raw.child_tid = 20;
    auto event = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(event.ok());
    const auto& fork = std::get<model::ForkEvent>(*event);
    EXPECT_EQ(fork.timestamp_ns, 123456789u);
    EXPECT_EQ(fork.parent_pid, 10);
    EXPECT_EQ(fork.parent_tid, 11);
    EXPECT_EQ(fork.child_pid, 20);
    EXPECT_EQ(fork.child_tid, 20);
}

TEST(EventDecoder, ExecRecordJoinsArgvWithSpaces) {
    auto raw = std::make_unique<vp_exec_event>();
    std::memset(raw.get(), 0, sizeof(*raw));
    raw->header = {VP_EVENT_EXEC, 0, 42};
    raw->pid = 77;
    raw->ppid = 1;
    const char argv[] = "npx\0claude-flow@alpha\0hooks\0post-edit\0--file\0a b.ts";
    std::memcpy(raw->argv, argv, sizeof(argv));
    raw->argv_bytes = sizeof(argv);  // includes the final NUL, as the kernel's arg area does
    std::strcpy(raw->filename, "/usr/bin/npx");
    std::strcpy(raw->comm, "npx");
    auto event = decode_event(raw.get(), sizeof(*raw));
    ASSERT_TRUE(event.ok());
    const auto& exec = std::get<model::ExecEvent>(*event);
    EXPECT_EQ(exec.pid, 77);
    EXPECT_EQ(exec.argv, "npx claude-flow@alpha hooks post-edit --file a b.ts");
    EXPECT_EQ(exec.filename, "/usr/bin/npx");
    EXPECT_EQ(exec.comm, "npx");
    EXPECT_FALSE(exec.argv_truncated);
}

TEST(EventDecoder, ExecRecordWithUnterminatedStringsStaysInBounds) {
    auto raw = std::make_unique<vp_exec_event>();
    std::memset(raw.get(), 'x', sizeof(*raw));
    raw->header = {VP_EVENT_EXEC, 0, 1};
    raw->argv_bytes = 100000;  // larger than the buffer: clamped
    raw->argv_truncated = 1;
    auto event = decode_event(raw.get(), sizeof(*raw));
    ASSERT_TRUE(event.ok());
    const auto& exec = std::get<model::ExecEvent>(*event);
    EXPECT_EQ(exec.filename.size(), static_cast<std::size_t>(VP_PATH_BYTES));
    EXPECT_EQ(exec.comm.size(), static_cast<std::size_t>(VP_COMM_BYTES));
    EXPECT_EQ(exec.argv.size(), static_cast<std::size_t>(VP_ARGV_BYTES));
    EXPECT_TRUE(exec.argv_truncated);
}

TEST(EventDecoder, ExitRecordCarriesTheThreadsTimes) {
    auto raw = std::make_unique<vp_exit_event>();
    std::memset(raw.get(), 0, sizeof(*raw));
    raw->header = {VP_EVENT_EXIT, 1, 99};
    raw->pid = 5;
    raw->tid = 6;
    raw->ppid = 4;
    raw->exit_code = 3 << 8;
    raw->group_dead = 1;
    raw->totals.on_cpu_ns = 300;
    raw->totals.on_cpu_ns_per_cpu[0] = 100;
    raw->totals.on_cpu_ns_per_cpu[VP_MAX_CPUS - 1] = 200;
    raw->totals.run_queue_wait_ns = 7;
    raw->totals.off_cpu_sleep_ns = 8;
    raw->totals.off_cpu_blocked_ns = 9;
    raw->totals.voluntary_switches = 10;
    raw->totals.involuntary_switches = 11;
    auto event = decode_event(raw.get(), sizeof(*raw));
    ASSERT_TRUE(event.ok());
    const auto& exit = std::get<model::ExitEvent>(*event);
    EXPECT_EQ(exit.tid, 6);
    EXPECT_EQ(exit.exit_code >> 8, 3);
    EXPECT_TRUE(exit.group_dead);
    EXPECT_EQ(exit.times.on_cpu_ns, 300u);
    EXPECT_EQ(exit.times.run_queue_wait_ns, 7u);
    EXPECT_EQ(exit.times.off_cpu_sleep_ns, 8u);
    EXPECT_EQ(exit.times.off_cpu_blocked_ns, 9u);
    EXPECT_EQ(exit.times.voluntary_switches, 10u);
    EXPECT_EQ(exit.times.involuntary_switches, 11u);
    std::map<std::uint32_t, std::uint64_t> expected = {{0, 100}, {VP_MAX_CPUS - 1, 200}};
    EXPECT_EQ(exit.times.on_cpu_ns_per_cpu, expected);
}

TEST(EventDecoder, ShortOrUnknownRecordsAreErrors) {
    vp_fork_event raw{};
    raw.header = {VP_EVENT_FORK, 0, 1};
    EXPECT_FALSE(decode_event(&raw, sizeof(raw) - 1).ok());
    EXPECT_FALSE(decode_event(&raw, 4).ok());
    raw.header.kind = 99;
    EXPECT_FALSE(decode_event(&raw, sizeof(raw)).ok());
}

}  // namespace
}  // namespace validprof::tracer
