#include "bpf_support/uprobe_multi.h"

#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bpf_support/kernel_features.h"

namespace validprof::bpf_support {
namespace {

// union bpf_attr's link_create member with its uprobe_multi part, as in
// the Linux 6.6 uapi.
struct UprobeMultiLinkCreate {
    __u32 prog_fd;
    __u32 target_fd;
    __u32 attach_type;
    __u32 flags;
    __u64 path;
    __u64 offsets;
    __u64 ref_ctr_offsets;
    __u64 cookies;
    __u32 cnt;
    __u32 multi_flags;
    __u32 pid;
    __u32 padding;
};

constexpr __u32 kUprobeMultiReturn = 1;  // BPF_F_UPROBE_MULTI_RETURN

}  // namespace

common::Result<common::UniqueFd> attach_uprobe_multi(const UprobeMultiTarget& target) {
    if (target.offsets.empty() || target.offsets.size() != target.cookies.size() ||
        (!target.ref_ctr_offsets.empty() && target.ref_ctr_offsets.size() != target.offsets.size()))
        return common::make_error("uprobe.multi: offsets, cookies and semaphores must be non-empty and paired");
    UprobeMultiLinkCreate attr{};
    attr.prog_fd = static_cast<__u32>(target.program_fd);
    attr.attach_type = kAttachTypeUprobeMulti;
    attr.path = reinterpret_cast<__u64>(target.path.c_str());
    attr.offsets = reinterpret_cast<__u64>(target.offsets.data());
    attr.cookies = reinterpret_cast<__u64>(target.cookies.data());
    if (!target.ref_ctr_offsets.empty()) attr.ref_ctr_offsets = reinterpret_cast<__u64>(target.ref_ctr_offsets.data());
    attr.cnt = static_cast<__u32>(target.offsets.size());
    attr.multi_flags = target.return_probe ? kUprobeMultiReturn : 0;
    long fd = ::syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
    if (fd < 0)
        return common::make_error("cannot attach uprobes to " + target.path + ": " + std::strerror(errno), errno);
    return common::UniqueFd(static_cast<int>(fd));
}

}  // namespace validprof::bpf_support
