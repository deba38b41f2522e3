// What the running kernel and our credentials allow, probed once and cached.
//
// Users' machines differ: validprof probes instead of assuming, and picks
// the cheapest mechanism that works (BTF-typed tracepoints, else raw
// tracepoints). Everything that decides a fallback lives here so that the
// answers are computed in one place.
#pragma once

#include <string>

#include "common/result.h"

namespace validprof::bpf_support {

struct KernelFeatures {
    bool kernel_btf = false;      // /sys/kernel/btf/vmlinux is readable
    bool ring_buffer = false;     // BPF_MAP_TYPE_RINGBUF (Linux 5.8)
    bool btf_tracepoints = false; // tp_btf programs load (BTF + BPF_PROG_TYPE_TRACING)
    bool uprobe_multi = false;    // BPF_TRACE_UPROBE_MULTI links (Linux 6.6)
    bool run_delay = false;       // sched_info is maintained: schedstat's run_delay and pcount move
};

// Probed on first call; later calls return the cached answer.
const KernelFeatures& kernel_features();

// Whether to load the tp_btf flavour of a tracepoint program: where the
// kernel supports it, unless the caller or VALIDPROF_FORCE_RAW_TP=1 asks for
// the raw_tp fallback. Every BPF object decides the same way through here.
bool use_btf_tracepoints(bool force_raw);

// Whether run-queue wait can be the kernel's own figure (sched_info.run_delay);
// otherwise the BPF side times it with its clock.
bool kernel_keeps_run_delay();

// BPF_TRACE_UPROBE_MULTI, newer than some uapi headers.
inline constexpr int kAttachTypeUprobeMulti = 48;

// Ok when this process may load and attach tracing BPF programs:
// CAP_BPF and CAP_PERFMON (Linux 5.8+), or CAP_SYS_ADMIN. The error is the
// one line a user needs ("... run with sudo").
common::Result<void> check_tracing_privileges();

// Ok when everything validprof's kernel side requires is there; otherwise
// one line naming what is missing.
common::Result<void> check_kernel_support();

}  // namespace validprof::bpf_support
