// StackCollector owns the stack_samples BPF object: the cpu-clock perf
// events (one per CPU) feeding its sampling program, and its off-CPU
// sched_switch program. It filters on hook_trace's tracked-threads map, so
// it profiles exactly the threads of the hooks being observed.
// open → reuse the tracked map, configure → load → attach; destruction
// detaches and closes everything.
//
// User stacks are unwound from call-frame information by default: the BPF
// side streams each sample's user registers and stack copy (stack_copies
// ring buffer), and handle_copy() unwinds it at once, while every file the
// process mapped is still where the mmap records say (mmap_events.h), then
// aggregates the frames like the kernel aggregates frame-pointer stacks.
// With copy_bytes 0, or when the ring buffer is full, the kernel's
// frame-pointer walk is used instead.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "stacks/cfi_unwinder.h"
#include "stacks/mmap_events.h"
#include "stacks/process_mappings.h"
#include "stacks/stack_profile.h"
#include "bpf_support/link_teardown.h"

struct stack_samples;
struct bpf_link;

namespace validprof::stacks {

struct StackOptions {
    std::uint32_t frequency_hz = 99;         // cpu-clock samples per second per CPU
    std::uint64_t offcpu_min_ns = 1'000'000;  // shorter off-CPU episodes are not recorded
    std::uint32_t stack_entries = 16384;      // distinct stacks per stack map
    std::uint32_t count_entries = 65536;      // distinct (process, stacks, kind) keys
    // User stack bytes copied per sample for CFI unwinding (at most 16384;
    // 0: frame-pointer walks in the kernel only).
    std::uint32_t copy_bytes = 16384;
    std::uint32_t copy_ring_bytes = 8u << 20;  // ring buffer for the copies (power of two)
    std::uint32_t offcpu_copy_slots = 512;     // threads off the CPU at once with a copy kept
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

    // The stack copies' ring buffer (-1 when not copying), and its records.
    int copy_ring_buffer_fd() const;
    void handle_copy(const void* data, std::size_t size);
    // Applies the mmap records queued so far (call it every poll round, so
    // their per-CPU rings never fill up).
    void drain_mappings();
    // Files the processes mapped, by build-id (hex) → path: where the
    // symbolizer finds dlopen'ed objects the system scan does not.
    std::map<std::string, std::string> mapped_files() const;

    struct UnwindStats {
        std::uint64_t samples = 0;     // copies unwound
        std::uint64_t cfi_steps = 0;   // frames found by CFI
        std::uint64_t fp_steps = 0;    // frames found by frame pointer (no CFI there)
        std::uint64_t copy_bytes = 0;  // stack bytes received
    };
    const UnwindStats& unwind_stats() const { return stats_; }

private:
    StackCollector() = default;
    std::optional<MappedCode> lookup(std::int32_t pid, std::uint64_t address, std::uint64_t time_ns);
    void forget_exited(std::uint64_t now_ns);

    struct SkeletonDeleter {
        void operator()(stack_samples* skeleton) const;
    };
    std::unique_ptr<stack_samples, SkeletonDeleter> skeleton_;
    std::vector<bpf_support::BpfLinkPtr> links_;
    std::uint32_t frequency_hz_ = 99;
    std::uint32_t count_entries_ = 65536;

    // CFI unwinding in userspace.
    std::unique_ptr<MmapEvents> mmap_events_;
    bool copying_ = false;  // CFI unwinding (copy_bytes > 0)
    ProcessMappings mappings_;
    UnwindModules modules_;
    // validprof's own vDSO: its build-id and size name the vDSO frames of
    // the kernel's frame-pointer stacks too (read()).
    std::optional<BuildId> vdso_build_id_;
    std::uint64_t vdso_size_ = 0;
    std::vector<std::pair<std::uint64_t, std::int32_t>> exited_;  // (seen at, pid), forgotten 2 s later
    std::vector<std::int32_t> exited_scratch_;
    std::set<std::int32_t> proc_maps_read_;  // processes looked up in /proc once
    struct UnwoundKey {
        std::int32_t pid = 0;
        std::uint32_t uid = 0;
        std::uint32_t kind = 0;
        std::uint32_t phase = 0;
        std::uint64_t kernel_stack = 0;
        std::vector<UserFrame> frames;
        std::string truncated;
        auto operator<=>(const UnwoundKey&) const = default;
    };
    struct UnwoundValue {
        std::uint64_t count = 0;
        std::uint64_t total_ns = 0;
    };
    std::map<UnwoundKey, UnwoundValue> unwound_;
    UnwindStats stats_;
    std::uint64_t unwound_dropped_ = 0;     // distinct stacks beyond count_entries
    std::uint64_t undecodable_copies_ = 0;  // records shorter than their header says
};

}  // namespace validprof::stacks
