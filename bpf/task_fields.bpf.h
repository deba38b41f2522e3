/* CO-RE readers for task_struct fields whose name or meaning changed across
 * kernels. Usable from tp_btf and raw_tp programs alike (they go through
 * BPF_CORE_READ, i.e. bpf_probe_read_kernel). */
#ifndef VALIDPROF_BPF_TASK_FIELDS_BPF_H
#define VALIDPROF_BPF_TASK_FIELDS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* Task state bits from include/linux/sched.h; #defines, so not in BTF. */
#define VP_TASK_RUNNING 0x0000
#define VP_TASK_UNINTERRUPTIBLE 0x0002
#define VP_TASK_DEAD 0x0080
#define VP_TASK_NOLOAD 0x0400

/* Linux 5.14 (commit 2f064a59a11f, "sched: Change task_struct::state")
 * renamed task_struct::state to __state and made it unsigned int. */
struct task_struct___pre_5_14 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline __u32 vp_task_state(struct task_struct *task)
{
	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	struct task_struct___pre_5_14 *old = (void *)task;
	return (__u32)BPF_CORE_READ(old, state);
}

/* The process is gone when signal_struct::live drops to zero; do_exit()
 * decrements it before the sched_process_exit tracepoint fires. Reading it
 * works on every kernel, unlike the tracepoint's group_dead argument (added
 * in 6.16). */
static __always_inline __u32 vp_task_group_dead(struct task_struct *task)
{
	return BPF_CORE_READ(task, signal, live.counter) == 0;
}

/* The scheduler's own on-CPU total for the task (what /proc/PID/schedstat
 * reports first), current up to the last update_curr(). */
static __always_inline __u64 vp_task_runtime_ns(struct task_struct *task)
{
	return BPF_CORE_READ(task, se.sum_exec_runtime);
}

/* The scheduler's own run-queue wait total (schedstat's second field);
 * sched_info exists only with CONFIG_SCHED_INFO. */
static __always_inline __u64 vp_task_run_delay_ns(struct task_struct *task)
{
	if (bpf_core_field_exists(task->sched_info))
		return BPF_CORE_READ(task, sched_info.run_delay);
	return 0;
}

/* Arrivals on a CPU (schedstat's third field). It advances at every
 * switch-in when the kernel keeps sched_info; where the field exists but is
 * not maintained (before Linux 5.14 it was only with schedstats or delay
 * accounting switched on) it stays put, which is how callers tell. */
static __always_inline __u64 vp_task_timeslices(struct task_struct *task)
{
	if (bpf_core_field_exists(task->sched_info))
		return BPF_CORE_READ(task, sched_info.pcount);
	return 0;
}

/* The CPU the task last ran on. Linux 5.16 ("sched: move CPU field back
 * into thread_info if THREAD_INFO_IN_TASK=y") put it in thread_info on
 * most architectures; elsewhere it is task_struct::cpu. */
struct task_struct___with_cpu {
	unsigned int cpu;
} __attribute__((preserve_access_index));

static __always_inline __u32 vp_task_cpu(struct task_struct *task)
{
	if (bpf_core_field_exists(task->thread_info.cpu))
		return BPF_CORE_READ(task, thread_info.cpu);
	struct task_struct___with_cpu *with_cpu = (void *)task;
	if (bpf_core_field_exists(with_cpu->cpu))
		return BPF_CORE_READ(with_cpu, cpu);
	return bpf_get_smp_processor_id();
}

static __always_inline __u32 vp_task_parent_pid(struct task_struct *task)
{
	return BPF_CORE_READ(task, real_parent, tgid);
}

#endif /* VALIDPROF_BPF_TASK_FIELDS_BPF_H */
