// What a SQLite workload knows about its own database work, from SQLite
// itself rather than from validprof: the statements SQLite's trace callback
// (sqlite3_trace_v2, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE) saw run, the
// API calls the program made, and a counting VFS that sits in front of the
// default one and counts what SQLite asked of each file (opens, writes,
// syncs, truncates, deletes, locks refused as busy). The privileged SQL
// tests compare validprof's figures with these.
//
// The truth line is the one of workload_truth.h (pid, ppid, schedstat, then
// key=value pairs) but unbounded: SQL texts do not fit in write_truth's
// 1 KiB. A text goes in as one word, percent-encoded (decode_truth_text).
#pragma once

#include <fcntl.h>
#include <sqlite3.h>
#include <strings.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "truth_text.h"
#include "workload_truth.h"

namespace validprof::workloads {

// ---------------------------------------------------------------- trace

// Every statement SQLite starts on the connections it is installed on, as
// SQLite's own trace reports it: SQLITE_TRACE_STMT fires when a prepared
// statement begins to run (first sqlite3_step after prepare or reset), with
// the unexpanded SQL text; SQLITE_TRACE_PROFILE when it ends, with SQLite's
// estimate of its run time (whole milliseconds in SQLite 3.40: its clock is
// the VFS's xCurrentTimeInt64). Trigger sub-programs (text "-- ...") are
// not statements the program ran and are not counted; nor does SQLite report
// the statements it runs for itself (reading sqlite_master when it loads the
// schema), so neither must validprof.
class StatementTrace {
public:
    void install(sqlite3* db) {
        sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, &StatementTrace::callback, this);
    }

    std::uint64_t statements() const { return statements_; }
    std::uint64_t profile_ns() const { return profile_ns_; }
    // By normalize_literals(text), in first-seen order.
    const std::vector<std::pair<std::string, std::uint64_t>>& by_text() const { return by_text_; }

    std::uint64_t count_starting_with(std::string_view keyword) const {
        std::uint64_t count = 0;
        for (const auto& [text, n] : by_text_)
            if (text.size() >= keyword.size() && strncasecmp(text.c_str(), std::string(keyword).c_str(), keyword.size()) == 0)
                count += n;
        return count;
    }

    // "statements=S inserts=I sqlite_profile_ns=T texts=K sql.0=... sql.0.count=N ..."
    std::string truth_fields() const {
        std::string fields = "statements=" + std::to_string(statements_) +
                             " inserts=" + std::to_string(count_starting_with("INSERT")) +
                             " sqlite_profile_ns=" + std::to_string(profile_ns_) +
                             " texts=" + std::to_string(by_text_.size());
        for (std::size_t i = 0; i < by_text_.size(); ++i) {
            std::string key = " sql." + std::to_string(i);
            fields += key + "=" + encode_truth_text(by_text_[i].first) + key + ".count=" + std::to_string(by_text_[i].second);
        }
        return fields;
    }

private:
    static int callback(unsigned type, void* context, void* /*statement*/, void* detail) {
        auto* self = static_cast<StatementTrace*>(context);
        if (type == SQLITE_TRACE_STMT) {
            const char* text = static_cast<const char*>(detail);
            if (!text || std::strncmp(text, "--", 2) == 0) return 0;
            ++self->statements_;
            std::string normalized = normalize_literals(text);
            for (auto& [known, count] : self->by_text_)
                if (known == normalized) {
                    ++count;
                    return 0;
                }
            self->by_text_.emplace_back(std::move(normalized), 1);
        } else if (type == SQLITE_TRACE_PROFILE) {
            self->profile_ns_ += *static_cast<const sqlite3_int64*>(detail);
        }
        return 0;
    }

    std::uint64_t statements_ = 0;
    std::uint64_t profile_ns_ = 0;
    std::vector<std::pair<std::string, std::uint64_t>> by_text_;
};

// ---------------------------------------------------------------- API calls

// The program's own calls of the SQLite API functions validprof probes,
// counted as the program makes them (outermost calls only, as validprof
// counts them: what sqlite3_exec does inside is not the program's call).
class CountedApi {
public:
    int open(const char* path, sqlite3** db) {
        ++opens_;
        return sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    }
    int prepare(sqlite3* db, const char* sql, sqlite3_stmt** statement) {
        ++prepares_;
        return sqlite3_prepare_v2(db, sql, -1, statement, nullptr);
    }
    int step(sqlite3_stmt* statement) {
        ++steps_;
        return sqlite3_step(statement);
    }
    int exec(sqlite3* db, const char* sql) {
        ++execs_;
        return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    }
    int reset(sqlite3_stmt* statement) {
        ++resets_;
        return sqlite3_reset(statement);
    }
    int finalize(sqlite3_stmt* statement) {
        ++finalizes_;
        return sqlite3_finalize(statement);
    }
    int close(sqlite3* db) {
        ++closes_;
        return sqlite3_close(db);
    }

    std::string truth_fields() const {
        return "api.opens=" + std::to_string(opens_) + " api.prepares=" + std::to_string(prepares_) +
               " api.steps=" + std::to_string(steps_) + " api.execs=" + std::to_string(execs_) +
               " api.resets=" + std::to_string(resets_) + " api.finalizes=" + std::to_string(finalizes_) +
               " api.closes=" + std::to_string(closes_);
    }

private:
    std::uint64_t opens_ = 0, prepares_ = 0, steps_ = 0, execs_ = 0, resets_ = 0, finalizes_ = 0, closes_ = 0;
};

// ---------------------------------------------------------------- VFS

// Roles of database files, named as validprof names them.
enum class FileRole : int { main = 0, wal, journal, shm, other, count };

inline const char* role_name(FileRole role) {
    static const char* const kNames[] = {"main", "wal", "journal", "shm", "other"};
    return kNames[static_cast<int>(role)];
}

// What SQLite asked the VFS to do to files of one role. Each xWrite, xSync
// and xTruncate of the unix VFS is one pwrite64, fsync/fdatasync and
// ftruncate system call on that file (a sync of a newly created journal or
// WAL also syncs its directory, a different file); each lock the unix VFS
// reports busy is one fcntl F_SETLK refused.
struct FileCounts {
    std::uint64_t opens = 0;
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t write_bytes = 0;
    std::uint64_t syncs = 0;
    std::uint64_t truncates = 0;
    std::uint64_t deletes = 0;
    std::uint64_t lock_busy = 0;  // xLock (main file) / xShmLock (shm) returned SQLITE_BUSY
};

// A VFS in front of the default one that counts, per file role, what SQLite
// asks of it, then forwards every call unchanged. Installed once per
// process as the default VFS, before the first sqlite3_open.
class CountingVfs {
public:
    static CountingVfs& install() {
        static CountingVfs instance;
        return instance;
    }

    const FileCounts& counts(FileRole role) const { return counts_[static_cast<int>(role)]; }

    // "main.opens=.. main.writes=.. ... wal.syncs=.. shm.lock_busy=.." for main, wal, journal; shm locks.
    std::string truth_fields() const {
        std::string fields;
        for (FileRole role : {FileRole::main, FileRole::wal, FileRole::journal}) {
            const FileCounts& c = counts(role);
            std::string prefix = std::string(fields.empty() ? "" : " ") + role_name(role) + ".";
            fields += prefix + "opens=" + std::to_string(c.opens);
            prefix = std::string(" ") + role_name(role) + ".";
            fields += prefix + "reads=" + std::to_string(c.reads) + prefix + "writes=" + std::to_string(c.writes) +
                      prefix + "write_bytes=" + std::to_string(c.write_bytes) + prefix + "syncs=" + std::to_string(c.syncs) +
                      prefix + "truncates=" + std::to_string(c.truncates) + prefix + "deletes=" + std::to_string(c.deletes) +
                      prefix + "lock_busy=" + std::to_string(c.lock_busy);
        }
        fields += " shm.lock_busy=" + std::to_string(counts(FileRole::shm).lock_busy);
        return fields;
    }

private:
    struct File {
        sqlite3_file base;   // pMethods: kMethods once the real file is open
        sqlite3_file* real;  // the default VFS's file, allocated right after this struct
        FileRole role;
    };

    CountingVfs() {
        real_ = sqlite3_vfs_find(nullptr);
        vfs_ = *real_;
        vfs_.zName = "validprof-counting";
        vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
        vfs_.pNext = nullptr;
        vfs_.pAppData = this;
        vfs_.xOpen = &CountingVfs::x_open;
        vfs_.xDelete = &CountingVfs::x_delete;
        vfs_.xAccess = [](sqlite3_vfs* v, const char* n, int f, int* o) { return real(v)->xAccess(real(v), n, f, o); };
        vfs_.xFullPathname = [](sqlite3_vfs* v, const char* n, int s, char* o) { return real(v)->xFullPathname(real(v), n, s, o); };
        vfs_.xDlOpen = [](sqlite3_vfs* v, const char* n) { return real(v)->xDlOpen(real(v), n); };
        vfs_.xDlError = [](sqlite3_vfs* v, int n, char* o) { real(v)->xDlError(real(v), n, o); };
        vfs_.xDlSym = [](sqlite3_vfs* v, void* h, const char* s) { return real(v)->xDlSym(real(v), h, s); };
        vfs_.xDlClose = [](sqlite3_vfs* v, void* h) { real(v)->xDlClose(real(v), h); };
        vfs_.xRandomness = [](sqlite3_vfs* v, int n, char* o) { return real(v)->xRandomness(real(v), n, o); };
        vfs_.xSleep = [](sqlite3_vfs* v, int us) { return real(v)->xSleep(real(v), us); };
        vfs_.xCurrentTime = [](sqlite3_vfs* v, double* t) { return real(v)->xCurrentTime(real(v), t); };
        vfs_.xGetLastError = [](sqlite3_vfs* v, int n, char* o) { return real(v)->xGetLastError(real(v), n, o); };
        vfs_.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* t) { return real(v)->xCurrentTimeInt64(real(v), t); };
        vfs_.xSetSystemCall = [](sqlite3_vfs* v, const char* n, sqlite3_syscall_ptr p) { return real(v)->xSetSystemCall(real(v), n, p); };
        vfs_.xGetSystemCall = [](sqlite3_vfs* v, const char* n) { return real(v)->xGetSystemCall(real(v), n); };
        vfs_.xNextSystemCall = [](sqlite3_vfs* v, const char* n) { return real(v)->xNextSystemCall(real(v), n); };
        sqlite3_vfs_register(&vfs_, 1);
    }

    static CountingVfs& self(sqlite3_vfs* vfs) { return *static_cast<CountingVfs*>(vfs->pAppData); }
    static sqlite3_vfs* real(sqlite3_vfs* vfs) { return self(vfs).real_; }
    static File& file(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }
    static sqlite3_file* real(sqlite3_file* f) { return file(f).real; }
    static FileCounts& counts_of(sqlite3_file* f) { return install().counts_[static_cast<int>(file(f).role)]; }

    static FileRole role_of_flags(int flags) {
        if (flags & SQLITE_OPEN_MAIN_DB) return FileRole::main;
        if (flags & SQLITE_OPEN_WAL) return FileRole::wal;
        if (flags & SQLITE_OPEN_MAIN_JOURNAL) return FileRole::journal;
        return FileRole::other;
    }

    static FileRole role_of_name(const char* name) {
        std::string_view path = name ? name : "";
        auto ends_with = [&](std::string_view suffix) {
            return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
        };
        if (ends_with("-wal")) return FileRole::wal;
        if (ends_with("-journal")) return FileRole::journal;
        if (ends_with("-shm")) return FileRole::shm;
        return FileRole::other;
    }

    static int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
        File& counted = file(f);
        counted.real = reinterpret_cast<sqlite3_file*>(&counted + 1);
        counted.role = role_of_flags(flags);
        counted.real->pMethods = nullptr;
        int rc = real(vfs)->xOpen(real(vfs), name, counted.real, flags, out_flags);
        // A file whose real pMethods is set must be closed even when the open
        // failed: ours is set exactly when the real one is.
        f->pMethods = counted.real->pMethods ? &kMethods : nullptr;
        if (rc == SQLITE_OK) ++counts_of(f).opens;
        return rc;
    }

    static int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
        int rc = real(vfs)->xDelete(real(vfs), name, sync_dir);
        if (rc == SQLITE_OK) ++self(vfs).counts_[static_cast<int>(role_of_name(name))].deletes;
        return rc;
    }

    static const sqlite3_io_methods kMethods;

    sqlite3_vfs* real_ = nullptr;
    sqlite3_vfs vfs_{};
    FileCounts counts_[static_cast<int>(FileRole::count)]{};
};

// Each method counts, then forwards to the default VFS's file.
inline const sqlite3_io_methods CountingVfs::kMethods = {
    3,
    [](sqlite3_file* f) {
        int rc = real(f)->pMethods->xClose(real(f));
        return rc;
    },
    [](sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
        ++counts_of(f).reads;
        return real(f)->pMethods->xRead(real(f), buffer, amount, offset);
    },
    [](sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
        FileCounts& c = counts_of(f);
        ++c.writes;
        c.write_bytes += static_cast<std::uint64_t>(amount);
        return real(f)->pMethods->xWrite(real(f), buffer, amount, offset);
    },
    [](sqlite3_file* f, sqlite3_int64 size) {
        ++counts_of(f).truncates;
        return real(f)->pMethods->xTruncate(real(f), size);
    },
    [](sqlite3_file* f, int flags) {
        ++counts_of(f).syncs;
        return real(f)->pMethods->xSync(real(f), flags);
    },
    [](sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); },
    [](sqlite3_file* f, int level) {
        int rc = real(f)->pMethods->xLock(real(f), level);
        if (rc == SQLITE_BUSY) ++counts_of(f).lock_busy;
        return rc;
    },
    [](sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); },
    [](sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); },
    [](sqlite3_file* f, int op, void* arg) { return real(f)->pMethods->xFileControl(real(f), op, arg); },
    [](sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); },
    [](sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); },
    [](sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
        return real(f)->pMethods->xShmMap(real(f), page, page_size, extend, out);
    },
    [](sqlite3_file* f, int offset, int n, int flags) {
        int rc = real(f)->pMethods->xShmLock(real(f), offset, n, flags);
        if (rc == SQLITE_BUSY) ++install().counts_[static_cast<int>(FileRole::shm)].lock_busy;
        return rc;
    },
    [](sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); },
    [](sqlite3_file* f, int delete_flag) { return real(f)->pMethods->xShmUnmap(real(f), delete_flag); },
    [](sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
        return real(f)->pMethods->xFetch(real(f), offset, amount, out);
    },
    [](sqlite3_file* f, sqlite3_int64 offset, void* page) { return real(f)->pMethods->xUnfetch(real(f), offset, page); },
};

// ---------------------------------------------------------------- process facts

// Whether the shared libsqlite3 is mapped into this process: it must be for
// the dynamically linked build and must not be for the static one.
inline bool shared_libsqlite3_mapped() {
    FILE* maps = std::fopen("/proc/self/maps", "r");
    if (!maps) return false;
    char line[4096];
    bool found = false;
    while (!found && std::fgets(line, sizeof(line), maps)) found = std::strstr(line, "libsqlite3.so") != nullptr;
    std::fclose(maps);
    return found;
}

// Appends "pid=P ppid=Q schedstat_... <fields>" to $VALIDPROF_TRUTH with one
// write(2), like write_truth but without its line length bound.
inline void write_sqlite_truth(const std::string& fields) {
    const char* path = std::getenv("VALIDPROF_TRUTH");
    if (!path || !*path) return;
    SchedStat stat = read_own_schedstat();
    std::string line = "pid=" + std::to_string(getpid()) + " ppid=" + std::to_string(getppid()) +
                       " schedstat_on_cpu_ns=" + std::to_string(stat.on_cpu_ns) +
                       " schedstat_wait_ns=" + std::to_string(stat.run_queue_wait_ns) +
                       " schedstat_slices=" + std::to_string(stat.timeslices) + " sqlite_version=" +
                       sqlite3_libversion() + " " + fields + "\n";
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    (void)!write(fd, line.data(), line.size());
    close(fd);
}

}  // namespace validprof::workloads
