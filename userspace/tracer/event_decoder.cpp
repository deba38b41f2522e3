#include "tracer/event_decoder.h"

#include <algorithm>
#include <cstring>

namespace validprof::tracer {
namespace {

std::string bounded_string(const char* bytes, std::size_t capacity) {
    return std::string(bytes, ::strnlen(bytes, capacity));
}

template <typename Record>
common::Result<Record> copy_record(const void* data, std::size_t size, const char* kind) {
    if (size < sizeof(Record))
        return common::make_error(std::string("short ") + kind + " record: " + std::to_string(size) +
                                  " bytes, expected " + std::to_string(sizeof(Record)));
    Record record;
    std::memcpy(&record, data, sizeof(Record));
    return record;
}

}  // namespace

std::string join_argv(const char* bytes, std::size_t length) {
    std::string joined(bytes, length);
    while (!joined.empty() && joined.back() == '\0') joined.pop_back();
    std::replace(joined.begin(), joined.end(), '\0', ' ');
    return joined;
}

model::SchedTimes to_sched_times(const vp_sched_totals& totals) {
    model::SchedTimes times;
    times.on_cpu_ns = totals.on_cpu_ns;
    times.run_queue_wait_ns = totals.run_queue_wait_ns;
    times.off_cpu_sleep_ns = totals.off_cpu_sleep_ns;
    times.off_cpu_blocked_ns = totals.off_cpu_blocked_ns;
    times.voluntary_switches = totals.voluntary_switches;
    times.involuntary_switches = totals.involuntary_switches;
    for (std::uint32_t cpu = 0; cpu < VP_MAX_CPUS; ++cpu)
        if (totals.on_cpu_ns_per_cpu[cpu] != 0) times.on_cpu_ns_per_cpu[cpu] = totals.on_cpu_ns_per_cpu[cpu];
    return times;
}

common::Result<model::ProcessEvent> decode_event(const void* data, std::size_t size) {
    auto header = copy_record<vp_event_header>(data, size, "event header");
    if (!header) return header.error();

    switch (header->kind) {
        case VP_EVENT_FORK: {
            auto raw = copy_record<vp_fork_event>(data, size, "fork");
            if (!raw) return raw.error();
            model::ForkEvent event;
            event.timestamp_ns = raw->header.timestamp_ns;
            event.parent_pid = static_cast<std::int32_t>(raw->parent_pid);
            event.parent_tid = static_cast<std::int32_t>(raw->parent_tid);
            event.child_pid = static_cast<std::int32_t>(raw->child_pid);
            event.child_tid = static_cast<std::int32_t>(raw->child_tid);
            return model::ProcessEvent{event};
        }
        case VP_EVENT_EXEC: {
            auto raw = copy_record<vp_exec_event>(data, size, "exec");
            if (!raw) return raw.error();
            model::ExecEvent event;
            event.timestamp_ns = raw->header.timestamp_ns;
            event.pid = static_cast<std::int32_t>(raw->pid);
            event.ppid = static_cast<std::int32_t>(raw->ppid);
            event.filename = bounded_string(raw->filename, sizeof(raw->filename));
            event.argv = join_argv(raw->argv, std::min<std::size_t>(raw->argv_bytes, sizeof(raw->argv)));
            event.argv_truncated = raw->argv_truncated != 0;
            event.comm = bounded_string(raw->comm, sizeof(raw->comm));
            event.inode = raw->file.inode;
            event.device = raw->file.device;
            event.gated = raw->gated != 0;
            return model::ProcessEvent{std::move(event)};
        }
        case VP_EVENT_EXIT: {
            auto raw = copy_record<vp_exit_event>(data, size, "exit");
            if (!raw) return raw.error();
            model::ExitEvent event;
            event.timestamp_ns = raw->header.timestamp_ns;
            event.pid = static_cast<std::int32_t>(raw->pid);
            event.tid = static_cast<std::int32_t>(raw->tid);
            event.ppid = static_cast<std::int32_t>(raw->ppid);
            event.exit_code = raw->exit_code;
            event.group_dead = raw->group_dead != 0;
            event.times = to_sched_times(raw->totals);
            return model::ProcessEvent{std::move(event)};
        }
        default:
            return common::make_error("unknown event kind " + std::to_string(header->kind));
    }
}

}  // namespace validprof::tracer
