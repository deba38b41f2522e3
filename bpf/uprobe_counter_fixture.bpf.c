// SPDX-License-Identifier: GPL-2.0
/* Test fixture, not part of validprof: counts, per attach cookie, the
 * calls and returns one process makes through uprobe sites.
 * tests/bpf_support attaches it with bpf_support::UprobeSet in both modes
 * (uprobe.multi and per site) and compares the counts with what the target
 * program says it did. Both programs are plain SEC("uprobe") programs, as
 * validprof's own, so the fixture exercises the same attach paths. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* The process whose hits count (set through the skeleton's bss after
 * load): the target binary is the test's own, but a stray run of it must
 * not count. */
__u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);   /* attach cookie */
	__type(value, __u64); /* hits */
} entry_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);   /* attach cookie */
	__type(value, __u64); /* hits */
} return_hits SEC(".maps");

static __always_inline void count_hit(void *hits, __u64 cookie)
{
	__u64 *value = bpf_map_lookup_elem(hits, &cookie);
	if (!value) {
		__u64 zero = 0;
		bpf_map_update_elem(hits, &cookie, &zero, BPF_NOEXIST);
		value = bpf_map_lookup_elem(hits, &cookie);
		if (!value)
			return;
	}
	__sync_fetch_and_add(value, 1);
}

static __always_inline int is_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("uprobe")
int count_entry(struct pt_regs *ctx)
{
	if (is_target())
		count_hit(&entry_hits, bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("uprobe")
int count_return(struct pt_regs *ctx)
{
	if (is_target())
		count_hit(&return_hits, bpf_get_attach_cookie(ctx));
	return 0;
}
