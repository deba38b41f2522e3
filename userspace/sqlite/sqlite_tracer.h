// SqliteTracer owns the sqlite_probes BPF object: uprobes on the SQLite API
// of every copy the observed processes run, the syscall tracepoints that
// account database file I/O, and the mapping gate. It turns the object's
// events and maps into model::SqliteActivity.
//
// open → share hook_trace's tracked-threads and checked-files maps,
// configure → load → attach the syscall programs; SQLite copies are
// attached as the session discovers them (attach_file, once per file).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bpf_support/link_teardown.h"
#include "bpf_support/uprobe_set.h"
#include "common/result.h"
#include "model/sqlite_activity.h"
#include "sqlite/sqlite_records.h"
#include "tracer/process_gate.h"

struct sqlite_probes;

namespace validprof::sqlite {

struct SqliteTracerOptions {
    bool gate_mappings = true;  // stop at executable mappings of uninspected files
    bool force_raw_tracepoints = false;
};

class SqliteTracer {
public:
    static common::Result<std::unique_ptr<SqliteTracer>> create(const SqliteTracerOptions& options,
                                                                int tracked_threads_fd,
                                                                const tracer::GateMaps& gate);
    ~SqliteTracer();
    SqliteTracer(const SqliteTracer&) = delete;
    SqliteTracer& operator=(const SqliteTracer&) = delete;

    // Attaches to the SQLite API in the file if it has one; returns how
    // many functions were found (0: not SQLite).
    common::Result<std::size_t> attach_file(const std::string& path);

    int ring_buffer_fd() const;
    // One ring-buffer record; statements accumulate until taken.
    void handle_record(const void* data, std::size_t size);
    std::vector<GatedMapping> take_gated_mappings();
    std::vector<model::StatementExecution> take_statements();
    // Per-process totals and per-file activity so far, from the maps.
    model::SqliteActivity read_totals() const;
    std::map<std::string, std::uint64_t> lost_events() const;

private:
    SqliteTracer() = default;

    struct SkeletonDeleter {
        void operator()(sqlite_probes* skeleton) const;
    };
    std::unique_ptr<sqlite_probes, SkeletonDeleter> skeleton_;
    bpf_support::UprobeSet uprobes_{bpf_support::preferred_uprobe_mode()};  // the API probes
    std::vector<bpf_support::BpfLinkPtr> links_;                             // the syscall tracepoints
    SqliteRecordDecoder records_;
};

// "wal", "shm" or "journal" from the suffix SQLite gives them; "device"
// under /dev (SQLite reads /dev/urandom); "directory" for the directory
// SQLite syncs after creating a journal; "main" otherwise.
std::string database_file_role(const std::string& path);

}  // namespace validprof::sqlite
