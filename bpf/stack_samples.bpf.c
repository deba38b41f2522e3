// SPDX-License-Identifier: GPL-2.0
/* Stack profiles of tracked threads: on-CPU samples from the cpu-clock
 * software event, off-CPU time at sched_switch.
 *
 * The filter is the same tracked_threads map that hook_trace fills (shared
 * via bpf_map__reuse_fd): an untracked task costs one lookup. Samples are
 * aggregated here per (process, stacks, kind); userspace reads the maps once,
 * at the end of the session, when every frame can be symbolized from the
 * files (user stacks are build-id + offset). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "stack_samples.h"
#include "task_fields.bpf.h"
#include "thread_phases.bpf.h"
#include "tracked_threads.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define VP_EFAULT 14 /* errno values are macros, not in BTF */

/* Off-CPU episodes shorter than this are not recorded (too many, too
 * little time); configurable with --offcpu-min-us. */
const volatile __u64 offcpu_min_ns = 1000000;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384); /* resized by userspace */
	__uint(map_flags, BPF_F_STACK_BUILD_ID);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, VP_STACK_DEPTH * sizeof(struct bpf_stack_build_id));
} user_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384); /* resized by userspace */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, VP_STACK_DEPTH * sizeof(__u64));
} kernel_stacks SEC(".maps");

/* perf_event programs may only use preallocated hash maps. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* resized by userspace */
	__type(key, struct vp_stack_key);
	__type(value, struct vp_stack_value);
} stack_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* resized by userspace */
	__type(key, __u32); /* tid */
	__type(value, struct vp_offcpu_start);
} offcpu_starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VP_STACK_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stack_counters SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *value = bpf_map_lookup_elem(&stack_counters, &which);
	if (value)
		*value += 1;
}

static __always_inline void add_sample(struct vp_stack_key *key, __u64 total_ns)
{
	struct vp_stack_value *value = bpf_map_lookup_elem(&stack_counts, key);
	if (!value) {
		struct vp_stack_value zero = {};
		/* EEXIST (another CPU inserted it first) is fine: look it up. */
		bpf_map_update_elem(&stack_counts, key, &zero, BPF_NOEXIST);
		value = bpf_map_lookup_elem(&stack_counts, key);
		if (!value) {
			count(VP_STACK_LOST_COUNTS_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&value->count, 1);
	if (total_ns)
		__sync_fetch_and_add(&value->total_ns, total_ns);
}

static __always_inline __s32 user_stack(void *ctx)
{
	long id = bpf_get_stackid(ctx, &user_stacks, BPF_F_USER_STACK);
	if (id < 0 && id != -VP_EFAULT) /* EFAULT: no user stack (kernel thread) */
		count(VP_STACK_LOST_USER_STACK);
	return (__s32)id;
}

static __always_inline __s32 kernel_stack(void *ctx)
{
	long id = bpf_get_stackid(ctx, &kernel_stacks, 0);
	if (id < 0 && id != -VP_EFAULT)
		count(VP_STACK_LOST_KERNEL_STACK);
	return (__s32)id;
}

SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	if (!bpf_map_lookup_elem(&tracked_threads, &tid))
		return 0;

	struct vp_stack_key key = {};
	key.pid = pid_tgid >> 32;
	key.uid = (__u32)bpf_get_current_uid_gid();
	key.user_stack_id = user_stack(ctx);
	key.kernel_stack_id = kernel_stack(ctx);
	key.kind = VP_SAMPLE_CPU;
	key.phase = vp_current_phase(tid);
	add_sample(&key, 0);
	return 0;
}

/* At a switch the tracepoint runs in prev's context, so the stacks taken
 * here are prev's: where it went to sleep. */
static __always_inline int handle_switch(void *ctx, bool preempt, struct task_struct *prev,
					 __u32 prev_tid, __u32 next_tid)
{
	if (bpf_map_lookup_elem(&tracked_threads, &prev_tid)) {
		__u32 state = vp_task_state(prev);
		if (!preempt && state != VP_TASK_RUNNING) {
			struct vp_offcpu_start start = {};
			start.switched_out_ns = bpf_ktime_get_ns();
			start.user_stack_id = user_stack(ctx);
			start.kernel_stack_id = kernel_stack(ctx);
			start.kind = (state & VP_TASK_UNINTERRUPTIBLE) && !(state & VP_TASK_NOLOAD)
					     ? VP_SAMPLE_OFF_CPU_BLOCKED
					     : VP_SAMPLE_OFF_CPU_SLEEPING;
			start.uid = (__u32)bpf_get_current_uid_gid();
			start.phase = vp_current_phase(prev_tid);
			if (bpf_map_update_elem(&offcpu_starts, &prev_tid, &start, BPF_ANY))
				count(VP_STACK_LOST_OFFCPU_FULL);
		}
	}

	struct vp_offcpu_start *start = bpf_map_lookup_elem(&offcpu_starts, &next_tid);
	if (!start)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 off_ns = now > start->switched_out_ns ? now - start->switched_out_ns : 0;
	if (off_ns >= offcpu_min_ns) {
		struct vp_stack_key key = {};
		key.pid = 0;
		key.uid = start->uid;
		key.user_stack_id = start->user_stack_id;
		key.kernel_stack_id = start->kernel_stack_id;
		key.kind = start->kind;
		key.phase = start->phase;
		struct vp_thread_state *tracked = bpf_map_lookup_elem(&tracked_threads, &next_tid);
		if (tracked) {
			key.pid = tracked->pid;
			add_sample(&key, off_ns);
		}
	}
	bpf_map_delete_elem(&offcpu_starts, &next_tid);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(ctx, preempt, prev, prev->pid, next->pid);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(offcpu_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(ctx, preempt, prev, BPF_CORE_READ(prev, pid), BPF_CORE_READ(next, pid));
}
