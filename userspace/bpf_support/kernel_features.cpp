#include "bpf_support/kernel_features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace validprof::bpf_support {
namespace {

constexpr const char* kKernelBtfPath = "/sys/kernel/btf/vmlinux";

// Capability numbers newer than some libc headers.
constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

bool has_capability(const __user_cap_data_struct (&data)[2], int cap) {
    return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

// Loads "r0 = 0; exit" as a BTF-typed tracepoint program for sched_switch:
// the only reliable answer to "does tp_btf work here" is the kernel's.
bool probe_btf_tracepoints() {
    std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), &btf__free);
    if (!vmlinux) return false;
    int type_id = btf__find_by_name_kind(vmlinux.get(), "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
    if (type_id < 0) return false;

    const bpf_insn program[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    LIBBPF_OPTS(bpf_prog_load_opts, options, .expected_attach_type = BPF_TRACE_RAW_TP,
                .attach_btf_id = static_cast<__u32>(type_id));
    int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "vp_probe_tpbtf", "GPL", program,
                           sizeof(program) / sizeof(program[0]), &options);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

// A trivial kprobe-type program loaded for the uprobe.multi attach type:
// kernels without it reject the attach type at load.
bool probe_uprobe_multi() {
    const bpf_insn program[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    LIBBPF_OPTS(bpf_prog_load_opts, options,
                .expected_attach_type = static_cast<bpf_attach_type>(kAttachTypeUprobeMulti));
    int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "vp_probe_upm", "GPL", program,
                           sizeof(program) / sizeof(program[0]), &options);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

// The kernel keeps sched_info (schedstat's run_delay and pcount) when this
// very thread, which has certainly been scheduled, shows a timeslice count.
// Only a kernel without CONFIG_SCHED_INFO (no file), or one from before
// 5.14 with schedstats and delay accounting off, shows none.
bool probe_run_delay() {
    std::FILE* file = std::fopen("/proc/thread-self/schedstat", "r");
    if (!file) return false;
    unsigned long long on_cpu = 0, wait = 0, slices = 0;
    bool counted = std::fscanf(file, "%llu %llu %llu", &on_cpu, &wait, &slices) == 3 && slices > 0;
    std::fclose(file);
    return counted;
}

KernelFeatures probe() {
    KernelFeatures features;
    features.run_delay = probe_run_delay();
    features.kernel_btf = ::access(kKernelBtfPath, R_OK) == 0;
    features.ring_buffer = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1;
    features.btf_tracepoints = features.kernel_btf && probe_btf_tracepoints();
    // VALIDPROF_NO_UPROBE_MULTI=1 takes the per-site fallback (for tests).
    const char* no_multi = std::getenv("VALIDPROF_NO_UPROBE_MULTI");
    features.uprobe_multi = !(no_multi && *no_multi && std::strcmp(no_multi, "0") != 0) && probe_uprobe_multi();
    return features;
}

}  // namespace

const KernelFeatures& kernel_features() {
    static const KernelFeatures features = probe();
    return features;
}

bool kernel_keeps_run_delay() { return kernel_features().run_delay; }


bool use_btf_tracepoints(bool force_raw) {
    const char* forced = std::getenv("VALIDPROF_FORCE_RAW_TP");
    bool forced_by_environment = forced && *forced && std::strcmp(forced, "0") != 0;
    return kernel_features().btf_tracepoints && !force_raw && !forced_by_environment;
}

common::Result<void> check_tracing_privileges() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0)
        return common::make_error("cannot read this process's capabilities", errno);
    if (has_capability(data, kCapSysAdmin)) return common::success();
    bool bpf = has_capability(data, kCapBpf);
    bool perfmon = has_capability(data, kCapPerfmon);
    if (bpf && perfmon) return common::success();
    std::string missing = !bpf && !perfmon ? "CAP_BPF and CAP_PERFMON" : (!bpf ? "CAP_BPF" : "CAP_PERFMON");
    return common::make_error("tracing needs " + missing + " (or root), which this process lacks: run with sudo");
}

common::Result<void> check_kernel_support() {
    const KernelFeatures& features = kernel_features();
    if (!features.kernel_btf)
        return common::make_error(std::string("this kernel has no BTF (") + kKernelBtfPath +
                                  " is missing): validprof needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
    if (!features.ring_buffer)
        return common::make_error("this kernel has no BPF ring buffer: validprof needs Linux 5.8 or newer");
    return common::success();
}

}  // namespace validprof::bpf_support
