/* The gate, shared by every BPF object that holds processes (hook_trace at
 * exec, sqlite_probes at an executable mapping): a tracked process about
 * to run code from a file userspace has not inspected yet is stopped with
 * SIGSTOP, so that probes can be attached before that code runs; userspace
 * inspects the file, attaches, and continues it.
 *
 * hook_trace owns the maps; other objects declare the identical maps and
 * userspace points theirs at hook_trace's with bpf_map__reuse_fd() before
 * load. Every hold is written to held_processes before the signal is sent,
 * so a process is never stopped without the kernel knowing it is held:
 * whoever ends the session (validprof, or its watchdog when validprof was
 * killed) closes the gate and continues every process still listed. */
#ifndef VALIDPROF_BPF_PROCESS_GATE_BPF_H
#define VALIDPROF_BPF_PROCESS_GATE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "hook_trace.h"

#define VP_SIGSTOP 19
#define VP_GATE_MAX_HELD 4096

/* Files already inspected (device, inode): never held for again. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vp_file_key);
	__type(value, __u8);
} checked_files SEC(".maps");

/* Processes held now: pid → when the hold began (CLOCK_MONOTONIC ns). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VP_GATE_MAX_HELD);
	__type(key, __u32);
	__type(value, __u64);
} held_processes SEC(".maps");

/* [0]: 1 while holding is allowed. Zero at load: userspace opens the gate
 * when it is ready to continue what it holds, and closes it before it
 * stops listening. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} gate_state SEC(".maps");

static __always_inline bool vp_file_checked(const struct vp_file_key *file)
{
	return bpf_map_lookup_elem(&checked_files, file) != NULL;
}

/* Stops the current process (SIGSTOP, delivered on its way back to user
 * space) and lists it as held. False when the gate is closed, the list is
 * full or the signal could not be sent: the process then runs on, unheld. */
static __always_inline bool vp_gate_hold(__u32 pid, __u64 now)
{
	__u32 zero = 0;
	__u32 *open = bpf_map_lookup_elem(&gate_state, &zero);
	if (!open || !*open)
		return false;
	if (bpf_map_update_elem(&held_processes, &pid, &now, BPF_ANY))
		return false;
	if (bpf_send_signal(VP_SIGSTOP)) {
		bpf_map_delete_elem(&held_processes, &pid);
		return false;
	}
	return true;
}

#endif /* VALIDPROF_BPF_PROCESS_GATE_BPF_H */
