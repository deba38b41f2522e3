// The vocabulary of causes `validprof explain` names (docs/explain.md):
// what a piece of an invocation's critical path was spent on.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace validprof::explain {

enum class CauseKind {
    Cpu,           // running on a CPU
    RunQueue,      // runnable, waiting for a CPU (with who held it)
    DiskIo,        // uninterruptible wait: disk reads, page faults
    Fsync,         // fsync, fdatasync, sync_file_range, sync
    FileLock,      // flock, fcntl F_SETLKW
    SqliteBusy,    // SQLite's busy handler sleeping on a locked database (--sql)
    Network,       // a TCP/UDP socket: connect, reads, writes; DNS lookups
    Pipe,          // a pipe, FIFO or Unix socket to a process outside the path
    ChildWait,     // wait4/waitid for a child that is not on the path
    Sleep,         // nanosleep, clock_nanosleep, pause
    Futex,         // futex waits not explained by a thread on the path
    Poll,          // poll, select, epoll: waiting for any of several files
    ProcessSpawn,  // a new process until its exec completed (fork, exec, vfork)
    ProcessExit,   // a process's exit path (unmapping memory, closing files)
    ExecFailed,    // execs that failed (PATH searches) before the one that worked
    Observer,      // validprof's own cost: its exec gate's hold
    Stopped,       // stopped by a signal (not validprof's)
    ShortWaits,    // off-CPU waits shorter than the recording threshold
    OtherWait,     // any other wait (a terminal, an unknown system call)
};

// The documented names: "cpu", "runqueue", "disk_io", ...
std::string_view cause_kind_name(CauseKind kind);
std::optional<CauseKind> cause_kind_from_name(std::string_view name);

}  // namespace validprof::explain
