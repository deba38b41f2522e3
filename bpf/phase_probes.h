/* ABI between bpf/phase_probes.bpf.c and userspace/phases.
 *
 * Applications mark phases with USDT probe pairs NAME_start / NAME_end (or
 * NAME_begin / NAME_end) on one thread. validprof attaches one program to
 * every *_start and one to every *_end, with a cookie naming the phase; a
 * completed phase crosses the ring buffer once, with its duration and the
 * thread's on-CPU time inside it, per CPU. Units: nanoseconds. */
#ifndef VALIDPROF_BPF_PHASE_PROBES_H
#define VALIDPROF_BPF_PHASE_PROBES_H

#include "hook_trace.h"

enum vp_phase_counter {
	VP_PHASE_LOST_RINGBUF = 0,   /* ring buffer full: a completed phase dropped */
	VP_PHASE_LOST_OPEN_FULL = 1, /* open_phases map full: a start not followed */
	VP_PHASE_UNMATCHED_END = 2,  /* an end with no start seen (attached mid-phase) */
	VP_PHASE_COUNTER_MAX = 3,
};

struct vp_phase_key {
	__u32 tid;
	__u32 phase_id; /* the attach cookie: index into userspace's phase table */
};

/* A phase in progress on one thread. */
struct vp_open_phase {
	__u64 start_ns;
	__u64 on_cpu_ns_per_cpu[VP_MAX_CPUS]; /* the thread's totals at the start */
};

/* Phases open on one thread, outermost first (value of thread_phases). */
#define VP_PHASE_NESTING 8
struct vp_thread_phases {
	__u32 depth;
	__u32 ids[VP_PHASE_NESTING];
};

struct vp_phase_event {
	__u32 pid;
	__u32 tid;
	__u32 phase_id;
	__u32 reserved;
	__u64 start_ns;
	__u64 end_ns;
	__u64 on_cpu_ns; /* the thread's on-CPU time between start and end */
	__u64 on_cpu_ns_per_cpu[VP_MAX_CPUS];
};

#endif /* VALIDPROF_BPF_PHASE_PROBES_H */
