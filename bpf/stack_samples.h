/* ABI between bpf/stack_samples.bpf.c and userspace/stacks.
 *
 * Stacks are aggregated in the kernel: a hash map counts samples (and sums
 * off-CPU time) per (process, user stack, kernel stack, kind). A stack is
 * named by a 64-bit hash of its content (for a user stack: of the process
 * and its addresses), not by a BPF_MAP_TYPE_STACK_TRACE id: that map keeps
 * one stack per bucket and drops a new stack whose bucket is taken, which
 * lost every sample of a hot stack in about one session in twenty. User
 * stacks are stored as build-id + file offset (BPF_F_USER_BUILD_ID), so they
 * can be symbolized after the process has exited, from the files alone;
 * frames the kernel could not resolve to a file (JIT code, unreadable notes)
 * keep their raw address. Units: nanoseconds. */
#ifndef VALIDPROF_BPF_STACK_SAMPLES_H
#define VALIDPROF_BPF_STACK_SAMPLES_H

#define VP_STACK_DEPTH 127 /* PERF_MAX_STACK_DEPTH */

/* Most bytes of user stack copied per sample, from the stack pointer up, for
 * unwinding from CFI in userspace; the configured size is at most this. */
#define VP_STACK_COPY_MAX 16384
#define VP_PAGE_SIZE 4096

enum vp_sample_kind {
	VP_SAMPLE_CPU = 0,             /* a cpu-clock sample while on CPU */
	VP_SAMPLE_OFF_CPU_SLEEPING = 1, /* left the CPU in an interruptible sleep */
	VP_SAMPLE_OFF_CPU_BLOCKED = 2,  /* left the CPU uninterruptible (D) */
};

enum vp_stack_counter {
	VP_STACK_LOST_COUNTS_FULL = 0,  /* stack_counts map full: sample dropped */
	VP_STACK_LOST_USER_STACK = 1,   /* user stack not captured (walk failed, map full) */
	VP_STACK_LOST_KERNEL_STACK = 2, /* kernel stack not captured (walk failed, map full) */
	VP_STACK_LOST_OFFCPU_FULL = 3,  /* offcpu_starts map full: a switch-out not followed */
	VP_STACK_COPY_DROPPED = 4,      /* stack_copies ring full: sample kept with its frame-pointer stack */
	VP_STACK_COPY_SLOT_LOST = 5,    /* off-CPU copy evicted before the thread ran again: user stack lost */
	VP_STACK_NOTE_SWITCH_IN_UNSEEN = 6, /* an episode's end no program saw, dated from the kernel's runtime */
	VP_STACK_COUNTER_MAX = 7,
};

/* A stack's name: the hash of its content; these two values are reserved. */
#define VP_STACK_NONE 0ull /* no such stack: kernel thread, or sampled in user mode */
#define VP_STACK_LOST 1ull /* the kernel could not capture it (counted) */

struct vp_stack_key {
	__u64 user_stack;   /* key into user_stacks, or VP_STACK_NONE / VP_STACK_LOST */
	__u64 kernel_stack; /* key into kernel_stacks, or VP_STACK_NONE / VP_STACK_LOST */
	__u32 pid;
	__u32 uid;   /* the task's uid: a perf map is trusted only if it owns it */
	__u32 kind;  /* enum vp_sample_kind */
	__u32 phase; /* USDT phase the thread was in: id + 1, 0 for none (--usdt) */
};

/* Stored stacks, leaf first; `bytes` is what the kernel wrote. */
struct vp_user_stack {
	__u64 bytes;
	struct bpf_stack_build_id frames[VP_STACK_DEPTH];
};

struct vp_kernel_stack {
	__u64 bytes;
	__u64 ips[VP_STACK_DEPTH];
};

struct vp_stack_value {
	__u64 count;    /* samples, or off-CPU episodes */
	__u64 total_ns; /* off-CPU: time until it ran again; CPU: 0 (count × period) */
};

/* A tracked thread that left the CPU to sleep or block, until it runs again. */
struct vp_offcpu_start {
	__u64 switched_out_ns;
	__u64 kernel_runtime_ns; /* the thread's se.sum_exec_runtime at the switch-out */
	__u64 user_stack;
	__u64 kernel_stack;
	__u32 kind;
	__u32 uid;
	__u32 phase;
	__u32 copied; /* 1: the user stack is in offcpu_copies, unwound in userspace */
};

/* One sample whose user stack is unwound in userspace: the user registers
 * and a copy of the stack from sp up, streamed through the stack_copies ring
 * buffer (only the first stack_bytes bytes of `stack` are sent). Off-CPU
 * copies are taken at the switch-out and sent at the switch-in, with the
 * time in between. */
struct vp_stack_copy {
	__u64 time_ns;      /* CLOCK_MONOTONIC of the sample or the switch-out */
	__u64 kernel_stack; /* key into kernel_stacks, or VP_STACK_NONE / VP_STACK_LOST */
	__u64 total_ns;     /* off-CPU: ns until it ran again; CPU: 0 */
	__u64 ip;           /* user registers at the sample (task_pt_regs) */
	__u64 sp;
	__u64 bp;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 kind;  /* enum vp_sample_kind */
	__u32 phase; /* as in vp_stack_key */
	__u32 stack_bytes;
	/* A page more than the most copied, so a page-sized read at any offset
	 * below VP_STACK_COPY_MAX stays inside (the verifier needs to see it). */
	__u8 stack[VP_STACK_COPY_MAX + VP_PAGE_SIZE];
};

#endif /* VALIDPROF_BPF_STACK_SAMPLES_H */
