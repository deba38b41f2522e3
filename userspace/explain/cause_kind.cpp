#include "explain/cause_kind.h"

#include <array>
#include <utility>

namespace validprof::explain {
namespace {

constexpr std::array<std::pair<CauseKind, std::string_view>, 19> kNames{{
    {CauseKind::Cpu, "cpu"},
    {CauseKind::RunQueue, "runqueue"},
    {CauseKind::DiskIo, "disk_io"},
    {CauseKind::Fsync, "fsync"},
    {CauseKind::FileLock, "file_lock"},
    {CauseKind::SqliteBusy, "sqlite_busy"},
    {CauseKind::Network, "network"},
    {CauseKind::Pipe, "pipe"},
    {CauseKind::ChildWait, "child_wait"},
    {CauseKind::Sleep, "sleep"},
    {CauseKind::Futex, "futex"},
    {CauseKind::Poll, "poll"},
    {CauseKind::ProcessSpawn, "process_spawn"},
    {CauseKind::ProcessExit, "process_exit"},
    {CauseKind::ExecFailed, "exec_failed"},
    {CauseKind::Observer, "observer"},
    {CauseKind::Stopped, "stopped"},
    {CauseKind::ShortWaits, "short_waits"},
    {CauseKind::OtherWait, "other_wait"},
}};

}  // namespace

std::string_view cause_kind_name(CauseKind kind) {
    for (const auto& [value, name] : kNames)
        if (value == kind) return name;
    return "other_wait";
}

std::optional<CauseKind> cause_kind_from_name(std::string_view name) {
    for (const auto& [value, known] : kNames)
        if (known == name) return value;
    return std::nullopt;
}

}  // namespace validprof::explain
