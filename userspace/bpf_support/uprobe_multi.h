// uprobe.multi links (Linux 6.6): one BPF link places a program on many
// offsets of one file, each with its own cookie, and is released with one
// RCU grace period. Per-site uprobes cost one grace period (~0.1 s here)
// each at detach, which made sessions end seconds late. Debian 12's libbpf
// predates uprobe.multi, so the link is created with the bpf(2) command
// directly. The program must have been loaded with expected attach type
// kAttachTypeUprobeMulti; UprobeSet (uprobe_set.h) does that and is the
// one caller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace validprof::bpf_support {

struct UprobeMultiTarget {
    int program_fd = -1;
    std::string path;
    std::vector<std::uint64_t> offsets;  // file offsets
    std::vector<std::uint64_t> cookies;  // one per offset
    std::vector<std::uint64_t> ref_ctr_offsets;  // empty, or one per offset (0: no semaphore)
    bool return_probe = false;           // uretprobes instead of uprobes
};

common::Result<common::UniqueFd> attach_uprobe_multi(const UprobeMultiTarget& target);

}  // namespace validprof::bpf_support
