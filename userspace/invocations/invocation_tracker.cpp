#include "invocations/invocation_tracker.h"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

namespace validprof::invocations {
namespace {

// How long an ignored pid is remembered. It only has to cover the events
// already in flight when the untrack request reaches the kernel: the ring
// buffer poll interval plus processing, well under a second, but never less
// than the linger that bounds reordering.
constexpr std::uint64_t kMinIgnoredRetentionNs = 1'000'000'000;

std::string basename_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

InvocationTracker::InvocationTracker(rules::RuleSet rules, TrackerOptions options)
    : rules_(std::move(rules)), options_(std::move(options)) {}

void InvocationTracker::set_record_root(std::int32_t pid, std::uint64_t start_ns) {
    if (record_group_ == kNoGroup) {
        record_group_ = next_group_++;
        Group& group = groups_[record_group_];
        group.id = record_group_;
        group.record_tree = true;
        group.start_ns = start_ns;
    }
    Group& group = groups_.at(record_group_);
    ProcessKey key = processes_.lookup(pid, start_ns);
    if (key == kNoProcess) key = processes_.create(pid, 0, start_ns).key;
    TrackedProcess& process = processes_.at(key);
    // Its events may have been read before the tracer called us.
    process.record.start_ns = std::min(process.record.start_ns, start_ns);
    if (process.group == kNoGroup) adopt(key, record_group_, kNoProcess);
    group.root = key;
    group.root_pid = pid;
    group.start_ns = start_ns;
}

void InvocationTracker::on_event(const model::ProcessEvent& event) {
    ++counters_.events;
    std::visit(
        [this](const auto& e) {
            latest_event_ns_ = std::max(latest_event_ns_, e.timestamp_ns);
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, model::ForkEvent>) {
                on_fork(e);
            } else if constexpr (std::is_same_v<T, model::ExecEvent>) {
                on_exec(e);
            } else {
                on_exit(e);
            }
        },
        event);
}

void InvocationTracker::note_gate_hold(std::int32_t pid, std::uint64_t held_ns) {
    if (held_ns == 0) return;
    TrackedProcess* process = processes_.find(processes_.current(pid));
    if (process == nullptr) return;
    process->record.gate_holds += 1;
    process->record.gate_held_ns += held_ns;
}

void InvocationTracker::on_fork(const model::ForkEvent& fork) {
    if (fork.child_pid == fork.parent_pid) {
        on_thread_start(fork);
        return;
    }
    const std::uint64_t ts = fork.timestamp_ns;
    if (const ProcessKey existing = processes_.current(fork.child_pid); existing != kNoProcess) {
        TrackedProcess& child = processes_.at(existing);
        const bool reused_after_exit = child.record.exited && ts > child.record.end_ns;
        // Its own exec or exit came first: this fork is late, not a new process.
        const bool late = ts <= child.record.start_ns;
        const bool same_parent = child.record.ppid == 0 || child.record.ppid == fork.parent_pid;
        if (!reused_after_exit && (late || same_parent)) {
            if (late) child.record.start_ns = ts;
            note_thread(child, fork.child_tid, fork.parent_tid, ts);
            // The fork names the parent that the exec or exit (possibly after
            // reparenting) did not.
            if (late || child.record.ppid == 0) child.record.ppid = fork.parent_pid;
            if (child.group == kNoGroup) {
                ++child.pending_events;
                place(child, ts);
            }
            return;
        }
        // Otherwise a new process reuses the pid: after the old one's exit, or
        // from another parent while the old one's exit event was lost.
    }
    // A forked child runs its parent's image until it execs (if it ever
    // does): it shows the parent's command, as ps does.
    model::ProcessRecord image;
    if (const ProcessKey parent = processes_.lookup(fork.parent_pid, ts); parent != kNoProcess)
        image = processes_.at(parent).record;
    TrackedProcess& child = processes_.create(fork.child_pid, fork.parent_pid, ts);
    child.record.exe = std::move(image.exe);
    child.record.argv = std::move(image.argv);
    child.record.comm = std::move(image.comm);
    note_thread(child, fork.child_tid, fork.parent_tid, ts);
    child.pending_events = 1;
    place(child, ts);
}

void InvocationTracker::on_thread_start(const model::ForkEvent& fork) {
    const std::uint64_t ts = fork.timestamp_ns;
    if (const ProcessKey key = processes_.lookup(fork.parent_pid, ts); key != kNoProcess) {
        TrackedProcess& process = processes_.at(key);
        note_thread(process, fork.child_tid, fork.parent_tid, ts);
        if (process.group == kNoGroup) ++process.pending_events;
        return;
    }
    if (is_ignored(fork.parent_pid)) {
        untrack(fork.child_tid, 0, ts);
        return;
    }
    // A thread of a process not seen yet: wait for its fork or exec.
    TrackedProcess& process = processes_.create(fork.parent_pid, 0, ts);
    note_thread(process, fork.child_tid, fork.parent_tid, ts);
    process.pending_events = 1;
    place(process, ts);
}

void InvocationTracker::on_exec(const model::ExecEvent& exec) {
    const std::uint64_t ts = exec.timestamp_ns;
    const ProcessKey key = processes_.lookup(exec.pid, ts);
    TrackedProcess* process = key == kNoProcess ? nullptr : processes_.find(key);

    if (process != nullptr && process->group != kNoGroup) {
        apply_exec(*process, exec);
        // Inside an invocation a rule match changes nothing: a nested hook is
        // part of the outer one. In the command tree it starts an invocation.
        if (process->group == record_group_) {
            if (const rules::Rule* rule = rules_.match(exec.argv, exec.filename)) {
                start_invocation(key, *rule, ts);
            }
        }
        return;
    }

    // Unknown (or pending) pid whose parent is tracked: its fork event was
    // lost or is late. It belongs to the parent's tree, whatever it runs.
    const ProcessKey parent = processes_.lookup(exec.ppid, ts);
    const GroupId parent_group = group_of(parent);
    if (parent_group != kNoGroup) {
        if (process == nullptr) process = &processes_.create(exec.pid, exec.ppid, ts);
        apply_exec(*process, exec);
        const ProcessKey child = process->key;
        adopt(child, parent_group, parent);
        if (parent_group == record_group_) {
            if (const rules::Rule* rule = rules_.match(exec.argv, exec.filename)) {
                start_invocation(child, *rule, ts);
            }
        }
        return;
    }

    if (const rules::Rule* rule = rules_.match(exec.argv, exec.filename)) {
        if (process == nullptr) process = &processes_.create(exec.pid, exec.ppid, ts);
        apply_exec(*process, exec);
        start_invocation(process->key, *rule, ts);
        return;
    }

    if (process != nullptr) {  // pending: its parent may still turn up
        apply_exec(*process, exec);
        ++process->pending_events;
        place(*process, ts);
        return;
    }

    TrackedProcess& unclaimed = processes_.create(exec.pid, exec.ppid, ts);
    apply_exec(unclaimed, exec);
    if (attach() && parent == kNoProcess) {
        // The common attach-mode case: an unrelated process on the system.
        // Pending children that were waiting for it go with it.
        ignore_process(unclaimed.key);
        return;
    }
    // Its parent is pending, or (record mode, where the kernel only tracks
    // the command tree) its parent's events are late: wait for them.
    unclaimed.pending_events = 1;
    place(unclaimed, ts);
}

void InvocationTracker::on_exit(const model::ExitEvent& exit) {
    const std::uint64_t ts = exit.timestamp_ns;
    if (TrackedProcess* process = straggler_of(exit)) {
        // Exits are stamped at each thread's final switch, and the thread
        // that ended the group (the last past sched_process_exit) need not
        // be the last to switch out: this one still belongs to the process,
        // whose end moves to it.
        apply_exit(*process, exit);
        process->record.end_ns = std::max(process->record.end_ns, ts);
        note_process_end(*process);
        settle(*process);
        return;
    }
    if (const ProcessKey key = processes_.lookup(exit.pid, ts); key != kNoProcess) {
        TrackedProcess& process = processes_.at(key);
        // Stamped well before this process began: a thread of an earlier
        // process with the same pid, reported when its task was freed (the
        // kernel frees the pid first, so a new process can have it by then)
        // and stamped with its old exit. Applied here it would end the new
        // process before it started, and its real exit would then find no
        // live process to close.
        if (ts + options_.linger_ns < process.record.start_ns) {
            ++counters_.unattributed_events;
            return;
        }
        if (process.group == kNoGroup) ++process.pending_events;
        const bool group_died = apply_exit(process, exit);
        if (group_died && threads_still_running(process) > 0) {
            awaiting_.insert(key);
        } else if (group_died) {
            note_process_exit(process);
        } else {
            settle(process);
        }
        return;
    }
    if (is_ignored(exit.pid)) {
        if (exit.group_dead) ignored_.erase(exit.pid);
        return;
    }

    const ProcessKey parent = processes_.lookup(exit.ppid, ts);
    const GroupId parent_group = group_of(parent);
    if (parent == kNoProcess && is_ignored(exit.ppid)) {
        // A child of an ignored process whose fork we never saw.
        if (!exit.group_dead) {
            untrack(exit.pid, 0, ts);
            mark_ignored(exit.pid, ts);
        }
        return;
    }
    // First sight of this process is its exit: fork and exec were lost or
    // are late. With a tracked parent it joins that tree now.
    TrackedProcess& process = processes_.create(exit.pid, exit.ppid, ts);
    apply_exit(process, exit);
    if (parent_group != kNoGroup) {
        adopt(process.key, parent_group, parent);
        return;
    }
    process.pending_events = 1;
    place(process, ts);
}

GroupId InvocationTracker::group_of(ProcessKey key) const {
    const TrackedProcess* process = processes_.find(key);
    return process == nullptr ? kNoGroup : process->group;
}

void InvocationTracker::place(TrackedProcess& process, std::uint64_t timestamp_ns) {
    const std::int32_t ppid = process.record.ppid;
    if (ppid != 0) {
        const ProcessKey parent = processes_.lookup(ppid, timestamp_ns);
        if (const GroupId group = group_of(parent); group != kNoGroup) {
            adopt(process.key, group, parent);
            return;
        }
        if (parent == kNoProcess && is_ignored(ppid)) {
            ignore_process(process.key);
            return;
        }
        if (process.waiting_for_pid != ppid) {
            pending_by_parent_[ppid].push_back(process.key);
            process.waiting_for_pid = ppid;
        }
    }
    pending_.insert(process.key);
}

void InvocationTracker::adopt(ProcessKey key, GroupId group_id, ProcessKey parent) {
    Group& group = groups_.at(group_id);
    std::vector<std::pair<ProcessKey, ProcessKey>> todo{{key, parent}};
    while (!todo.empty()) {
        const auto [child_key, parent_key] = todo.back();
        todo.pop_back();
        TrackedProcess* process = processes_.find(child_key);
        if (process == nullptr || process->group != kNoGroup) continue;
        process->group = group_id;
        process->pending_events = 0;  // attributed after all
        process->waiting_for_pid = 0;
        pending_.erase(child_key);
        if (TrackedProcess* parent_process = processes_.find(parent_key)) {
            process->parent = parent_key;
            parent_process->children.push_back(child_key);
        }
        join_group(group, *process);
        ignored_.erase(process->record.pid);

        const auto waiting = pending_by_parent_.find(process->record.pid);
        if (waiting == pending_by_parent_.end()) continue;
        const std::vector<ProcessKey> children = std::move(waiting->second);
        pending_by_parent_.erase(waiting);
        for (const ProcessKey waiting_key : children) {
            const TrackedProcess* candidate = processes_.find(waiting_key);
            if (candidate != nullptr && candidate->group == kNoGroup &&
                candidate->waiting_for_pid == process->record.pid) {
                todo.emplace_back(waiting_key, child_key);
            }
        }
    }
}

void InvocationTracker::join_group(Group& group, const TrackedProcess& process) {
    group.members.push_back(process.key);
    if (!process.record.exited || awaiting(process)) {
        if (group.alive++ == 0) drained_.erase(group.id);
        return;
    }
    group.last_end_ns = std::max(group.last_end_ns, process.record.end_ns);
    if (group.alive == 0 && !group.record_tree) drained_.insert(group.id);
}

TrackedProcess* InvocationTracker::straggler_of(const model::ExitEvent& exit) {
    TrackedProcess* process = processes_.find(processes_.current(exit.pid));
    if (process == nullptr || !process->record.exited) return nullptr;
    // A thread the process is known to have, not exited yet: no other
    // process can have that tid while it lives, however late its final
    // switch, and whatever its group-dead flag says. The kernel's flag is
    // read at sched_process_exit, after do_exit() decremented the live
    // thread count: a thread that decremented first but reaches the
    // tracepoint after the last one did (while that one is still in
    // exit_mm, say) reads zero too, so two threads of a dying Node process
    // can both claim the group's end.
    if (const auto thread = process->threads.find(exit.tid);
        thread != process->threads.end() && !thread->second.exited) {
        return process;
    }
    if (exit.group_dead) return nullptr;
    const std::uint64_t end = process->record.end_ns;
    if (exit.timestamp_ns <= end || exit.timestamp_ns - end > options_.linger_ns) return nullptr;
    return process;
}

void InvocationTracker::settle(TrackedProcess& process) {
    if (!awaiting(process) || threads_still_running(process) > 0) return;
    awaiting_.erase(process.key);
    note_process_exit(process);
}

void InvocationTracker::stop_awaiting(std::uint64_t now_ns, bool all) {
    std::vector<ProcessKey> overdue;
    for (const ProcessKey key : awaiting_) {
        const TrackedProcess& process = processes_.at(key);
        if (all || now_ns >= process.record.end_ns + options_.thread_exit_wait_ns) overdue.push_back(key);
    }
    for (const ProcessKey key : overdue) {
        TrackedProcess& process = processes_.at(key);
        counters_.thread_exits_unseen += threads_still_running(process);
        awaiting_.erase(key);
        note_process_exit(process);
    }
}

void InvocationTracker::note_process_end(const TrackedProcess& process) {
    if (process.group == kNoGroup) return;
    Group& group = groups_.at(process.group);
    group.last_end_ns = std::max(group.last_end_ns, process.record.end_ns);
}

void InvocationTracker::note_process_exit(const TrackedProcess& process) {
    if (process.group == kNoGroup) return;
    note_process_end(process);
    Group& group = groups_.at(process.group);
    if (group.alive > 0 && --group.alive == 0 && !group.record_tree) drained_.insert(group.id);
}

void InvocationTracker::start_invocation(ProcessKey root, const rules::Rule& rule, std::uint64_t exec_ns) {
    const GroupId id = next_group_++;
    Group& group = groups_[id];
    group.id = id;
    group.hook = rule.name;
    group.root = root;
    TrackedProcess& process = processes_.at(root);
    group.root_pid = process.record.pid;
    group.start_ns = exec_ns;
    ++counters_.invocations_started;
    if (process.group == kNoGroup) {
        adopt(root, id, process.parent);
    } else {
        move_subtree(root, process.group, id);
    }
}

void InvocationTracker::move_subtree(ProcessKey root, GroupId from_id, GroupId to_id) {
    Group& from = groups_.at(from_id);
    Group& to = groups_.at(to_id);
    std::vector<ProcessKey> todo{root};
    while (!todo.empty()) {
        const ProcessKey key = todo.back();
        todo.pop_back();
        TrackedProcess* process = processes_.find(key);
        if (process == nullptr || process->group != from_id) continue;
        process->group = to_id;
        if (!process->record.exited && from.alive > 0) --from.alive;
        join_group(to, *process);
        todo.insert(todo.end(), process->children.begin(), process->children.end());
    }
}

void InvocationTracker::ignore_process(ProcessKey key) {
    std::vector<ProcessKey> todo{key};
    while (!todo.empty()) {
        const ProcessKey current = todo.back();
        todo.pop_back();
        TrackedProcess* process = processes_.find(current);
        if (process == nullptr || process->group != kNoGroup) continue;
        const std::int32_t pid = process->record.pid;
        if (!process->record.exited) {
            untrack_threads(*process);
            mark_ignored(pid, std::max(process->first_seen_ns, latest_event_ns_));
        }
        if (const auto waiting = pending_by_parent_.find(pid); waiting != pending_by_parent_.end()) {
            for (const ProcessKey child : waiting->second) {
                const TrackedProcess* candidate = processes_.find(child);
                if (candidate != nullptr && candidate->waiting_for_pid == pid) todo.push_back(child);
            }
            pending_by_parent_.erase(waiting);
        }
        pending_.erase(current);
        processes_.erase(current);
    }
}

void InvocationTracker::mark_ignored(std::int32_t pid, std::uint64_t timestamp_ns) {
    if (!attach()) return;
    ignored_[pid] = timestamp_ns;
    ignored_order_.emplace_back(timestamp_ns, pid);
}

void InvocationTracker::expire_ignored(std::uint64_t now_ns) {
    const std::uint64_t retention = std::max(options_.linger_ns, kMinIgnoredRetentionNs);
    while (!ignored_order_.empty() && now_ns >= ignored_order_.front().first + retention) {
        const auto [timestamp_ns, pid] = ignored_order_.front();
        ignored_order_.pop_front();
        // A newer entry for the same pid stays until its own turn.
        if (const auto it = ignored_.find(pid); it != ignored_.end() && it->second == timestamp_ns) {
            ignored_.erase(it);
        }
    }
}

void InvocationTracker::expire_pending(std::uint64_t now_ns, bool all) {
    std::vector<ProcessKey> expired;
    for (const ProcessKey key : pending_) {
        const TrackedProcess& process = processes_.at(key);
        if (all || now_ns >= process.first_seen_ns + options_.linger_ns) expired.push_back(key);
    }
    for (const ProcessKey key : expired) {
        TrackedProcess* process = processes_.find(key);
        if (process == nullptr) continue;
        counters_.unattributed_events += process->pending_events;
        // Nothing claimed it: in attach mode the kernel should stop tracking
        // it (at session end the kernel side is going away anyway).
        if (!all && !process->record.exited) {
            untrack_threads(*process);
            mark_ignored(process->record.pid, now_ns);
        }
        pending_.erase(key);
        awaiting_.erase(key);
        processes_.erase(key);
    }
    // Drop waiting lists that no pending process is registered in any more.
    for (auto it = pending_by_parent_.begin(); it != pending_by_parent_.end();) {
        auto& waiting = it->second;
        std::erase_if(waiting, [&](ProcessKey key) {
            const TrackedProcess* process = processes_.find(key);
            return process == nullptr || process->group != kNoGroup || process->waiting_for_pid != it->first;
        });
        it = waiting.empty() ? pending_by_parent_.erase(it) : std::next(it);
    }
}

void InvocationTracker::untrack(std::int32_t tid, std::uint64_t judged_exec_ns, std::uint64_t seen_by_ns) {
    if (attach()) untrack_requests_.push_back({tid, judged_exec_ns, seen_by_ns});
}

void InvocationTracker::untrack_threads(const TrackedProcess& process) {
    for (const auto& [tid, thread] : process.threads) {
        // A thread first noted without a time (its exit's bookkeeping) was
        // alive by the latest event at the latest.
        const std::uint64_t seen_by = thread.start_ns ? thread.start_ns : std::max(process.first_seen_ns, latest_event_ns_);
        untrack(tid, process.record.exec_ns, seen_by);
    }
}

std::vector<model::Invocation> InvocationTracker::take_finished(std::uint64_t now_ns) {
    expire_ignored(now_ns);
    expire_pending(now_ns, false);
    stop_awaiting(now_ns, false);

    std::vector<GroupId> ready;
    for (const GroupId id : drained_) {
        const Group& group = groups_.at(id);
        if (now_ns >= group.last_end_ns + options_.linger_ns) ready.push_back(id);
    }
    std::vector<model::Invocation> finished;
    finished.reserve(ready.size());
    for (const GroupId id : ready) {
        finished.push_back(build(groups_.at(id), now_ns));
        drained_.erase(id);
        release(id);
    }
    std::sort(finished.begin(), finished.end(), [](const auto& a, const auto& b) {
        return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.root_pid < b.root_pid;
    });
    counters_.invocations_finished += finished.size();
    return finished;
}

std::vector<UntrackRequest> InvocationTracker::take_untrack_requests() {
    return std::exchange(untrack_requests_, {});
}

std::vector<model::Invocation> InvocationTracker::finish(std::uint64_t now_ns,
                                                         const std::vector<LiveThread>& live_threads) {
    for (const LiveThread& thread : live_threads) {
        TrackedProcess* process = processes_.find(processes_.current(thread.pid));
        if (process == nullptr || (process->record.exited && !awaiting(*process))) continue;
        model::ThreadRecord& record = note_thread(*process, thread.tid, 0, 0);
        if (record.exited) continue;
        process->record.times.add(thread.times);
        record.times.add(thread.times);
    }
    expire_pending(now_ns, true);
    stop_awaiting(now_ns, true);

    std::vector<const Group*> remaining;
    for (const auto& [id, group] : groups_) {
        if (!group.record_tree) remaining.push_back(&group);
    }
    std::sort(remaining.begin(), remaining.end(), [](const Group* a, const Group* b) {
        return a->start_ns != b->start_ns ? a->start_ns < b->start_ns : a->id < b->id;
    });
    std::vector<model::Invocation> out;
    for (const Group* group : remaining) out.push_back(build(*group, now_ns));

    // Record mode without any rule match: the command itself is what was
    // asked to be profiled, so it is reported as one invocation.
    if (options_.mode == TrackingMode::Record && counters_.invocations_started == 0 &&
        record_group_ != kNoGroup) {
        const Group& tree = groups_.at(record_group_);
        model::Invocation invocation = build(tree, now_ns);
        invocation.hook = options_.record_command_name;
        if (invocation.hook.empty() && !invocation.processes.empty()) {
            const auto& root = invocation.processes.front();
            invocation.hook = basename_of(root.exe.empty() ? root.comm : root.exe);
        }
        ++counters_.invocations_started;
        out.push_back(std::move(invocation));
    }
    counters_.invocations_finished += out.size();

    // Everything was handed out: start over empty.
    processes_ = ProcessTable{};
    groups_.clear();
    record_group_ = kNoGroup;
    drained_.clear();
    pending_.clear();
    awaiting_.clear();
    pending_by_parent_.clear();
    ignored_.clear();
    ignored_order_.clear();
    return out;
}

std::size_t InvocationTracker::open_invocations() const {
    return groups_.size() - (record_group_ != kNoGroup ? 1 : 0);
}

std::size_t InvocationTracker::live_processes() const {
    std::size_t live = 0;
    for (const auto& [id, group] : groups_) live += group.alive;
    return live;
}

std::size_t InvocationTracker::live_record_processes() const {
    if (record_group_ == kNoGroup) return 0;
    std::size_t live = 0;
    for (const ProcessKey key : groups_.at(record_group_).members) {
        const TrackedProcess* process = processes_.find(key);
        if (process != nullptr && process->group == record_group_ &&
            (!process->record.exited || awaiting(*process)))
            ++live;
    }
    return live;
}

model::Invocation InvocationTracker::build(const Group& group, std::uint64_t now_ns) const {
    std::vector<const TrackedProcess*> members;
    members.reserve(group.members.size());
    for (const ProcessKey key : group.members) {
        const TrackedProcess* process = processes_.find(key);
        if (process != nullptr && process->group == group.id) members.push_back(process);
    }
    // Root first, then in start order (ties in the order they were seen).
    std::sort(members.begin(), members.end(), [&](const TrackedProcess* a, const TrackedProcess* b) {
        const bool a_root = a->key == group.root;
        const bool b_root = b->key == group.root;
        if (a_root != b_root) return a_root;
        if (a->record.start_ns != b->record.start_ns) return a->record.start_ns < b->record.start_ns;
        return a->key < b->key;
    });

    model::Invocation invocation;
    invocation.hook = group.hook;
    invocation.root_pid = group.root_pid;
    invocation.start_ns = group.start_ns;
    invocation.complete = true;
    invocation.processes.reserve(members.size());
    for (const TrackedProcess* process : members) {
        const model::ProcessRecord& record = process->record;
        invocation.times.add(record.times);
        if (record.exited) {
            invocation.last_end_ns = std::max(invocation.last_end_ns, record.end_ns);
        } else {
            invocation.complete = false;
        }
        if (process->key == group.root && record.exited) {
            invocation.root_end_ns = record.end_ns;
            invocation.exit_code = record.exit_code;
        }
        invocation.processes.push_back(record);
        invocation.processes.back().thread_records = threads_in_creation_order(*process);
    }
    if (!invocation.complete) invocation.last_end_ns = now_ns;
    return invocation;
}

void InvocationTracker::release(GroupId id) {
    const auto it = groups_.find(id);
    if (it == groups_.end()) return;
    for (const ProcessKey key : it->second.members) {
        const TrackedProcess* process = processes_.find(key);
        if (process != nullptr && process->group == id) {
            awaiting_.erase(key);
            processes_.erase(key);
        }
    }
    groups_.erase(it);
}

}  // namespace validprof::invocations
