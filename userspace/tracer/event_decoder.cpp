#include "tracer/event_decoder.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <vector>

#include "bpf_support/record_copy.h"

namespace validprof::tracer {
namespace {

using bpf_support::copy_record;

std::string bounded_string(const char* bytes, std::size_t capacity) {
    return std::string(bytes, ::strnlen(bytes, capacity));
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
        case VP_EVENT_WAIT:
        case VP_EVENT_SPAN:
            return common::make_error("a wait or span record is not a lifecycle event");
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
            // The kernel counts pages of its own size (sysconf's, for this process too).
            static const std::uint64_t page_bytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
            event.max_rss_bytes = static_cast<std::uint64_t>(raw->max_rss_pages) * page_bytes;
            event.exiting_ns = raw->exiting_ns;
            event.times = to_sched_times(raw->totals);
            return model::ProcessEvent{std::move(event)};
        }
        default:
            return common::make_error("unknown event kind " + std::to_string(header->kind));
    }
}

std::uint32_t record_kind(const void* data, std::size_t size) {
    auto header = copy_record<vp_event_header>(data, size, "event header");
    return header ? header->kind : 0;
}

common::Result<model::SyscallSpan> decode_span(const void* data, std::size_t size) {
    auto raw = copy_record<vp_span_event>(data, size, "span");
    if (!raw) return raw.error();
    if (raw->header.kind != VP_EVENT_SPAN) return common::make_error("not a span record");
    model::SyscallSpan span;
    span.pid = static_cast<std::int32_t>(raw->pid);
    span.tid = static_cast<std::int32_t>(raw->tid);
    span.syscall = raw->syscall;
    span.start_ns = raw->start_ns;
    span.end_ns = raw->header.timestamp_ns;
    span.result = raw->result;
    span.arg0 = raw->arg0;
    span.arg1 = raw->arg1;
    return span;
}

std::string join_path_components(const char* bytes, std::size_t length) {
    std::vector<std::string> components;
    std::size_t start = 0;
    for (std::size_t i = 0; i < length; ++i) {
        if (bytes[i] != '\0') continue;
        if (i > start) components.emplace_back(bytes + start, i - start);
        start = i + 1;
    }
    if (start < length) components.emplace_back(bytes + start, length - start);  // unterminated: keep what is there
    if (components.empty()) return "";
    bool from_root = components.back() == "/";
    if (from_root) components.pop_back();
    std::string path = from_root ? "" : "…";
    for (auto component = components.rbegin(); component != components.rend(); ++component) path += "/" + *component;
    return path.empty() ? "/" : path;
}

namespace {

std::string socket_peer(std::uint16_t family, const std::uint8_t* address, std::uint16_t port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET) {
        if (!::inet_ntop(AF_INET, address, text, sizeof(text))) return "";
        return std::string(text) + ":" + std::to_string(port);
    }
    if (family == AF_INET6) {
        if (!::inet_ntop(AF_INET6, address, text, sizeof(text))) return "";
        return "[" + std::string(text) + "]:" + std::to_string(port);
    }
    return "";
}

model::WaitState wait_state(std::uint32_t state) {
    switch (state) {
        case VP_STATE_RUNNABLE: return model::WaitState::Runnable;
        case VP_STATE_BLOCKED: return model::WaitState::Blocked;
        case VP_STATE_STOPPED: return model::WaitState::Stopped;
        default: return model::WaitState::Sleeping;
    }
}

}  // namespace

common::Result<model::WaitInterval> decode_wait(const void* data, std::size_t size) {
    auto raw = copy_record<vp_wait_event>(data, size, "wait");
    if (!raw) return raw.error();
    if (raw->header.kind != VP_EVENT_WAIT) return common::make_error("not a wait record");
    model::WaitInterval wait;
    wait.pid = static_cast<std::int32_t>(raw->pid);
    wait.tid = static_cast<std::int32_t>(raw->tid);
    wait.off_ns = raw->off_ns;
    wait.woken_ns = raw->woken_ns;
    wait.on_ns = raw->header.timestamp_ns;
    wait.on_cpu_before_ns = raw->on_cpu_before_ns;
    wait.run_queue_before_ns = raw->run_queue_before_ns;
    wait.state = wait_state(raw->state);
    wait.syscall = raw->syscall;
    std::copy(std::begin(raw->args), std::end(raw->args), wait.args.begin());
    wait.waker_pid = static_cast<std::int32_t>(raw->waker_pid);
    wait.waker_tid = static_cast<std::int32_t>(raw->waker_tid);
    wait.waker_in_interrupt = raw->waker_in_interrupt != 0;
    wait.waker_comm = bounded_string(raw->waker_comm, sizeof(raw->waker_comm));
    wait.holder_pid = static_cast<std::int32_t>(raw->holder_pid);
    wait.holder_tid = static_cast<std::int32_t>(raw->holder_tid);
    wait.holder_tracked = raw->holder_tracked != 0;
    wait.holder_comm = bounded_string(raw->holder_comm, sizeof(raw->holder_comm));
    wait.object = raw->object_kind <= VP_OBJECT_OTHER ? static_cast<model::WaitObject>(raw->object_kind)
                                                      : model::WaitObject::Other;
    wait.object_inode = raw->object_inode;
    wait.object_device = raw->object_device;
    wait.object_path =
        join_path_components(raw->object_name, std::min<std::size_t>(raw->name_bytes, sizeof(raw->object_name)));
    wait.socket_family = raw->socket_family;
    wait.socket_type = raw->socket_type;
    wait.socket_peer_port = raw->socket_peer_port;
    wait.socket_peer = socket_peer(raw->socket_family, raw->socket_peer_address, raw->socket_peer_port);
    return wait;
}

}  // namespace validprof::tracer
