// SPDX-License-Identifier: GPL-2.0
/* Follows hook process trees and accounts their scheduling.
 *
 * A thread is tracked when its tid is a key of tracked_threads. Userspace
 * seeds the map (record: the command's pid before it execs); a child of a
 * tracked thread is tracked at fork; in attach mode every newly exec'd task
 * is tracked provisionally and userspace removes the ones that match no hook
 * rule. Untracked tasks cost one hash lookup per hook point and nothing more.
 *
 * Scheduler time is aggregated here, per thread, in the map value; it
 * crosses to userspace once, in the thread's exit event, sent at its final
 * context switch (or by reading the map at detach). Only lifecycle events use the ring buffer. Every event
 * that cannot be delivered is counted in `counters`.
 *
 * Each scheduler hook exists twice, tp_btf (cheaper: direct field access)
 * and raw_tp (for kernels without BTF-typed tracepoints); userspace loads
 * exactly one of each pair after probing (userspace/bpf_support/kernel_features).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hook_trace.h"
#include "process_gate.bpf.h"
#include "task_fields.bpf.h"
#include "tracked_threads.bpf.h"
#include "wait_reasons.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Attach mode: start tracking every task that execs while untracked, so a
 * hook's tree is followed from its first instruction; userspace untracks
 * the ones that match no rule. */
const volatile __u32 track_new_execs = 0;

/* Stop a tracked process at the exec of a file userspace has not inspected
 * yet (USDT notes, SQLite symbols), so that probes are attached before the
 * new image runs its first instruction; userspace sends SIGCONT. Once per
 * file per session: checked_files remembers the inspected ones. */
const volatile __u32 gate_unchecked_executables = 0;

/* Waits (off CPU plus the run-queue wait after) at least this long send a
 * vp_wait_event with their reason; shorter ones stay in the totals. */
const volatile __u64 wait_record_min_ns = VP_WAIT_RECORD_MIN_NS;

/* The kernel maintains sched_info (run_delay, pcount): set by userspace
 * after reading its own schedstat (userspace/bpf_support/kernel_features). Then
 * run-queue wait is the kernel's figure; otherwise our clock's. */
const volatile __u32 kernel_keeps_run_delay = 0;

/* Threads whose children are tracked from birth although they are not
 * tracked themselves: validprof's own thread while it forks the command of
 * `record`, so the command's first run-queue wait counts too. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} spawners SEC(".maps");



struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by userspace before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VP_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Template for new map entries: too large for the BPF stack. */
const struct vp_thread_state zero_thread_state = {};

static __always_inline void count(__u32 which)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &which);
	if (value)
		*value += 1;
}

static __always_inline struct vp_thread_state *track_thread(__u32 tid, __u32 pid, __u64 now)
{
	if (bpf_map_update_elem(&tracked_threads, &tid, &zero_thread_state, BPF_ANY)) {
		count(VP_LOST_TRACK_FULL);
		return NULL;
	}
	struct vp_thread_state *state = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (state) {
		state->pid = pid;
		state->tracked_ns = now;
	}
	return state;
}

static __always_inline void fill_header(struct vp_event_header *header, __u32 kind, __u64 now)
{
	header->kind = kind;
	header->cpu = bpf_get_smp_processor_id();
	header->timestamp_ns = now;
}

/* ---- scheduler: the hot path ------------------------------------------ */

static __always_inline __u32 cpu_slot(__u32 cpu)
{
	if (cpu >= VP_MAX_CPUS) {
		cpu = VP_MAX_CPUS - 1;
		count(VP_COUNTER_CPU_FOLDED);
	}
	/* A bound the compiler cannot fold into the test above, so the
	 * verifier sees the index in range. */
	barrier_var(cpu);
	return cpu & (VP_MAX_CPUS - 1);
}

/* Brings on-CPU and run-queue wait up to the kernel's own counters of the
 * task. At a switch-out they are exact: __schedule() has run update_curr()
 * and sched_info keeps the wait of every arrival. Taking differences of
 * them, rather than timing slices with our clock, makes the totals equal
 * /proc/PID/schedstat at the end whatever happens in between (a switch no
 * program saw, interrupt time the kernel leaves out of a task's runtime),
 * and costs nothing: the fields are read anyway. */
static __always_inline void catch_up_with_kernel(struct vp_thread_state *state, struct task_struct *task,
						 __u32 cpu, __u64 now)
{
	__u64 runtime = vp_task_runtime_ns(task);
	__u64 run_delay = vp_task_run_delay_ns(task);
	__u64 timeslices = vp_task_timeslices(task);
	__u32 slot = cpu_slot(cpu);
	__u64 ran = runtime > state->kernel_runtime_ns ? runtime - state->kernel_runtime_ns : 0;
	state->totals.on_cpu_ns += ran;
	state->totals.on_cpu_ns_per_cpu[slot] += ran;
	/* The slice by our clock; where its start was not seen, the kernel's
	 * figure stands in. */
	state->clock_on_cpu_ns_per_cpu[slot] += state->switched_in_ns && now > state->switched_in_ns
							? now - state->switched_in_ns
							: ran;
	if (kernel_keeps_run_delay) {
		if (run_delay > state->kernel_run_delay_ns)
			state->totals.run_queue_wait_ns += run_delay - state->kernel_run_delay_ns;
		/* One arrival per switch-in: more since the last switch-out
		 * means switches in and out that reached no program. The
		 * totals are right anyway; what times slices with our clock
		 * (USDT phases) is not, so they are counted. */
		if (timeslices > state->kernel_timeslices + 1)
			count(VP_COUNTER_SWITCH_IN_UNSEEN);
		/* The kernel skips an arrival whose queueing it did not stamp
		 * (sched_info_arrive() with no last_queued): our clock saw a
		 * wait its figure leaves out. Kept out here too, so that the
		 * totals stay the kernel's; counted so a report can say so. */
		if (timeslices == state->kernel_timeslices && state->clock_run_queue_wait_ns)
			count(VP_COUNTER_ARRIVAL_UNCOUNTED);
	} else {
		state->totals.run_queue_wait_ns += state->clock_run_queue_wait_ns;
	}
	state->clock_run_queue_wait_ns = 0;
	state->kernel_runtime_ns = runtime;
	state->kernel_run_delay_ns = run_delay;
	state->kernel_timeslices = timeslices;
}

/* A wait long enough to explain: its vp_wait_event, with what the thread
 * waited on and who held this CPU until now. */
static __always_inline void send_wait(struct vp_thread_state *state, struct task_struct *next, __u32 next_tid,
				      struct task_struct *prev, bool prev_tracked, __u64 now)
{
	if (!state->switched_out_ns || now - state->switched_out_ns < wait_record_min_ns)
		return;
	struct vp_wait_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count(VP_LOST_RINGBUF_WAIT);
		return;
	}
	fill_header(&event->header, VP_EVENT_WAIT, now);
	event->pid = state->pid;
	event->tid = next_tid;
	event->off_ns = state->switched_out_ns;
	event->woken_ns = state->woken_ns ? state->woken_ns
					  : (state->wait_state != VP_STATE_RUNNABLE ? state->runnable_since_ns : 0);
	event->on_cpu_before_ns = state->wait_on_cpu_ns;
	event->run_queue_before_ns = state->wait_run_queue_ns;
	event->syscall = state->wait_syscall;
	event->args[0] = state->wait_args[0];
	event->args[1] = state->wait_args[1];
	event->args[2] = state->wait_args[2];
	event->state = state->wait_state;
	event->waker_pid = state->waker_pid;
	event->waker_tid = state->waker_tid;
	event->waker_in_interrupt = state->waker_in_interrupt;
	__builtin_memcpy(event->waker_comm, state->waker_comm, sizeof(event->waker_comm));
	if (prev) {
		event->holder_pid = BPF_CORE_READ(prev, tgid);
		event->holder_tid = BPF_CORE_READ(prev, pid);
		event->holder_tracked = prev_tracked;
		BPF_CORE_READ_STR_INTO(&event->holder_comm, prev, comm);
	} else {
		event->holder_pid = 0;
		event->holder_tid = 0;
		event->holder_tracked = 0;
		event->holder_comm[0] = '\0';
	}
	event->object_kind = VP_OBJECT_NONE;
	event->object_inode = 0;
	event->object_device = 0;
	event->socket_family = 0;
	event->socket_peer_port = 0;
	__builtin_memset(event->socket_peer_address, 0, sizeof(event->socket_peer_address));
	event->socket_type = 0;
	event->name_bytes = 0;
	event->object_name[0] = '\0';
	if (state->wait_syscall >= 0 && vp_syscall_waits_on_fd(state->wait_syscall))
		vp_read_waited_object(event, next, state->wait_args[0]);
	bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
}

/* Returns the task state the thread left the CPU with. */
static __always_inline __u32 account_switch_out(struct vp_thread_state *state,
						struct task_struct *prev, bool preempt,
						__u64 now)
{
	if (!state->switched_in_ns) {
		count(VP_COUNTER_SWITCH_IN_UNSEEN); /* harmless: see catch_up_with_kernel */
		/* The wait before this slice ended at that unseen switch-in:
		 * about when the kernel's runtime says the slice began. Sent
		 * late, without the CPU's previous holder. */
		__u64 ran = vp_task_runtime_ns(prev) - state->kernel_runtime_ns;
		__u64 began = now > ran ? now - ran : now;
		if (state->switched_out_ns && began > state->switched_out_ns)
			send_wait(state, prev, BPF_CORE_READ(prev, pid), NULL, false, began);
	}
	catch_up_with_kernel(state, prev, bpf_get_smp_processor_id(), now);
	state->switched_in_ns = 0;
	state->switched_out_ns = now;

	/* Same rule as __schedule(): a switch is voluntary when the task was
	 * not preempted and had set a non-running state. A preempted or
	 * yielding task stays in the run queue, so its wait starts now. */
	__u32 task_state = vp_task_state(prev);
	if (preempt || task_state == VP_TASK_RUNNING) {
		state->totals.involuntary_switches += 1;
		state->state = VP_STATE_RUNNABLE;
		state->runnable_since_ns = now;
		state->wait_state = VP_STATE_RUNNABLE;
		state->wait_syscall = -1;
	} else {
		state->totals.voluntary_switches += 1;
		bool io_wait = (task_state & VP_TASK_UNINTERRUPTIBLE) && !(task_state & VP_TASK_NOLOAD);
		state->state = io_wait ? VP_STATE_BLOCKED : VP_STATE_SLEEPING;
		state->runnable_since_ns = 0;
		state->wait_state = (task_state & VP_TASK_STOPPED_OR_TRACED) ? VP_STATE_STOPPED : state->state;
		/* prev is the current task here: its saved registers say which
		 * system call it waits in. */
		state->wait_syscall = vp_current_syscall(state->wait_args);
	}
	state->wait_on_cpu_ns = state->totals.on_cpu_ns;
	state->wait_run_queue_ns = state->totals.run_queue_wait_ns;
	state->woken_ns = 0;
	state->waker_pid = 0;
	state->waker_tid = 0;
	state->waker_in_interrupt = 0;
	return task_state;
}

static __always_inline void account_switch_in(struct vp_thread_state *state, __u64 now)
{
	if (state->runnable_since_ns && now > state->runnable_since_ns) {
		state->clock_run_queue_wait_ns += now - state->runnable_since_ns;
	} else if (state->switched_out_ns && now > state->switched_out_ns) {
		/* The wakeup was not seen (tracking began while the task slept):
		 * the whole gap is off-CPU time in the state it left with. */
		__u64 gap = now - state->switched_out_ns;
		if (state->state == VP_STATE_BLOCKED)
			state->totals.off_cpu_blocked_ns += gap;
		else if (state->state == VP_STATE_SLEEPING)
			state->totals.off_cpu_sleep_ns += gap;
	}
	state->runnable_since_ns = 0;
	state->switched_in_ns = now;
	state->state = VP_STATE_ON_CPU;
}

/* The thread is gone: its exit event with the final totals, then its map
 * entry. Called at its final switch-out, or when its task_struct is freed
 * if no program saw that switch. */
static __always_inline void finish_thread(struct vp_thread_state *state, struct task_struct *task,
					  __u32 tid, __u64 timestamp_ns)
{
	struct vp_exit_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count(VP_LOST_RINGBUF_EXIT);
	} else {
		fill_header(&event->header, VP_EVENT_EXIT, timestamp_ns);
		event->pid = BPF_CORE_READ(task, tgid);
		event->tid = tid;
		event->ppid = vp_task_parent_pid(task);
		if (state->exit_ns) {
			event->exit_code = state->exit_code;
			event->group_dead = state->group_dead;
		} else { /* its sched_process_exit was not seen */
			event->exit_code = BPF_CORE_READ(task, exit_code);
			event->group_dead = vp_task_group_dead(task);
		}
		/* Pages; an unsigned long in the kernel, 16 TiB fit in 32 bits of 4 KiB pages. */
		event->max_rss_pages = event->group_dead ? (__u32)BPF_CORE_READ(task, signal, maxrss) : 0;
		event->exiting_ns = state->exit_ns;
		bpf_probe_read_kernel(&event->totals, sizeof(event->totals), &state->totals);
		bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
	}
	bpf_map_delete_elem(&tracked_threads, &tid);
}

static __always_inline int handle_switch(bool preempt, struct task_struct *prev, __u32 prev_tid,
					 struct task_struct *next, __u32 next_tid)
{
	/* Filter first: two lookups, and nothing else for untracked tasks. */
	struct vp_thread_state *prev_state = bpf_map_lookup_elem(&tracked_threads, &prev_tid);
	struct vp_thread_state *next_state = bpf_map_lookup_elem(&tracked_threads, &next_tid);
	__u64 now = 0;
	if (prev_state) {
		now = bpf_ktime_get_ns();
		/* do_task_dead(): this is the thread's last switch. */
		if (account_switch_out(prev_state, prev, preempt, now) == VP_TASK_DEAD)
			finish_thread(prev_state, prev, prev_tid, now);
	}
	if (next_state) {
		if (!now)
			now = bpf_ktime_get_ns();
		send_wait(next_state, next, next_tid, prev, prev_state != NULL, now);
		account_switch_in(next_state, now);
	}
	return 0;
}

/* sched_waking fires in the waker's context (sched_wakeup may fire on the
 * wakee's CPU, from an interrupt): who woke the thread, and when. */
static __always_inline int handle_waking(__u32 tid)
{
	struct vp_thread_state *state = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (!state || state->switched_in_ns || state->woken_ns)
		return 0; /* untracked, running, or already woken */
	state->woken_ns = bpf_ktime_get_ns();
	__u64 waker = bpf_get_current_pid_tgid();
	state->waker_pid = waker >> 32;
	state->waker_tid = (__u32)waker;
	state->waker_in_interrupt = vp_woken_from_idle(waker);
	bpf_get_current_comm(state->waker_comm, sizeof(state->waker_comm));
	return 0;
}

static __always_inline int handle_wakeup(__u32 tid)
{
	struct vp_thread_state *state = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (!state || state->switched_in_ns)
		return 0; /* untracked, or woken before it even left the CPU */

	__u64 now = bpf_ktime_get_ns();
	if (state->switched_out_ns && now > state->switched_out_ns) {
		__u64 off = now - state->switched_out_ns;
		if (state->state == VP_STATE_BLOCKED)
			state->totals.off_cpu_blocked_ns += off;
		else if (state->state == VP_STATE_SLEEPING)
			state->totals.off_cpu_sleep_ns += off;
	}
	if (!state->runnable_since_ns)
		state->runnable_since_ns = now;
	state->state = VP_STATE_RUNNABLE;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(preempt, prev, prev->pid, next, next->pid);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(preempt, prev, BPF_CORE_READ(prev, pid), next, BPF_CORE_READ(next, pid));
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup_btf, struct task_struct *task)
{
	return handle_wakeup(task->pid);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(sched_wakeup_raw, struct task_struct *task)
{
	return handle_wakeup(BPF_CORE_READ(task, pid));
}

SEC("tp_btf/sched_waking")
int BPF_PROG(sched_waking_btf, struct task_struct *task)
{
	return handle_waking(task->pid);
}

SEC("raw_tp/sched_waking")
int BPF_PROG(sched_waking_raw, struct task_struct *task)
{
	return handle_waking(BPF_CORE_READ(task, pid));
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_btf, struct task_struct *task)
{
	return handle_wakeup(task->pid);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_raw, struct task_struct *task)
{
	return handle_wakeup(BPF_CORE_READ(task, pid));
}

/* ---- process lifecycle -------------------------------------------------- */

static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tid = BPF_CORE_READ(parent, pid);
	if (!bpf_map_lookup_elem(&tracked_threads, &parent_tid) && !bpf_map_lookup_elem(&spawners, &parent_tid))
		return 0;

	__u64 now = bpf_ktime_get_ns();
	__u32 child_tid = BPF_CORE_READ(child, pid);
	__u32 child_pid = BPF_CORE_READ(child, tgid);
	struct vp_thread_state *state = track_thread(child_tid, child_pid, now);
	if (state) {
		state->state = VP_STATE_RUNNABLE; /* sched_wakeup_new follows */
		/* Its first wait, in the run queue until it first runs, begins
		 * now: recorded like any other wait at that first switch-in, so
		 * a timeline does not show it as time on a CPU. */
		state->switched_out_ns = now;
		state->wait_state = VP_STATE_RUNNABLE;
		state->wait_syscall = -1;
	}

	struct vp_fork_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count(VP_LOST_RINGBUF_FORK);
		return 0;
	}
	fill_header(&event->header, VP_EVENT_FORK, now);
	event->parent_pid = BPF_CORE_READ(parent, tgid);
	event->parent_tid = parent_tid;
	event->child_pid = child_pid;
	event->child_tid = child_tid;
	bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
	return 0;
}

static __always_inline int handle_exec(struct task_struct *task, __u32 old_tid,
				       struct linux_binprm *bprm)
{
	__u32 tid = BPF_CORE_READ(task, pid);
	__u32 pid = BPF_CORE_READ(task, tgid);
	__u64 now = bpf_ktime_get_ns();

	struct vp_thread_state *state = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (!state && old_tid != tid) {
		/* A non-leader thread exec'd and took over the leader's tid. */
		struct vp_thread_state *old = bpf_map_lookup_elem(&tracked_threads, &old_tid);
		if (old) {
			if (bpf_map_update_elem(&tracked_threads, &tid, old, BPF_ANY))
				count(VP_LOST_TRACK_FULL);
			bpf_map_delete_elem(&tracked_threads, &old_tid);
			state = bpf_map_lookup_elem(&tracked_threads, &tid);
		}
	}
	if (!state) {
		if (!track_new_execs)
			return 0;
		state = track_thread(tid, pid, now);
		if (!state)
			return 0;
		state->switched_in_ns = now; /* it is running the exec right now */
		state->kernel_runtime_ns = vp_task_runtime_ns(task);
		state->kernel_run_delay_ns = vp_task_run_delay_ns(task);
		state->kernel_timeslices = vp_task_timeslices(task);
	}

	state->exec_ns = now;

	struct vp_exec_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count(VP_LOST_RINGBUF_EXEC);
		return 0;
	}
	fill_header(&event->header, VP_EVENT_EXEC, now);
	event->pid = pid;
	event->ppid = vp_task_parent_pid(task);
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	const char *filename = BPF_CORE_READ(bprm, filename);
	if (bpf_probe_read_kernel_str(event->filename, sizeof(event->filename), filename) < 0)
		event->filename[0] = '\0';

	/* The new image's arguments are in user memory at [arg_start, arg_end). */
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long arg_start = BPF_CORE_READ(mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(mm, arg_end);
	__u64 length = arg_end > arg_start ? arg_end - arg_start : 0;
	event->argv_truncated = length > VP_ARGV_BYTES;
	if (length > VP_ARGV_BYTES)
		length = VP_ARGV_BYTES;
	if (bpf_probe_read_user(event->argv, length, (const void *)arg_start) < 0)
		length = 0;
	event->argv_bytes = length;

	struct file *file = BPF_CORE_READ(bprm, file);
	event->file.inode = BPF_CORE_READ(file, f_inode, i_ino);
	event->file.device = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	event->file.reserved = 0;
	event->reserved = 0;
	/* Only with the event reserved: userspace must learn of every stop,
	 * or the process would stay stopped. */
	event->gated = gate_unchecked_executables && !vp_file_checked(&event->file) && vp_gate_hold(pid, now);
	/* Waking userspace per event cost a 5 ms hook more than the BPF work
	 * did (docs/performance.md): only a stopped process cannot wait for
	 * the next poll round. Forced: a plain submit wakes nobody while
	 * earlier records are still unread. */
	bpf_ringbuf_submit(event, event->gated ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	return 0;
}

/* sched_process_exit fires early in do_exit(), before the address space,
 * the files and the parent notification are dealt with: remember the
 * exit's facts here and report at the final switch, with the final times. */
static __always_inline int handle_exit(struct task_struct *task)
{
	__u32 tid = BPF_CORE_READ(task, pid);
	struct vp_thread_state *state = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (!state)
		return 0;
	state->exit_ns = bpf_ktime_get_ns();
	state->exit_code = BPF_CORE_READ(task, exit_code);
	state->group_dead = vp_task_group_dead(task);
	return 0;
}

/* The last reference to a task_struct is gone, which is always after its
 * final switch. A thread still in the map here had that switch reach no
 * program: report it now, its times completed from the kernel's counters
 * (final by now), stamped with its sched_process_exit. */
static __always_inline int handle_free(struct task_struct *task)
{
	__u32 tid = BPF_CORE_READ(task, pid);
	struct vp_thread_state *state = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (!state)
		return 0;
	count(VP_COUNTER_FINAL_SWITCH_UNSEEN);
	__u64 now = bpf_ktime_get_ns();
	state->switched_in_ns = 0; /* long gone: the kernel's figure for its last slice */
	catch_up_with_kernel(state, task, vp_task_cpu(task), now);
	finish_thread(state, task, tid, state->exit_ns ? state->exit_ns : now);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(sched_process_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec_btf, struct task_struct *task, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	return handle_exec(task, old_pid, bprm);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(sched_process_exec_raw, struct task_struct *task, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	return handle_exec(task, old_pid, bprm);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit_btf, struct task_struct *task)
{
	return handle_exit(task);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(sched_process_exit_raw, struct task_struct *task)
{
	return handle_exit(task);
}

SEC("tp_btf/sched_process_free")
int BPF_PROG(sched_process_free_btf, struct task_struct *task)
{
	return handle_free(task);
}

SEC("raw_tp/sched_process_free")
int BPF_PROG(sched_process_free_raw, struct task_struct *task)
{
	return handle_free(task);
}

/* ---- traced system calls (spans) ---------------------------------------- */

/* Entry and exit of every system call on the machine: the call's number is
 * compared first (a few instructions), and only the calls whose whole time
 * names a cause (vp_syscall_is_span) go on to the tracked-thread lookup.
 * Two programs instead of a tracepoint per call: releasing each of 28
 * tracepoint links waits for an RCU grace period, a second in all. */
static __always_inline int span_enter(struct pt_regs *regs, __s64 nr)
{
	if (!vp_syscall_is_span(nr))
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vp_thread_state *state = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (!state)
		return 0;
	state->span_syscall = nr;
	state->span_start_ns = bpf_ktime_get_ns();
	state->span_args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	state->span_args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	return 0;
}

static __always_inline int span_exit(struct pt_regs *regs, __s64 result)
{
	__s64 nr = vp_syscall_number(regs);
	if (!vp_syscall_is_span(nr))
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct vp_thread_state *state = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (!state || state->span_syscall != nr || !state->span_start_ns)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 start = state->span_start_ns;
	state->span_syscall = -1;
	state->span_start_ns = 0;
	/* Short calls are not worth a record, but every failed exec is: a
	 * PATH search costs a string of them. */
	if (now - start < wait_record_min_ns && result >= 0)
		return 0;
	struct vp_span_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count(VP_LOST_RINGBUF_SPAN);
		return 0;
	}
	fill_header(&event->header, VP_EVENT_SPAN, now);
	event->pid = pid_tgid >> 32;
	event->tid = tid;
	event->syscall = nr;
	event->start_ns = start;
	event->result = result;
	event->arg0 = state->span_args[0];
	event->arg1 = state->span_args[1];
	bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	return span_enter(regs, id);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return span_enter(regs, id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return span_exit(regs, ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return span_exit(regs, ret);
}
