/* The USDT phases each thread is inside, innermost last: written by
 * phase_probes at each NAME_start/NAME_end, read by stack_samples so that a
 * stack sample names the phase it was taken in. Defined once here; the
 * stack sampler shares phase_probes' map through bpf_map__reuse_fd. */
#ifndef VALIDPROF_BPF_THREAD_PHASES_BPF_H
#define VALIDPROF_BPF_THREAD_PHASES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "phase_probes.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct vp_thread_phases);
} thread_phases SEC(".maps");

/* 0 when the thread is in no phase, else the innermost phase id + 1. */
static __always_inline __u32 vp_current_phase(__u32 tid)
{
	struct vp_thread_phases *phases = bpf_map_lookup_elem(&thread_phases, &tid);
	if (!phases || phases->depth == 0 || phases->depth > VP_PHASE_NESTING)
		return 0;
	return phases->ids[(phases->depth - 1) & (VP_PHASE_NESTING - 1)] + 1;
}

#endif /* VALIDPROF_BPF_THREAD_PHASES_BPF_H */
