// The kernel's records of executable mappings, forks, execs and exits,
// read from a software "dummy" perf event per CPU (the records `perf
// record` keeps in its perf.data): what the CFI unwinder needs to tie a
// sampled process's addresses to files, correct after the process exited.
//
// PERF_RECORD_MMAP2 carries the file's path and, where the kernel could
// read it (perf_event_attr.build_id, Linux 5.12), its build-id; only
// executable mappings are reported (no mmap_data). Times are CLOCK_MONOTONIC
// (use_clockid), the clock bpf_ktime_get_ns() stamps samples with.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "stacks/process_mappings.h"

namespace validprof::stacks {

class MmapEvents {
public:
    // pages_per_cpu: ring size per CPU in pages, a power of two.
    static common::Result<std::unique_ptr<MmapEvents>> create(std::uint32_t pages_per_cpu = 256);
    ~MmapEvents();
    MmapEvents(const MmapEvents&) = delete;
    MmapEvents& operator=(const MmapEvents&) = delete;

    // Applies every record queued so far to `mappings`; processes whose
    // exit it reads are appended to `exited`.
    void drain(ProcessMappings& mappings, std::vector<std::int32_t>& exited);
    // Records the kernel dropped because a ring was full.
    std::uint64_t lost() const { return lost_; }

private:
    MmapEvents() = default;
    struct Ring {
        common::UniqueFd fd;
        void* base = nullptr;
        std::size_t size = 0;  // mapping size: one header page + data pages
    };
    void drain_ring(Ring& ring);
    struct Pending {
        std::uint64_t time_ns = 0;
        std::vector<unsigned char> bytes;
    };
    std::vector<Pending> pending_;  // one drain's records, all rings

    std::vector<Ring> rings_;
    std::vector<unsigned char> record_;  // a record that wraps around the ring, reassembled
    std::uint64_t lost_ = 0;
};

// Applies one raw perf record (header included; sample_id_all with TID and
// TIME) to `mappings`. Exposed for tests.
void apply_perf_record(const unsigned char* record, std::size_t size, ProcessMappings& mappings,
                       std::vector<std::int32_t>& exited, std::uint64_t& lost);

}  // namespace validprof::stacks
