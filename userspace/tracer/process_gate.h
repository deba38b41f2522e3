// The gate (bpf/process_gate.bpf.h): the kernel stops a tracked process at
// the exec or executable mapping of a file nobody has inspected yet; here
// the file is inspected once (probes attached by the Inspector) and the
// process continued.
//
// The promise: no process stays stopped because of validprof. The kernel
// lists every hold before it sends the signal, so
// - a clean stop closes the gate (no new holds), drains the events, and
//   continues every process still listed;
// - SIGKILL of validprof is covered by a watchdog process that holds only
//   the gate's maps and a pipe from validprof: when the pipe reaches
//   end-of-file (validprof is gone, whatever killed it) it closes the gate
//   and continues what is listed until the list stays empty.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "model/inspected_file.h"

namespace validprof::tracer {

// The kernel side's shared maps (owned by hook_trace; other BPF objects
// reuse them).
struct GateMaps {
    int checked_files = -1;
    int held_processes = -1;
    int gate_state = -1;
};

struct GateStatistics {
    std::uint64_t holds = 0;                // processes held and continued by validprof
    std::uint64_t held_ns = 0;              // their total time stopped
    std::uint64_t released_at_close = 0;    // of those, continued by the final sweep (no event read)
};

class ProcessGate {
public:
    // Called once per file (device and inode) with a path to it, before
    // the processes held for it continue; says what it looked for and found.
    using Inspector = std::function<model::FileInspection(const std::string& path)>;

    // Duplicates the maps' descriptors (the gate outlives nothing it needs)
    // and opens the gate.
    static common::Result<std::unique_ptr<ProcessGate>> open(const GateMaps& maps, Inspector inspect);
    // Closes the gate and continues everything still held.
    ~ProcessGate();
    ProcessGate(const ProcessGate&) = delete;
    ProcessGate& operator=(const ProcessGate&) = delete;

    // Forks the watchdog. Call before anything that forks processes which
    // must not inherit it (the pipe is close-on-exec; the watchdog itself
    // never execs, so it is never tracked).
    common::Result<void> start_watchdog();

    // Earlier sessions' inspections (the profile database keeps them): a
    // file unchanged since, and inspected then for every probe kind this
    // session needs (`need`), is marked checked in the kernel, so no
    // process is ever held for it, and one that carries probes is inspected
    // (attached to) now. Returns how many files were taken.
    std::size_t preload(const std::vector<model::InspectedFile>& known, const model::FileInspection& need);
    // This session's inspections, for the next session: the files whose
    // own path was inspected (not a #! script, whose interpreter is).
    std::vector<model::InspectedFile> inspected() const;

    // A process held at an exec: the image really running is
    // /proc/PID/exe (for a #! script its interpreter, which carries the
    // probes); `exec_filename` when that link cannot be read. Returns how
    // long it was held (0 if it was not listed).
    std::uint64_t release_exec(pid_t pid, const std::string& exec_filename, std::uint32_t device,
                               std::uint64_t inode);
    // A process held at an executable mapping of (device, inode).
    std::uint64_t release_mapping(pid_t pid, std::uint32_t device, std::uint64_t inode);

    // No new holds from now on.
    void close();
    // Continues every process still listed (after close(): the events of
    // the last holds may never be read).
    void release_everyone();

    GateStatistics statistics() const { return statistics_; }

private:
    ProcessGate(const GateMaps& maps, Inspector inspect);
    void inspect_once(const std::string& path);
    void mark_checked(std::uint32_t device, std::uint64_t inode);
    std::uint64_t release(pid_t pid);
    void stop_watchdog();

    common::UniqueFd checked_files_;
    common::UniqueFd held_processes_;
    common::UniqueFd gate_state_;
    Inspector inspect_;
    std::set<std::pair<dev_t, ino_t>> inspected_files_;
    std::vector<model::InspectedFile> inspections_;
    GateStatistics statistics_;
    common::UniqueFd watchdog_pipe_;
    pid_t watchdog_pid_ = -1;
};

// The watchdog's work, exposed for tests: closes the gate, then continues
// listed processes until the list has stayed empty for `quiet_rounds`
// rounds `round_ms` apart (a BPF program may be halfway through a hold
// while the gate closes). Returns how many it continued.
std::uint64_t sweep_held_processes(int held_processes_fd, int gate_state_fd, int quiet_rounds, int round_ms);

}  // namespace validprof::tracer
