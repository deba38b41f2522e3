#include "sqlite/sqlite_tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

// The skeleton names the ABI structs, so the ABI headers come first.
#include <linux/types.h>
#include "sqlite_probes.h"
#include "sqlite_probes.skel.h"
#include "bpf_support/kernel_features.h"
#include "bpf_support/libbpf_error.h"
#include "bpf_support/percpu_counters.h"
#include "sqlite/sqlite_symbols.h"

namespace validprof::sqlite {
namespace {

using bpf_support::libbpf_error;

static_assert(sizeof(vp_sqlite_event_header) == 24);
static_assert(sizeof(vp_sqlite_execution) == 24 + 4 * 8 + 6 * 4 + VP_SQL_BYTES);
static_assert(sizeof(vp_sqlite_file_stats) == 8 + 11 * 8);
static_assert(sizeof(vp_sqlite_process_totals) == 8 * (2 + 16));
static_assert(VP_SQLITE_FUNCTION_COUNT <= 16);

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string database_file_role(const std::string& path) {
    if (ends_with(path, "-wal")) return "wal";
    if (ends_with(path, "-shm")) return "shm";
    if (ends_with(path, "-journal")) return "journal";
    if (path.rfind("/dev/", 0) == 0) return "device";
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return "directory";
    return "main";
}

void SqliteTracer::SkeletonDeleter::operator()(sqlite_probes* skeleton) const { sqlite_probes__destroy(skeleton); }

common::Result<std::unique_ptr<SqliteTracer>> SqliteTracer::create(const SqliteTracerOptions& options,
                                                                   int tracked_threads_fd,
                                                                   const tracer::GateMaps& gate) {
    std::unique_ptr<SqliteTracer> tracer(new SqliteTracer());

    // open
    tracer->skeleton_.reset(sqlite_probes__open());
    if (!tracer->skeleton_) return libbpf_error("cannot open the sqlite_probes BPF object", errno);
    sqlite_probes* skeleton = tracer->skeleton_.get();

    // configure
    if (int error = bpf_map__reuse_fd(skeleton->maps.tracked_threads, tracked_threads_fd))
        return libbpf_error("cannot share the tracked-threads map with the SQLite probes", error);
    // The gate's maps are hook_trace's: one list of inspected files and of
    // held processes, whichever program held them.
    if (int error = bpf_map__reuse_fd(skeleton->maps.checked_files, gate.checked_files))
        return libbpf_error("cannot share the checked-files map with the SQLite probes", error);
    if (int error = bpf_map__reuse_fd(skeleton->maps.held_processes, gate.held_processes))
        return libbpf_error("cannot share the held-processes map with the SQLite probes", error);
    if (int error = bpf_map__reuse_fd(skeleton->maps.gate_state, gate.gate_state))
        return libbpf_error("cannot share the gate state with the SQLite probes", error);
    skeleton->rodata->gate_unchecked_mappings = options.gate_mappings ? 1 : 0;
    tracer->uprobes_.prepare(skeleton->progs.sqlite_entry);
    tracer->uprobes_.prepare(skeleton->progs.sqlite_return);
    bool btf = bpf_support::use_btf_tracepoints(options.force_raw_tracepoints);
    bpf_program__set_autoload(skeleton->progs.sys_enter_btf, btf);
    bpf_program__set_autoload(skeleton->progs.sys_exit_btf, btf);
    bpf_program__set_autoload(skeleton->progs.sys_enter_raw, !btf);
    bpf_program__set_autoload(skeleton->progs.sys_exit_raw, !btf);

    // load
    if (int error = sqlite_probes__load(skeleton))
        return libbpf_error("the kernel refused the SQLite probes (run with -v for the verifier log)", error);

    // attach the syscall programs; the uprobes come per file
    for (bpf_program* program : {btf ? skeleton->progs.sys_enter_btf : skeleton->progs.sys_enter_raw,
                                 btf ? skeleton->progs.sys_exit_btf : skeleton->progs.sys_exit_raw}) {
        bpf_link* link = bpf_program__attach(program);
        if (!link) return libbpf_error("cannot attach to the system call tracepoints", errno);
        tracer->links_.emplace_back(link);
    }
    return tracer;
}

SqliteTracer::~SqliteTracer() {
    uprobes_.clear();
    bpf_support::destroy_links_concurrently(links_);
    skeleton_.reset();
}

common::Result<std::size_t> SqliteTracer::attach_file(const std::string& path) {
    std::vector<FunctionSite> sites = find_sqlite_functions(path);
    if (sites.empty()) return std::size_t{0};
    // The cookie names the function (VP_SQLITE_*) to both programs.
    std::vector<bpf_support::UprobeSite> probe_sites;
    for (const FunctionSite& site : sites) probe_sites.push_back({site.file_offset, site.function, site.name});
    if (auto entry = uprobes_.attach(skeleton_->progs.sqlite_entry, path, probe_sites, false); !entry)
        return entry.error();
    if (auto returns = uprobes_.attach(skeleton_->progs.sqlite_return, path, probe_sites, true); !returns)
        return returns.error();
    spdlog::debug("attached to {} SQLite functions in {} ({})", sites.size(), path,
                  bpf_support::uprobe_mode_name(uprobes_.mode()));
    return sites.size();
}

int SqliteTracer::ring_buffer_fd() const { return bpf_map__fd(skeleton_->maps.sqlite_events); }

void SqliteTracer::handle_record(const void* data, std::size_t size) { records_.handle_record(data, size); }

std::vector<GatedMapping> SqliteTracer::take_gated_mappings() { return records_.take_gated_mappings(); }

std::vector<model::StatementExecution> SqliteTracer::take_statements() { return records_.take_statements(); }

model::SqliteActivity SqliteTracer::read_totals() const {
    model::SqliteActivity activity;
    int totals_fd = bpf_map__fd(skeleton_->maps.process_totals);
    __u32 pid = 0, next_pid = 0;
    bool first = true;
    while (bpf_map_get_next_key(totals_fd, first ? nullptr : &pid, &next_pid) == 0) {
        first = false;
        pid = next_pid;
        vp_sqlite_process_totals raw{};
        if (bpf_map_lookup_elem(totals_fd, &pid, &raw) != 0) continue;
        model::SqliteProcessTotals totals;
        totals.pid = static_cast<std::int32_t>(pid);
        totals.api_calls = raw.api_calls;
        totals.in_sqlite_ns = raw.in_sqlite_ns;
        totals.opens = raw.calls[VP_SQLITE_OPEN] + raw.calls[VP_SQLITE_OPEN_V2];
        totals.prepares = raw.calls[VP_SQLITE_PREPARE_V2] + raw.calls[VP_SQLITE_PREPARE_V3] +
                          raw.calls[VP_SQLITE_PREPARE16_V2] + raw.calls[VP_SQLITE_PREPARE16_V3];
        totals.steps = raw.calls[VP_SQLITE_STEP];
        totals.execs = raw.calls[VP_SQLITE_EXEC];
        totals.resets = raw.calls[VP_SQLITE_RESET];
        totals.finalizes = raw.calls[VP_SQLITE_FINALIZE];
        totals.closes = raw.calls[VP_SQLITE_CLOSE] + raw.calls[VP_SQLITE_CLOSE_V2];
        activity.processes.push_back(totals);
    }

    // Per (pid, path): a file opened several times adds up.
    std::map<std::pair<std::int32_t, std::string>, model::DatabaseFileActivity> files;
    int stats_fd = bpf_map__fd(skeleton_->maps.file_stats);
    for (const auto& [file_id, opened] : records_.opened_files()) {
        vp_sqlite_file_stats raw{};
        __u64 key = file_id;
        if (bpf_map_lookup_elem(stats_fd, &key, &raw) != 0) continue;
        model::DatabaseFileActivity opening;
        opening.opens = 1;
        opening.reads = raw.reads;
        opening.read_bytes = raw.read_bytes;
        opening.writes = raw.writes;
        opening.write_bytes = raw.write_bytes;
        opening.io_ns = raw.io_ns;
        opening.syncs = raw.syncs;
        opening.sync_ns = raw.sync_ns;
        opening.lock_calls = raw.lock_calls;
        opening.lock_failures = raw.lock_failures;
        opening.lock_wait_ns = raw.lock_wait_ns;
        opening.truncates = raw.truncates;
        model::DatabaseFileActivity& file = files[{opened.pid, opened.path}];
        file.pid = opened.pid;
        file.path = opened.path;
        file.role = database_file_role(opened.path);
        file.add(opening);
    }
    for (const auto& [key, count] : records_.unlinks()) {
        model::DatabaseFileActivity& file = files[key];
        file.pid = key.first;
        file.path = key.second;
        file.role = database_file_role(key.second);
        file.unlinks += count;
    }
    for (auto& [key, file] : files) activity.files.push_back(std::move(file));
    return activity;
}

std::map<std::string, std::uint64_t> SqliteTracer::lost_events() const {
    static const char* const names[VP_SQLITE_COUNTER_MAX] = {"sqlite_ringbuf_full", "sqlite_calls_too_deep",
                                                             "sqlite_map_full"};
    std::map<std::string, std::uint64_t> lost;
    std::vector<std::uint64_t> counts =
        bpf_support::read_percpu_counters(bpf_map__fd(skeleton_->maps.sqlite_counters), VP_SQLITE_COUNTER_MAX);
    for (std::uint32_t index = 0; index < VP_SQLITE_COUNTER_MAX; ++index) lost[names[index]] = counts[index];
    lost["sqlite_undecodable_record"] = records_.undecodable();
    return lost;
}

}  // namespace validprof::sqlite
