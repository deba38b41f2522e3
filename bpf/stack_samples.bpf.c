// SPDX-License-Identifier: GPL-2.0
/* Stack profiles of tracked threads: on-CPU samples from the cpu-clock
 * software event, off-CPU time at sched_switch.
 *
 * The filter is the same tracked_threads map that hook_trace fills (shared
 * via bpf_map__reuse_fd): an untracked task costs one lookup. Samples are
 * aggregated here per (process, stacks, kind); userspace reads the maps once,
 * at the end of the session, when every frame can be symbolized from the
 * files (user stacks are build-id + offset).
 *
 * With stack_copy_bytes set (the default), user stacks are not walked here
 * by frame pointer, which most distribution code lacks: the user registers
 * and the top of the user stack go through the stack_copies ring buffer to
 * userspace, which unwinds them from .eh_frame (userspace/stacks/
 * cfi_unwinder.h) and aggregates them itself. Kernel stacks stay aggregated
 * here. A copy the ring buffer cannot take falls back to the frame-pointer
 * walk, counted. */
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
#define VP_EEXIST 17

/* Off-CPU episodes shorter than this are not recorded (too many, too
 * little time); configurable with --offcpu-min-us. */
const volatile __u64 offcpu_min_ns = 1000000;

/* Bytes of user stack copied per sample (0: frame-pointer walks only). */
const volatile __u32 stack_copy_bytes = 0;

/* Samples with their stack copies, for userspace to unwind. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by userspace */
} stack_copies SEC(".maps");

/* A thread's stack copied when it left the CPU, sent when it runs again if
 * it was away long enough. LRU: a slot of a thread that died is reused. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 512); /* resized by userspace */
	__type(key, __u32);       /* tid */
	__type(value, struct vp_stack_copy);
} offcpu_copies SEC(".maps");

/* Room to build a CPU sample's copy in (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vp_stack_copy);
} copy_scratch SEC(".maps");

/* Stacks by content hash (see stack_samples.h). Hash maps, so perf_event
 * programs need them preallocated: the default. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384); /* resized by userspace */
	__type(key, __u64);
	__type(value, struct vp_user_stack);
} user_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384); /* resized by userspace */
	__type(key, __u64);
	__type(value, struct vp_kernel_stack);
} kernel_stacks SEC(".maps");

/* Per-CPU room to walk a stack in: too big for the BPF stack. One slot is
 * enough: sched_switch runs with interrupts off and the cpu-clock program
 * runs from the timer interrupt, so the two never interleave on a CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vp_kernel_stack);
} address_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vp_user_stack);
} build_id_scratch SEC(".maps");

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

/* A 64-bit hash of the words walked (a murmur3-style round per word, then
 * its finalizer): two distinct stacks among 10^5 collide with probability
 * about 10^-9. The reserved names are moved out of the way. */
static __always_inline __u64 hash_words(__u64 seed, const __u64 *words, __u64 bytes)
{
	__u64 hash = seed ^ bytes;
	__u32 count = bytes / sizeof(__u64);
	for (__u32 i = 0; i < VP_STACK_DEPTH; i++) {
		if (i >= count)
			break;
		__u64 word = words[i] * 0x87c37b91114253d5ull;
		word = (word << 31) | (word >> 33);
		hash ^= word * 0x4cf5ad432745937full;
		hash = ((hash << 27) | (hash >> 37)) * 5 + 0x52dce729;
	}
	hash ^= hash >> 33;
	hash *= 0xff51afd7ed558ccdull;
	hash ^= hash >> 33;
	hash *= 0xc4ceb9fe1a85ec53ull;
	hash ^= hash >> 33;
	return hash <= VP_STACK_LOST ? hash + 2 : hash;
}

/* Walks the stack's addresses into the scratch; returns the bytes written,
 * 0 for no stack (a kernel thread's user stack, a user-mode sample's kernel
 * stack), < 0 when the walk failed. */
static __always_inline long walk_addresses(void *ctx, struct vp_kernel_stack *scratch, __u64 flags)
{
	long bytes = bpf_get_stack(ctx, scratch->ips, sizeof(scratch->ips), flags);
	if (bytes == -VP_EFAULT) /* no user context to walk */
		return 0;
	scratch->bytes = bytes > 0 ? bytes : 0;
	return bytes;
}

/* The user stack's name. The addresses are walked (cheap) and hashed with
 * the process, whose address space they belong to; only a stack not stored
 * yet is walked again for build-ids, which costs a file lookup per frame. */
static __always_inline __u64 user_stack(void *ctx, __u32 pid)
{
	__u32 zero = 0;
	struct vp_kernel_stack *addresses = bpf_map_lookup_elem(&address_scratch, &zero);
	if (!addresses)
		return VP_STACK_LOST;
	long bytes = walk_addresses(ctx, addresses, BPF_F_USER_STACK);
	if (bytes == 0)
		return VP_STACK_NONE;
	if (bytes < 0) {
		count(VP_STACK_LOST_USER_STACK);
		return VP_STACK_LOST;
	}
	__u64 name = hash_words(pid, addresses->ips, addresses->bytes);
	if (bpf_map_lookup_elem(&user_stacks, &name))
		return name;
	struct vp_user_stack *frames = bpf_map_lookup_elem(&build_id_scratch, &zero);
	if (!frames)
		return VP_STACK_LOST;
	bytes = bpf_get_stack(ctx, frames->frames, sizeof(frames->frames), BPF_F_USER_STACK | BPF_F_USER_BUILD_ID);
	if (bytes < 0) {
		count(VP_STACK_LOST_USER_STACK);
		return VP_STACK_LOST;
	}
	frames->bytes = bytes;
	/* EEXIST: another CPU stored the same stack first. */
	long stored = bpf_map_update_elem(&user_stacks, &name, frames, BPF_NOEXIST);
	if (stored && stored != -VP_EEXIST) {
		count(VP_STACK_LOST_USER_STACK);
		return VP_STACK_LOST;
	}
	return name;
}

static __always_inline __u64 kernel_stack(void *ctx)
{
	__u32 zero = 0;
	struct vp_kernel_stack *addresses = bpf_map_lookup_elem(&address_scratch, &zero);
	if (!addresses)
		return VP_STACK_LOST;
	long bytes = walk_addresses(ctx, addresses, 0);
	if (bytes == 0)
		return VP_STACK_NONE;
	if (bytes < 0) {
		count(VP_STACK_LOST_KERNEL_STACK);
		return VP_STACK_LOST;
	}
	__u64 name = hash_words(0, addresses->ips, addresses->bytes);
	if (bpf_map_lookup_elem(&kernel_stacks, &name))
		return name;
	long stored = bpf_map_update_elem(&kernel_stacks, &name, addresses, BPF_NOEXIST);
	if (stored && stored != -VP_EEXIST) {
		count(VP_STACK_LOST_KERNEL_STACK);
		return VP_STACK_LOST;
	}
	return name;
}

/* Copies the current task's user registers and up to stack_copy_bytes of
 * its user stack into `copy`; false for a task without a user part. The
 * stack is read a page at a time so that its top (the end of the mapping)
 * ends the copy instead of failing it. */
static __always_inline bool copy_user_stack(struct vp_stack_copy *copy)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (!BPF_CORE_READ(task, mm))
		return false; /* kernel thread */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return false;
	copy->ip = BPF_CORE_READ(regs, ip);
	copy->sp = BPF_CORE_READ(regs, sp);
	copy->bp = BPF_CORE_READ(regs, bp);
	__u64 copied = 0;
	for (int i = 0; i < VP_STACK_COPY_MAX / VP_PAGE_SIZE + 1; i++) {
		if (copied >= stack_copy_bytes || copied >= VP_STACK_COPY_MAX)
			break;
		__u64 at = copy->sp + copied;
		__u64 chunk = VP_PAGE_SIZE - (at & (VP_PAGE_SIZE - 1));
		if (chunk > stack_copy_bytes - copied)
			chunk = stack_copy_bytes - copied;
		/* Hide what clang knows of chunk, so that the bound the verifier
		 * needs is checked on the register passed to the helper. */
		asm volatile("" : "+r"(chunk));
		if (chunk > VP_PAGE_SIZE)
			break;
		__u64 offset = copied & (VP_STACK_COPY_MAX - 1);
		if (bpf_probe_read_user(&copy->stack[offset], chunk, (void *)at))
			break;
		copied += chunk;
	}
	copy->stack_bytes = copied;
	return true;
}

/* Sends a copy to userspace; false when the ring buffer is full. Wakes the
 * reader only once the ring is half full: it polls anyway, and fewer
 * wake-ups cost the sampled CPUs less. */
static __always_inline bool send_copy(struct vp_stack_copy *copy)
{
	__u32 bytes = copy->stack_bytes;
	if (bytes > VP_STACK_COPY_MAX)
		bytes = VP_STACK_COPY_MAX;
	__u64 size = __builtin_offsetof(struct vp_stack_copy, stack) + bytes;
	__u64 flags = bpf_ringbuf_query(&stack_copies, BPF_RB_AVAIL_DATA) >
				      bpf_ringbuf_query(&stack_copies, BPF_RB_RING_SIZE) / 2
			      ? BPF_RB_FORCE_WAKEUP
			      : BPF_RB_NO_WAKEUP;
	return bpf_ringbuf_output(&stack_copies, copy, size, flags) == 0;
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
	if (stack_copy_bytes) {
		__u32 zero = 0;
		struct vp_stack_copy *copy = bpf_map_lookup_elem(&copy_scratch, &zero);
		if (copy && copy_user_stack(copy)) {
			copy->time_ns = bpf_ktime_get_ns();
			copy->kernel_stack = kernel_stack(ctx);
			copy->total_ns = 0;
			copy->pid = key.pid;
			copy->tid = tid;
			copy->uid = key.uid;
			copy->kind = VP_SAMPLE_CPU;
			copy->phase = vp_current_phase(tid);
			if (send_copy(copy))
				return 0; /* counted by userspace once unwound */
			count(VP_STACK_COPY_DROPPED);
		}
	}
	key.user_stack = user_stack(ctx, key.pid);
	key.kernel_stack = kernel_stack(ctx);
	key.kind = VP_SAMPLE_CPU;
	key.phase = vp_current_phase(tid);
	add_sample(&key, 0);
	return 0;
}

/* The switching-out thread's stack into its offcpu_copies slot, written in
 * place (a thread's first sleep inserts the slot from the scratch). */
static __always_inline __u32 copy_offcpu_stack(__u32 tid, struct vp_offcpu_start *start)
{
	struct vp_stack_copy *copy = bpf_map_lookup_elem(&offcpu_copies, &tid);
	if (!copy) {
		__u32 zero = 0;
		struct vp_stack_copy *scratch = bpf_map_lookup_elem(&copy_scratch, &zero);
		if (!scratch)
			return 0;
		scratch->stack_bytes = 0;
		bpf_map_update_elem(&offcpu_copies, &tid, scratch, BPF_ANY);
		copy = bpf_map_lookup_elem(&offcpu_copies, &tid);
		if (!copy)
			return 0;
	}
	if (!copy_user_stack(copy))
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	copy->time_ns = start->switched_out_ns;
	copy->kernel_stack = start->kernel_stack;
	copy->pid = pid_tgid >> 32;
	copy->tid = tid;
	copy->uid = (__u32)bpf_get_current_uid_gid();
	copy->phase = vp_current_phase(tid);
	return 1;
}

/* An off-CPU episode ends when its thread runs again: a sample weighted by
 * its length, or the copied stack sent for unwinding with that weight. */
static __always_inline void end_offcpu_episode(struct vp_offcpu_start *start, __u32 tid, __u64 ended_ns)
{
	__u64 off_ns = ended_ns > start->switched_out_ns ? ended_ns - start->switched_out_ns : 0;
	if (off_ns >= offcpu_min_ns) {
		struct vp_stack_key key = {};
		key.uid = start->uid;
		key.user_stack = start->user_stack;
		key.kernel_stack = start->kernel_stack;
		key.kind = start->kind;
		key.phase = start->phase;
		struct vp_thread_state *tracked = bpf_map_lookup_elem(&tracked_threads, &tid);
		if (tracked) {
			key.pid = tracked->pid;
			bool sent = false;
			if (start->copied) {
				struct vp_stack_copy *copy = bpf_map_lookup_elem(&offcpu_copies, &tid);
				if (copy) {
					copy->kind = start->kind;
					copy->total_ns = off_ns;
					sent = send_copy(copy);
					if (!sent)
						count(VP_STACK_COPY_DROPPED);
				} else {
					count(VP_STACK_COPY_SLOT_LOST);
				}
				/* The frame-pointer stack was not taken: the user part is lost. */
				key.user_stack = VP_STACK_LOST;
			}
			if (!sent)
				add_sample(&key, off_ns);
		}
	}
	bpf_map_delete_elem(&offcpu_starts, &tid);
}

/* At a switch the tracepoint runs in prev's context, so the stacks taken
 * here are prev's: where it went to sleep. */
static __always_inline int handle_switch(void *ctx, bool preempt, struct task_struct *prev,
					 __u32 prev_tid, __u32 next_tid)
{
	if (bpf_map_lookup_elem(&tracked_threads, &prev_tid)) {
		/* prev is running, so an episode still open for it ended at a
		 * switch-in no program saw (a kernel quirk, see hook_trace's
		 * note_switch_in_unseen). Left open, its weight would run on
		 * through this slice and the next; it ended where the kernel's
		 * runtime says this slice began. */
		struct vp_offcpu_start *stale = bpf_map_lookup_elem(&offcpu_starts, &prev_tid);
		if (stale) {
			__u64 now = bpf_ktime_get_ns();
			__u64 runtime = vp_task_runtime_ns(prev);
			__u64 ran = runtime > stale->kernel_runtime_ns ? runtime - stale->kernel_runtime_ns : 0;
			count(VP_STACK_NOTE_SWITCH_IN_UNSEEN);
			end_offcpu_episode(stale, prev_tid, now > ran ? now - ran : now);
		}
		__u32 state = vp_task_state(prev);
		if (!preempt && state != VP_TASK_RUNNING) {
			struct vp_offcpu_start start = {};
			start.switched_out_ns = bpf_ktime_get_ns();
			start.kernel_runtime_ns = vp_task_runtime_ns(prev);
			/* current is still prev here */
			start.kernel_stack = kernel_stack(ctx);
			if (stack_copy_bytes && !(state & VP_TASK_DEAD))
				start.copied = copy_offcpu_stack(prev_tid, &start);
			if (!start.copied)
				start.user_stack = user_stack(ctx, bpf_get_current_pid_tgid() >> 32);
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
	if (start)
		end_offcpu_episode(start, next_tid, bpf_ktime_get_ns());
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
