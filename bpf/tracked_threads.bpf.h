/* The tracked-threads map, defined once for every BPF object that filters
 * on it. hook_trace owns and fills it; other objects (stack_samples) declare
 * the identical map and userspace points theirs at hook_trace's with
 * bpf_map__reuse_fd() before load, so "is this task tracked?" is the same
 * single lookup everywhere. */
#ifndef VALIDPROF_BPF_TRACKED_THREADS_BPF_H
#define VALIDPROF_BPF_TRACKED_THREADS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "hook_trace.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* resized by userspace before load */
	/* Entries are ~2.2 KB (two per-CPU arrays); allocate on use rather than
	 * reserving max_entries of them up front. Insertions happen at fork
	 * and exec only, never on the scheduler hot path. */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct vp_thread_state);
} tracked_threads SEC(".maps");

#endif /* VALIDPROF_BPF_TRACKED_THREADS_BPF_H */
