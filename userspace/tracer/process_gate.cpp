#include "tracer/process_gate.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <spdlog/spdlog.h>

#include "hook_trace.h"
#include "tracer/proc_maps.h"

namespace validprof::tracer {
namespace {

std::uint64_t monotonic_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(now.tv_nsec);
}

void set_gate(int gate_state_fd, bool open) {
    __u32 zero = 0;
    __u32 value = open ? 1 : 0;
    bpf_map_update_elem(gate_state_fd, &zero, &value, BPF_ANY);
}

std::vector<__u32> listed_pids(int held_processes_fd) {
    std::vector<__u32> pids;
    __u32 key = 0;
    __u32 next = 0;
    const __u32* previous = nullptr;
    while (bpf_map_get_next_key(held_processes_fd, previous, &next) == 0) {
        pids.push_back(next);
        key = next;
        previous = &key;
    }
    return pids;
}

int duplicate(int fd) { return fd >= 0 ? ::fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1; }

// The file as the gate's map and the cache know it: the kernel's own
// device encoding (MKDEV: major << 20 | minor), not glibc's st_dev.
model::InspectedFile identity_of(const std::string& path, const struct stat& info) {
    model::InspectedFile file;
    file.device = static_cast<std::uint32_t>((major(info.st_dev) << 20) | minor(info.st_dev));
    file.inode = info.st_ino;
    file.size = static_cast<std::uint64_t>(info.st_size);
    file.ctime_ns = static_cast<std::int64_t>(info.st_ctim.tv_sec) * 1'000'000'000 + info.st_ctim.tv_nsec;
    file.path = path;
    return file;
}

// Closes every descriptor from 3 up except those in `keep`.
void close_all_but(std::vector<int> keep) {
    std::sort(keep.begin(), keep.end());
    unsigned int from = 3;
    for (int fd : keep) {
        if (fd < static_cast<int>(from)) continue;
        if (static_cast<unsigned int>(fd) > from) ::syscall(SYS_close_range, from, static_cast<unsigned int>(fd) - 1, 0);
        from = static_cast<unsigned int>(fd) + 1;
    }
    ::syscall(SYS_close_range, from, ~0u, 0);
}

// The watchdog process: nothing but the maps and the pipe. It must outlive
// a Ctrl-C that reaches the whole process group, and must not hold the
// terminal or a test's output pipe open.
[[noreturn]] void run_watchdog(int pipe_fd, int held_processes_fd, int gate_state_fd) {
    ::prctl(PR_SET_NAME, "validprof-gate");
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP}) ::signal(signal_number, SIG_IGN);
    if (int null = ::open("/dev/null", O_RDWR); null >= 0) {
        for (int standard = 0; standard < 3; ++standard) ::dup2(null, standard);
        if (null > 2) ::close(null);
    }
    close_all_but({pipe_fd, held_processes_fd, gate_state_fd});
    char byte;
    while (::read(pipe_fd, &byte, 1) != 0) {
        if (errno != EINTR) break;
    }
    sweep_held_processes(held_processes_fd, gate_state_fd, 5, 10);
    ::_exit(0);
}

}  // namespace

std::uint64_t sweep_held_processes(int held_processes_fd, int gate_state_fd, int quiet_rounds, int round_ms) {
    set_gate(gate_state_fd, false);
    std::uint64_t continued = 0;
    int quiet = 0;
    while (quiet < quiet_rounds) {
        std::vector<__u32> pids = listed_pids(held_processes_fd);
        for (__u32 pid : pids) {
            bpf_map_delete_elem(held_processes_fd, &pid);
            ::kill(static_cast<pid_t>(pid), SIGCONT);
            ++continued;
        }
        quiet = pids.empty() ? quiet + 1 : 0;
        if (quiet < quiet_rounds) {
            timespec pause{0, static_cast<long>(round_ms) * 1'000'000L};
            ::nanosleep(&pause, nullptr);
        }
    }
    return continued;
}

ProcessGate::ProcessGate(const GateMaps& maps, Inspector inspect)
    : checked_files_(duplicate(maps.checked_files)),
      held_processes_(duplicate(maps.held_processes)),
      gate_state_(duplicate(maps.gate_state)),
      inspect_(std::move(inspect)) {}

common::Result<std::unique_ptr<ProcessGate>> ProcessGate::open(const GateMaps& maps, Inspector inspect) {
    std::unique_ptr<ProcessGate> gate(new ProcessGate(maps, std::move(inspect)));
    if (!gate->checked_files_.valid() || !gate->held_processes_.valid() || !gate->gate_state_.valid())
        return common::make_error("cannot share the gate's BPF maps", errno);
    set_gate(gate->gate_state_.get(), true);
    return gate;
}

ProcessGate::~ProcessGate() {
    close();
    release_everyone();
    stop_watchdog();
}

common::Result<void> ProcessGate::start_watchdog() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return common::make_error("cannot create the gate watchdog's pipe", errno);
    common::UniqueFd read_end(fds[0]);
    common::UniqueFd write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid < 0) return common::make_error("cannot fork the gate watchdog", errno);
    if (pid == 0) {
        write_end.release();  // closed with the rest by close_all_but
        run_watchdog(read_end.get(), held_processes_.get(), gate_state_.get());
    }
    watchdog_pid_ = pid;
    watchdog_pipe_ = std::move(write_end);
    spdlog::debug("gate watchdog started (pid {})", pid);
    return common::success();
}

void ProcessGate::stop_watchdog() {
    if (watchdog_pid_ <= 0) return;
    watchdog_pipe_.reset();  // end-of-file: it sweeps an empty list and exits
    // Reaped if it is already done; otherwise init reaps it after we exit.
    int status = 0;
    ::waitpid(watchdog_pid_, &status, WNOHANG);
    watchdog_pid_ = -1;
}

void ProcessGate::inspect_once(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !inspected_files_.insert({info.st_dev, info.st_ino}).second) return;
    if (!inspect_) return;
    model::InspectedFile inspected = identity_of(path, info);
    inspected.found = inspect_(path);
    inspections_.push_back(std::move(inspected));
}

std::size_t ProcessGate::preload(const std::vector<model::InspectedFile>& known, const model::FileInspection& need) {
    std::size_t taken = 0;
    for (const model::InspectedFile& file : known) {
        if ((need.usdt_checked && !file.found.usdt_checked) || (need.sqlite_checked && !file.found.sqlite_checked))
            continue;  // not looked at for everything this session needs
        struct stat info {};
        if (::stat(file.path.c_str(), &info) != 0) continue;
        model::InspectedFile now = identity_of(file.path, info);
        if (now.device != file.device || now.inode != file.inode || now.size != file.size ||
            now.ctime_ns != file.ctime_ns)
            continue;  // changed (or another file now has that path)
        if (file.found.has_probes()) {
            inspect_once(file.path);
        } else if (inspected_files_.insert({info.st_dev, info.st_ino}).second) {
            now.found = file.found;
            inspections_.push_back(std::move(now));
        }
        mark_checked(file.device, file.inode);
        ++taken;
    }
    return taken;
}

std::vector<model::InspectedFile> ProcessGate::inspected() const { return inspections_; }

void ProcessGate::mark_checked(std::uint32_t device, std::uint64_t inode) {
    vp_file_key key{};
    key.inode = inode;
    key.device = device;
    __u8 checked = 1;
    bpf_map_update_elem(checked_files_.get(), &key, &checked, BPF_ANY);
}

std::uint64_t ProcessGate::release(pid_t pid) {
    __u32 key = static_cast<__u32>(pid);
    __u64 since = 0;
    std::uint64_t held = 0;
    if (bpf_map_lookup_elem(held_processes_.get(), &key, &since) == 0) {
        std::uint64_t now = monotonic_ns();
        held = now > since ? now - since : 0;
        statistics_.holds += 1;
        statistics_.held_ns += held;
        bpf_map_delete_elem(held_processes_.get(), &key);
    }
    ::kill(pid, SIGCONT);
    return held;
}

std::uint64_t ProcessGate::release_exec(pid_t pid, const std::string& exec_filename, std::uint32_t device,
                                        std::uint64_t inode) {
    std::string path = exec_filename;
    char target[4096];
    std::string link = "/proc/" + std::to_string(pid) + "/exe";
    if (ssize_t length = ::readlink(link.c_str(), target, sizeof(target) - 1); length > 0)
        path.assign(target, static_cast<std::size_t>(length));
    inspect_once(path);
    mark_checked(device, inode);
    return release(pid);
}

std::uint64_t ProcessGate::release_mapping(pid_t pid, std::uint32_t device, std::uint64_t inode) {
    // The mapped file, found among the process's mappings by identity.
    if (auto path = mapped_file_path(pid, device, inode)) inspect_once(*path);
    mark_checked(device, inode);
    return release(pid);
}

void ProcessGate::close() {
    if (gate_state_.valid()) set_gate(gate_state_.get(), false);
}

void ProcessGate::release_everyone() {
    if (!held_processes_.valid()) return;
    for (__u32 pid : listed_pids(held_processes_.get())) {
        release(static_cast<pid_t>(pid));
        statistics_.released_at_close += 1;
    }
}

}  // namespace validprof::tracer
