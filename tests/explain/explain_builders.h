// Synthetic invocations, threads and waits for the explain tests: what the
// kernel side and the tracker would produce, written out so each test
// states its timeline. Times in microseconds from the invocation start.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/invocation.h"
#include "model/wait.h"

namespace validprof::explain::testing {

inline constexpr std::uint64_t kUs = 1'000;
inline constexpr std::uint64_t kBase = 1'000'000'000;  // the invocation's start

inline std::uint64_t at(std::uint64_t us) { return kBase + us * kUs; }

inline model::ThreadRecord thread(std::int32_t tid, std::int32_t creator, std::uint64_t start_us, std::uint64_t end_us,
                                  std::uint64_t on_cpu_us, std::uint64_t exiting_us = 0,
                                  std::uint64_t run_queue_us = 0) {
    model::ThreadRecord record;
    record.tid = tid;
    record.creator_tid = creator;
    record.start_ns = at(start_us);
    record.end_ns = at(end_us);
    record.exiting_ns = exiting_us ? at(exiting_us) : 0;
    record.exited = true;
    record.times.on_cpu_ns = on_cpu_us * kUs;
    record.times.run_queue_wait_ns = run_queue_us * kUs;
    return record;
}

inline model::ProcessRecord process(std::int32_t pid, std::int32_t ppid, const std::string& exe,
                                    std::vector<model::ThreadRecord> threads, std::uint64_t exec_us = 0) {
    model::ProcessRecord record;
    record.pid = pid;
    record.ppid = ppid;
    record.exe = exe;
    record.comm = exe.substr(exe.find_last_of('/') + 1);
    record.start_ns = threads.front().start_ns;
    record.end_ns = threads.front().end_ns;
    for (const auto& t : threads) record.end_ns = std::max(record.end_ns, t.end_ns);
    record.exited = true;
    record.exec_ns = exec_us ? at(exec_us) : 0;
    record.threads = static_cast<std::uint32_t>(threads.size());
    for (const auto& t : threads) record.times.add(t.times);
    record.thread_records = std::move(threads);
    return record;
}

inline model::Invocation invocation(std::vector<model::ProcessRecord> processes, std::uint64_t end_us,
                                    std::int64_t id = 1, const std::string& hook = "post-edit") {
    model::Invocation result;
    result.id = id;
    result.hook = hook;
    result.root_pid = processes.front().pid;
    result.start_ns = kBase;
    result.last_end_ns = at(end_us);
    result.root_end_ns = processes.front().end_ns;
    result.complete = true;
    for (const auto& p : processes) result.times.add(p.times);
    result.processes = std::move(processes);
    return result;
}

// A wait of `tid` from off to on, woken at woken (0: none), by waker.
inline model::WaitInterval wait(std::int32_t pid, std::int32_t tid, std::uint64_t off_us, std::uint64_t woken_us,
                                std::uint64_t on_us, std::int64_t syscall, std::uint64_t cpu_before_us,
                                std::int32_t waker_pid = 0, std::int32_t waker_tid = 0,
                                model::WaitState state = model::WaitState::Sleeping) {
    model::WaitInterval w;
    w.pid = pid;
    w.tid = tid;
    w.off_ns = at(off_us);
    w.woken_ns = woken_us ? at(woken_us) : 0;
    w.on_ns = at(on_us);
    w.syscall = syscall;
    w.on_cpu_before_ns = cpu_before_us * kUs;
    w.waker_pid = waker_pid;
    w.waker_tid = waker_tid;
    w.waker_comm = waker_pid ? "waker" : "";
    w.state = state;
    return w;
}

inline std::vector<const model::WaitInterval*> pointers(const std::vector<model::WaitInterval>& waits) {
    std::vector<const model::WaitInterval*> result;
    for (const auto& w : waits) result.push_back(&w);
    return result;
}

// x86-64 numbers (the tests run where the project builds: x86-64 here).
inline constexpr std::int64_t kRead = 0, kWrite = 1, kNanosleep = 35, kWait4 = 61, kFsync = 74, kFlock = 73,
                              kFutex = 202, kRecvfrom = 45, kEpollWait = 232;

}  // namespace validprof::explain::testing
