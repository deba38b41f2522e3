#include "explain/syscalls.h"

#include <unordered_map>

namespace validprof::explain {
namespace {

struct Syscall {
    const char* name;
    SyscallGroup group;
};

// Only the calls a thread can wait in for long, and those that name a
// cost (spawning). Numbers from arch/x86/entry/syscalls/syscall_64.tbl and
// include/uapi/asm-generic/unistd.h (arm64).
const std::unordered_map<std::int64_t, Syscall>& table() {
    using G = SyscallGroup;
#if defined(__x86_64__)
    static const std::unordered_map<std::int64_t, Syscall> calls = {
        {0, {"read", G::Read}},           {1, {"write", G::Write}},        {7, {"poll", G::Poll}},
        {9, {"mmap", G::Other}},          {17, {"pread64", G::Read}},      {18, {"pwrite64", G::Write}},
        {19, {"readv", G::Read}},         {20, {"writev", G::Write}},      {23, {"select", G::Poll}},
        {26, {"msync", G::Sync}},         {34, {"pause", G::Sleep}},       {35, {"nanosleep", G::Sleep}},
        {40, {"sendfile", G::Write}},     {42, {"connect", G::Connect}},   {43, {"accept", G::Connect}},
        {44, {"sendto", G::Write}},       {45, {"recvfrom", G::Read}},     {46, {"sendmsg", G::Write}},
        {47, {"recvmsg", G::Read}},       {56, {"clone", G::Spawn}},       {57, {"fork", G::Spawn}},
        {58, {"vfork", G::Spawn}},        {59, {"execve", G::Spawn}},      {61, {"wait4", G::ChildWait}},
        {72, {"fcntl", G::Lock}},         {73, {"flock", G::Lock}},        {74, {"fsync", G::Sync}},
        {75, {"fdatasync", G::Sync}},     {76, {"truncate", G::Write}},    {77, {"ftruncate", G::Write}},
        {2, {"open", G::Other}},          {4, {"stat", G::Other}},         {6, {"lstat", G::Other}},
        {128, {"rt_sigtimedwait", G::Signal}}, {130, {"rt_sigsuspend", G::Signal}}, {162, {"sync", G::Sync}},
        {202, {"futex", G::Futex}},       {217, {"getdents64", G::Read}},  {230, {"clock_nanosleep", G::Sleep}},
        {232, {"epoll_wait", G::Poll}},   {247, {"waitid", G::ChildWait}}, {257, {"openat", G::Other}},
        {262, {"newfstatat", G::Other}},  {270, {"pselect6", G::Poll}},    {271, {"ppoll", G::Poll}},
        {277, {"sync_file_range", G::Sync}}, {281, {"epoll_pwait", G::Poll}}, {285, {"fallocate", G::Write}},
        {288, {"accept4", G::Connect}},   {295, {"preadv", G::Read}},      {296, {"pwritev", G::Write}},
        {299, {"recvmmsg", G::Read}},     {306, {"syncfs", G::Sync}},      {307, {"sendmmsg", G::Write}},
        {322, {"execveat", G::Spawn}},    {327, {"preadv2", G::Read}},     {328, {"pwritev2", G::Write}},
        {332, {"statx", G::Other}},       {435, {"clone3", G::Spawn}},     {441, {"epoll_pwait2", G::Poll}},
        {449, {"futex_waitv", G::Futex}}, {3, {"close", G::Other}},        {5, {"fstat", G::Other}},
        {8, {"lseek", G::Other}},         {10, {"mprotect", G::Other}},    {11, {"munmap", G::Other}},
        {12, {"brk", G::Other}},          {16, {"ioctl", G::Other}},       {21, {"access", G::Other}},
        {22, {"pipe", G::Other}},         {32, {"dup", G::Other}},         {33, {"dup2", G::Other}},
        {41, {"socket", G::Other}},       {60, {"exit", G::Other}},        {62, {"kill", G::Other}},
        {78, {"getdents", G::Read}},      {79, {"getcwd", G::Other}},      {80, {"chdir", G::Other}},
        {82, {"rename", G::Other}},       {83, {"mkdir", G::Other}},       {84, {"rmdir", G::Other}},
        {85, {"creat", G::Other}},        {86, {"link", G::Other}},        {87, {"unlink", G::Other}},
        {88, {"symlink", G::Other}},      {89, {"readlink", G::Other}},    {90, {"chmod", G::Other}},
        {137, {"statfs", G::Other}},      {138, {"fstatfs", G::Other}},    {231, {"exit_group", G::Other}},
        {258, {"mkdirat", G::Other}},     {263, {"unlinkat", G::Other}},   {264, {"renameat", G::Other}},
        {267, {"readlinkat", G::Other}},  {269, {"faccessat", G::Other}},  {293, {"pipe2", G::Other}},
        {316, {"renameat2", G::Other}},   {318, {"getrandom", G::Other}},  {319, {"memfd_create", G::Other}},
        {439, {"faccessat2", G::Other}},  {437, {"openat2", G::Other}},
    };
#elif defined(__aarch64__)
    static const std::unordered_map<std::int64_t, Syscall> calls = {
        {22, {"epoll_pwait", G::Poll}},   {25, {"fcntl", G::Lock}},        {32, {"flock", G::Lock}},
        {46, {"ftruncate", G::Write}},    {47, {"fallocate", G::Write}},   {56, {"openat", G::Other}},
        {61, {"getdents64", G::Read}},    {63, {"read", G::Read}},         {64, {"write", G::Write}},
        {65, {"readv", G::Read}},         {66, {"writev", G::Write}},      {67, {"pread64", G::Read}},
        {68, {"pwrite64", G::Write}},     {69, {"preadv", G::Read}},       {70, {"pwritev", G::Write}},
        {71, {"sendfile", G::Write}},     {72, {"pselect6", G::Poll}},     {73, {"ppoll", G::Poll}},
        {79, {"newfstatat", G::Other}},   {81, {"sync", G::Sync}},         {82, {"fsync", G::Sync}},
        {83, {"fdatasync", G::Sync}},     {84, {"sync_file_range", G::Sync}}, {95, {"waitid", G::ChildWait}},
        {98, {"futex", G::Futex}},        {101, {"nanosleep", G::Sleep}},  {115, {"clock_nanosleep", G::Sleep}},
        {133, {"rt_sigsuspend", G::Signal}}, {137, {"rt_sigtimedwait", G::Signal}}, {202, {"accept", G::Connect}},
        {203, {"connect", G::Connect}},   {206, {"sendto", G::Write}},     {207, {"recvfrom", G::Read}},
        {211, {"sendmsg", G::Write}},     {212, {"recvmsg", G::Read}},     {220, {"clone", G::Spawn}},
        {221, {"execve", G::Spawn}},      {222, {"mmap", G::Other}},       {227, {"msync", G::Sync}},
        {242, {"accept4", G::Connect}},   {243, {"recvmmsg", G::Read}},    {260, {"wait4", G::ChildWait}},
        {267, {"syncfs", G::Sync}},       {269, {"sendmmsg", G::Write}},   {281, {"execveat", G::Spawn}},
        {286, {"preadv2", G::Read}},      {287, {"pwritev2", G::Write}},   {291, {"statx", G::Other}},
        {435, {"clone3", G::Spawn}},      {441, {"epoll_pwait2", G::Poll}}, {449, {"futex_waitv", G::Futex}},
        {23, {"dup", G::Other}},          {29, {"ioctl", G::Other}},       {34, {"mkdirat", G::Other}},
        {35, {"unlinkat", G::Other}},     {38, {"renameat", G::Other}},    {48, {"faccessat", G::Other}},
        {57, {"close", G::Other}},        {59, {"pipe2", G::Other}},       {62, {"lseek", G::Other}},
        {78, {"readlinkat", G::Other}},   {80, {"fstat", G::Other}},       {93, {"exit", G::Other}},
        {94, {"exit_group", G::Other}},   {129, {"kill", G::Other}},       {198, {"socket", G::Other}},
        {214, {"brk", G::Other}},         {215, {"munmap", G::Other}},     {226, {"mprotect", G::Other}},
        {276, {"renameat2", G::Other}},   {278, {"getrandom", G::Other}},  {439, {"faccessat2", G::Other}},
    };
#else
    static const std::unordered_map<std::int64_t, Syscall> calls;
#endif
    return calls;
}

}  // namespace

std::string syscall_name(std::int64_t number) {
    if (number < 0) return "";
    const auto found = table().find(number);
    return found == table().end() ? "syscall " + std::to_string(number) : found->second.name;
}

SyscallGroup syscall_group(std::int64_t number) {
    if (number < 0) return SyscallGroup::None;
    const auto found = table().find(number);
    return found == table().end() ? SyscallGroup::Other : found->second.group;
}

bool fcntl_waits_for_lock(std::uint64_t command) {
    constexpr std::uint64_t kSetLockWait = 7;       // F_SETLKW
    constexpr std::uint64_t kOfdSetLockWait = 38;   // F_OFD_SETLKW
    return command == kSetLockWait || command == kOfdSetLockWait;
}

}  // namespace validprof::explain
