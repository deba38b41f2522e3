// SPDX-License-Identifier: GPL-2.0
/* Phases marked by USDT probe pairs in tracked processes.
 *
 * The thread's on-CPU time inside a phase comes from hook_trace's own
 * accounting (tracked_threads, shared via bpf_map__reuse_fd): its on-CPU
 * per CPU by the clock (clock_on_cpu_ns_per_cpu) at the end minus that at
 * the start, each including the slice the thread is running at that
 * moment. One clock for whole and partial slices, so a phase's CPU never
 * exceeds its duration; split by core, at the cost of two map lookups and
 * a copy. Being time on a CPU, it includes what the kernel leaves out of a
 * task's runtime: hypervisor steal time on a virtual machine, interrupts
 * where they are accounted apart. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "phase_probes.h"
#include "task_fields.bpf.h"
#include "thread_phases.bpf.h"
#include "tracked_threads.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vp_phase_key);
	__type(value, struct vp_open_phase);
} open_phases SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} phase_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VP_PHASE_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} phase_counters SEC(".maps");

/* Template for new open_phases entries: too large for the stack. */
const struct vp_open_phase zero_open_phase = {};

static __always_inline void push_phase(__u32 tid, __u32 phase_id)
{
	struct vp_thread_phases *phases = bpf_map_lookup_elem(&thread_phases, &tid);
	if (!phases) {
		struct vp_thread_phases empty = {};
		bpf_map_update_elem(&thread_phases, &tid, &empty, BPF_NOEXIST);
		phases = bpf_map_lookup_elem(&thread_phases, &tid);
		if (!phases)
			return;
	}
	__u32 depth = phases->depth;
	if (depth < VP_PHASE_NESTING)
		phases->ids[depth & (VP_PHASE_NESTING - 1)] = phase_id;
	phases->depth = depth + 1;
}

/* Pops phase_id, and anything opened inside it that never ended. */
static __always_inline void pop_phase(__u32 tid, __u32 phase_id)
{
	struct vp_thread_phases *phases = bpf_map_lookup_elem(&thread_phases, &tid);
	if (!phases || phases->depth == 0)
		return;
	__u32 depth = phases->depth;
	if (depth > VP_PHASE_NESTING) {
		phases->depth = depth - 1; /* deeper than recorded: just count down */
		return;
	}
	/* The innermost occurrence of phase_id, searched with constant
	 * indexes (the verifier wants them bounded). */
	__u32 found = depth;
	for (__u32 i = 0; i < VP_PHASE_NESTING; i++)
		if (i < depth && phases->ids[i] == phase_id)
			found = i;
	if (found < depth)
		phases->depth = found;
}

static __always_inline void count(__u32 which)
{
	__u64 *value = bpf_map_lookup_elem(&phase_counters, &which);
	if (value)
		*value += 1;
}

/* The running thread's current slice on this CPU. When its switch-in was
 * never seen (see account_switch_out in hook_trace.bpf.c), the scheduler's
 * own counter since the last switch-out stands in for it: exact but for
 * the time since the last scheduler tick. */
static __always_inline __u64 running_slice(struct vp_thread_state *thread, __u64 now)
{
	if (thread->switched_in_ns)
		return now > thread->switched_in_ns ? now - thread->switched_in_ns : 0;
	__u64 runtime = vp_task_runtime_ns((struct task_struct *)bpf_get_current_task());
	return runtime > thread->kernel_runtime_ns ? runtime - thread->kernel_runtime_ns : 0;
}

static __always_inline __u32 this_cpu(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return cpu < VP_MAX_CPUS ? cpu : VP_MAX_CPUS - 1;
}

static __always_inline int on_phase_start(__u32 phase_id)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vp_thread_state *thread = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (!thread)
		return 0;

	struct vp_phase_key key = {.tid = tid, .phase_id = phase_id};
	if (bpf_map_update_elem(&open_phases, &key, &zero_open_phase, BPF_ANY)) {
		count(VP_PHASE_LOST_OPEN_FULL);
		return 0;
	}
	struct vp_open_phase *open = bpf_map_lookup_elem(&open_phases, &key);
	if (!open)
		return 0;
	push_phase(tid, phase_id);
	__u64 now = bpf_ktime_get_ns();
	open->start_ns = now;
	bpf_probe_read_kernel(open->on_cpu_ns_per_cpu, sizeof(open->on_cpu_ns_per_cpu),
			      thread->clock_on_cpu_ns_per_cpu);
	__u32 cpu = this_cpu();
	open->on_cpu_ns_per_cpu[cpu] += running_slice(thread, now);
	return 0;
}

static __always_inline int on_phase_end(__u32 phase_id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct vp_thread_state *thread = bpf_map_lookup_elem(&tracked_threads, &tid);
	if (!thread)
		return 0;
	struct vp_phase_key key = {.tid = tid, .phase_id = phase_id};
	struct vp_open_phase *open = bpf_map_lookup_elem(&open_phases, &key);
	if (!open) {
		count(VP_PHASE_UNMATCHED_END);
		return 0;
	}
	pop_phase(tid, phase_id);

	__u64 now = bpf_ktime_get_ns();
	struct vp_phase_event *event = bpf_ringbuf_reserve(&phase_events, sizeof(*event), 0);
	if (!event) {
		count(VP_PHASE_LOST_RINGBUF);
		bpf_map_delete_elem(&open_phases, &key);
		return 0;
	}
	event->pid = pid_tgid >> 32;
	event->tid = tid;
	event->phase_id = key.phase_id;
	event->reserved = 0;
	event->start_ns = open->start_ns;
	event->end_ns = now;
	bpf_probe_read_kernel(event->on_cpu_ns_per_cpu, sizeof(event->on_cpu_ns_per_cpu),
			      thread->clock_on_cpu_ns_per_cpu);
	__u32 current_cpu = this_cpu();
	__u64 total = 0;
	for (__u32 cpu = 0; cpu < VP_MAX_CPUS; cpu++) {
		__u64 end_value = event->on_cpu_ns_per_cpu[cpu];
		if (cpu == current_cpu)
			end_value += running_slice(thread, now);
		__u64 start_value = open->on_cpu_ns_per_cpu[cpu];
		__u64 inside = end_value > start_value ? end_value - start_value : 0;
		event->on_cpu_ns_per_cpu[cpu] = inside;
		total += inside;
	}
	event->on_cpu_ns = total;
	bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP); /* collected at the next poll round */
	bpf_map_delete_elem(&open_phases, &key);
	return 0;
}

/* The phase comes from the attach cookie: one program per end serves a
 * uprobe.multi link (Linux 6.6: all of a file's sites, released with one
 * RCU grace period) and per-site uprobes alike (bpf_support/UprobeSet). */
SEC("uprobe")
int phase_start(struct pt_regs *ctx)
{
	return on_phase_start((__u32)bpf_get_attach_cookie(ctx));
}

SEC("uprobe")
int phase_end(struct pt_regs *ctx)
{
	return on_phase_end((__u32)bpf_get_attach_cookie(ctx));
}
