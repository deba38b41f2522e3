#include "invocations/process_table.h"

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
    process.record.threads = 1;
    process.tids.insert(pid);
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

bool apply_exit(TrackedProcess& process, const model::ExitEvent& exit) {
    process.tids.insert(exit.tid);
    process.record.threads = static_cast<std::uint32_t>(process.tids.size());
    process.record.times.add(exit.times);
    if (!exit.group_dead || process.record.exited) return false;
    process.record.exited = true;
    process.record.end_ns = exit.timestamp_ns;
    process.record.exit_code = exit.exit_code;
    if (process.record.ppid == 0) process.record.ppid = exit.ppid;
    return true;
}

void apply_exec(TrackedProcess& process, const model::ExecEvent& exec) {
    process.record.exe = exec.filename;
    process.record.argv = exec.argv;
    process.record.comm = exec.comm;
    if (process.record.ppid == 0) process.record.ppid = exec.ppid;
}

}  // namespace validprof::invocations
