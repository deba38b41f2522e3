#include "bpf_support/percpu_counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

namespace validprof::bpf_support {

std::vector<std::uint64_t> read_percpu_counters(int map_fd, std::uint32_t count) {
    int cpus = libbpf_num_possible_cpus();
    std::vector<__u64> per_cpu(cpus > 0 ? static_cast<std::size_t>(cpus) : 1);
    std::vector<std::uint64_t> sums(count, 0);
    for (__u32 index = 0; index < count; ++index)
        if (bpf_map_lookup_elem(map_fd, &index, per_cpu.data()) == 0)
            for (__u64 value : per_cpu) sums[index] += value;
    return sums;
}

}  // namespace validprof::bpf_support
