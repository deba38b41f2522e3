// Reads a BPF per-CPU array of __u64 counters, summed over CPUs: how every
// BPF object here counts what it could not deliver.
#pragma once

#include <cstdint>
#include <vector>

namespace validprof::bpf_support {

// One sum per index in [0, count); an index that cannot be read counts 0.
std::vector<std::uint64_t> read_percpu_counters(int map_fd, std::uint32_t count);

}  // namespace validprof::bpf_support
