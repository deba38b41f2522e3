// Privileged: read_percpu_counters on a real per-CPU array whose every
// CPU's slot the test wrote itself.
#include <gtest/gtest.h>

#include <bpf/bpf.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bpf_support/kernel_features.h"
#include "bpf_support/percpu_counters.h"
#include "common/unique_fd.h"

namespace validprof::bpf_support {
namespace {

// The kernel's count of possible CPUs (per-CPU maps hold one slot each),
// read from sysfs: "0-1", "0", "0-3,8-11".
std::size_t possible_cpus() {
    std::ifstream file("/sys/devices/system/cpu/possible");
    std::string ranges;
    std::getline(file, ranges);
    std::size_t count = 0, position = 0;
    while (position < ranges.size()) {
        std::size_t end = ranges.find(',', position);
        if (end == std::string::npos) end = ranges.size();
        std::string range = ranges.substr(position, end - position);
        std::size_t dash = range.find('-');
        std::size_t first = std::stoul(range.substr(0, dash));
        std::size_t last = dash == std::string::npos ? first : std::stoul(range.substr(dash + 1));
        count += last - first + 1;
        position = end + 1;
    }
    return count;
}

TEST(PercpuCountersPrivileged, SumEveryCpusSlotOfEachIndex) {
    if (auto privileges = check_tracing_privileges(); !privileges)
        GTEST_SKIP() << "privileged test skipped: " << privileges.error().message;
    const std::uint32_t entries = 3;
    common::UniqueFd map(bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "vp_test_pcpu", sizeof(std::uint32_t),
                                        sizeof(std::uint64_t), entries, nullptr));
    ASSERT_TRUE(map.valid()) << "cannot create a per-CPU array: " << std::strerror(errno);

    const std::size_t cpus = possible_cpus();
    ASSERT_GT(cpus, 0u);
    std::vector<std::uint64_t> expected(entries, 0);
    for (std::uint32_t index = 0; index < entries; ++index) {
        // Distinct per index and per CPU, and past 32 bits, so that a
        // summed-wrong or truncated slot shows.
        std::vector<std::uint64_t> slots(cpus);
        for (std::size_t cpu = 0; cpu < cpus; ++cpu) {
            slots[cpu] = (std::uint64_t{index + 1} << 33) + 1000 * (index + 1) + 7 * cpu + 1;
            expected[index] += slots[cpu];
        }
        ASSERT_EQ(bpf_map_update_elem(map.get(), &index, slots.data(), BPF_ANY), 0) << std::strerror(errno);
    }

    std::vector<std::uint64_t> sums = read_percpu_counters(map.get(), entries);
    EXPECT_EQ(sums, expected);

    // Indexes past the map's end read as 0 rather than fail the rest.
    std::vector<std::uint64_t> more = read_percpu_counters(map.get(), entries + 2);
    ASSERT_EQ(more.size(), entries + 2u);
    for (std::uint32_t index = 0; index < entries; ++index) EXPECT_EQ(more[index], expected[index]);
    EXPECT_EQ(more[entries], 0u);
    EXPECT_EQ(more[entries + 1], 0u);
}

}  // namespace
}  // namespace validprof::bpf_support
