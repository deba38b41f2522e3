// StackCollector owns the stack_samples BPF object: the cpu-clock perf
// events (one per CPU) feeding its sampling program, and its off-CPU
// sched_switch program. It filters on hook_trace's tracked-threads map, so
// it profiles exactly the threads of the hooks being observed.
// open → reuse the tracked map, configure → load → attach; destruction
// detaches and closes everything.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "stacks/stack_profile.h"
#include "tracer/link_teardown.h"

struct stack_samples;
struct bpf_link;

namespace validprof::stacks {

struct StackOptions {
    std::uint32_t frequency_hz = 99;         // cpu-clock samples per second per CPU
    std::uint64_t offcpu_min_ns = 1'000'000;  // shorter off-CPU episodes are not recorded
    std::uint32_t stack_entries = 16384;      // distinct stacks per stack map
    std::uint32_t count_entries = 65536;      // distinct (process, stacks, kind) keys
    bool force_raw_tracepoints = false;
    // phase_probes' thread_phases map (--usdt), so samples name the phase
    // they were taken in; -1: none.
    int thread_phases_fd = -1;
};

class StackCollector {
public:
    static common::Result<std::unique_ptr<StackCollector>> create(const StackOptions& options,
                                                                  int tracked_threads_fd);
    ~StackCollector();
    StackCollector(const StackCollector&) = delete;
    StackCollector& operator=(const StackCollector&) = delete;

    // Everything aggregated so far, with the stacks' frames.
    std::vector<RawStack> read() const;
    // Samples the kernel side could not record, by reason.
    std::map<std::string, std::uint64_t> lost_samples() const;
    std::uint64_t sample_period_ns() const { return 1'000'000'000ull / frequency_hz_; }

private:
    StackCollector() = default;

    struct SkeletonDeleter {
        void operator()(stack_samples* skeleton) const;
    };
    std::unique_ptr<stack_samples, SkeletonDeleter> skeleton_;
    std::vector<tracer::BpfLinkPtr> links_;
    std::uint32_t frequency_hz_ = 99;
};

}  // namespace validprof::stacks
