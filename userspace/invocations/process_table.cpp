#include "invocations/process_table.h"

#include <algorithm>

namespace validprof::invocations {

ProcessKey ProcessTable::lookup(std::int32_t pid, std::uint64_t timestamp_ns) const {
    const ProcessKey key = current(pid);
    if (key == kNoProcess) return kNoProcess;
    const TrackedProcess& process = processes_.at(key);
    // A thread of a process always exits before (or as) the group dies, so
    // an event stamped after the recorded exit cannot be from that process.
    if (process.record.exited && timestamp_ns > process.record.end_ns) return kNoProcess;
    return key;
}

ProcessKey ProcessTable::current(std::int32_t pid) const {
    const auto it = by_pid_.find(pid);
    return it == by_pid_.end() ? kNoProcess : it->second;
}

TrackedProcess& ProcessTable::create(std::int32_t pid, std::int32_t ppid, std::uint64_t first_seen_ns) {
    const ProcessKey key = next_key_++;
    TrackedProcess& process = processes_[key];
    process.key = key;
    process.record.pid = pid;
    process.record.ppid = ppid;
    process.record.start_ns = first_seen_ns;
    note_thread(process, pid, 0, first_seen_ns);
    process.first_seen_ns = first_seen_ns;
    by_pid_[pid] = key;
    return process;
}

TrackedProcess* ProcessTable::find(ProcessKey key) {
    const auto it = processes_.find(key);
    return it == processes_.end() ? nullptr : &it->second;
}

const TrackedProcess* ProcessTable::find(ProcessKey key) const {
    const auto it = processes_.find(key);
    return it == processes_.end() ? nullptr : &it->second;
}

void ProcessTable::erase(ProcessKey key) {
    const auto it = processes_.find(key);
    if (it == processes_.end()) return;
    const auto index = by_pid_.find(it->second.record.pid);
    if (index != by_pid_.end() && index->second == key) by_pid_.erase(index);
    processes_.erase(it);
}

model::ThreadRecord& note_thread(TrackedProcess& process, std::int32_t tid, std::int32_t creator_tid,
                                 std::uint64_t start_ns) {
    auto [it, added] = process.threads.try_emplace(tid);
    model::ThreadRecord& thread = it->second;
    if (added) {
        thread.tid = tid;
        thread.start_ns = start_ns;
        process.record.threads = static_cast<std::uint32_t>(process.threads.size());
    }
    // A fork seen after the thread's other events still names its creator
    // and its real start.
    if (creator_tid != 0 && thread.creator_tid == 0) thread.creator_tid = creator_tid;
    if (start_ns != 0 && (thread.start_ns == 0 || start_ns < thread.start_ns)) thread.start_ns = start_ns;
    return thread;
}

std::vector<model::ThreadRecord> threads_in_creation_order(const TrackedProcess& process) {
    std::vector<model::ThreadRecord> threads;
    threads.reserve(process.threads.size());
    for (const auto& [tid, thread] : process.threads) threads.push_back(thread);
    const std::int32_t main_tid = process.record.pid;
    std::stable_sort(threads.begin(), threads.end(), [main_tid](const auto& a, const auto& b) {
        if (a.start_ns != b.start_ns) return a.start_ns < b.start_ns;
        return a.tid == main_tid && b.tid != main_tid;
    });
    return threads;
}

bool apply_exit(TrackedProcess& process, const model::ExitEvent& exit) {
    model::ThreadRecord& thread = note_thread(process, exit.tid, 0, 0);
    thread.exited = true;
    thread.exiting_ns = exit.exiting_ns;
    thread.end_ns = exit.timestamp_ns;
    thread.times.add(exit.times);
    process.record.times.add(exit.times);
    if (!exit.group_dead) return false;
    // More than one thread can carry the flag (see on_exit): the peak is the
    // largest any of them read.
    process.record.peak_rss_bytes = std::max(process.record.peak_rss_bytes, exit.max_rss_bytes);
    if (process.record.exited) return false;
    process.record.exited = true;
    process.record.end_ns = exit.timestamp_ns;
    process.record.exit_code = exit.exit_code;
    if (process.record.ppid == 0) process.record.ppid = exit.ppid;
    return true;
}

std::size_t threads_still_running(const TrackedProcess& process) {
    return static_cast<std::size_t>(std::count_if(process.threads.begin(), process.threads.end(),
                                                  [](const auto& entry) { return !entry.second.exited; }));
}

void apply_exec(TrackedProcess& process, const model::ExecEvent& exec) {
    process.record.exec_ns = exec.timestamp_ns;
    process.record.exe = exec.filename;
    process.record.argv = exec.argv;
    process.record.comm = exec.comm;
    if (process.record.ppid == 0) process.record.ppid = exec.ppid;
}

}  // namespace validprof::invocations
