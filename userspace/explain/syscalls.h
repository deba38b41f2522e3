// The system calls a hook thread waits in, by number, for this build's
// architecture (the same numbers bpf/wait_reasons.bpf.h uses): their names,
// and the few facts about them that decide why a wait happened.
#pragma once

#include <cstdint>
#include <string>

namespace validprof::explain {

enum class SyscallGroup {
    None,        // not in a system call (page fault, preemption)
    Read,        // read, pread64, readv, recvfrom, recvmsg, ...
    Write,       // write, sendto, sendmsg, ...
    Sync,        // fsync, fdatasync, sync_file_range, sync, syncfs, msync
    Lock,        // flock, fcntl (locks)
    Futex,       // futex, futex_waitv
    ChildWait,   // wait4, waitid
    Sleep,       // nanosleep, clock_nanosleep, pause
    Poll,        // poll, ppoll, select, pselect6, epoll_wait, epoll_pwait(2)
    Connect,     // connect, accept, accept4
    Spawn,       // execve, execveat, fork, vfork, clone, clone3
    Signal,      // rt_sigsuspend, rt_sigtimedwait
    Other,
};

// "read", "fsync", ...; "syscall 291" for one this table does not name, ""
// for -1 (none).
std::string syscall_name(std::int64_t number);
SyscallGroup syscall_group(std::int64_t number);

// fcntl's command argument asks to wait for a lock (F_SETLKW, F_OFD_SETLKW).
bool fcntl_waits_for_lock(std::uint64_t command);

}  // namespace validprof::explain
