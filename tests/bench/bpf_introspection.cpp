#include "bpf_introspection.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace validprof::bench {
namespace {

bool is_validprof_program(const std::string& name) {
    return name.rfind("sched_switch_", 0) == 0 || name.rfind("sched_wakeup", 0) == 0 ||
           name.rfind("sched_waking", 0) == 0 || name.rfind("sched_process_", 0) == 0 ||
           name.rfind("sys_enter_", 0) == 0 || name.rfind("sys_exit_", 0) == 0 ||
           name.rfind("cpu_sample", 0) == 0 || name.rfind("offcpu_switch", 0) == 0;
}

// The kernel keeps only 15 characters of a program's name (sched_process_exec
// and sched_process_exit both read "sched_process_e"); the program's BTF
// has the whole function name.
std::string full_program_name(int fd, const bpf_prog_info& info) {
    std::string name = info.name;
    if (!info.btf_id || !info.nr_func_info || info.func_info_rec_size != sizeof(bpf_func_info)) return name;
    std::vector<bpf_func_info> functions(info.nr_func_info);
    bpf_prog_info detail{};
    detail.nr_func_info = info.nr_func_info;
    detail.func_info_rec_size = sizeof(bpf_func_info);
    detail.func_info = reinterpret_cast<std::uintptr_t>(functions.data());
    __u32 length = sizeof(detail);
    if (bpf_obj_get_info_by_fd(fd, &detail, &length) != 0) return name;
    btf* types = btf__load_from_kernel_by_id(info.btf_id);
    if (!types) return name;
    // The first record is the program's main function.
    if (const btf_type* type = btf__type_by_id(types, functions[0].type_id))
        if (const char* found = btf__name_by_offset(types, type->name_off); found && *found) name = found;
    btf__free(types);
    return name;
}

}  // namespace

common::Result<common::UniqueFd> enable_bpf_run_time_stats() {
    int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (fd < 0) return common::make_error("cannot enable BPF run-time statistics", errno);
    return common::UniqueFd(fd);
}

std::set<std::uint32_t> bpf_ids_held_by(pid_t pid, const std::string& field) {
    std::set<std::uint32_t> ids;
    std::error_code error;
    std::string prefix = field + ":";
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fdinfo", error)) {
        std::ifstream fdinfo(entry.path());
        std::string line;
        while (std::getline(fdinfo, line))
            if (line.rfind(prefix, 0) == 0) ids.insert(static_cast<std::uint32_t>(std::stoul(line.substr(prefix.size()))));
    }
    return ids;
}

std::map<std::uint32_t, ProgramStats> scheduler_programs(const std::set<std::uint32_t>& ids) {
    std::map<std::uint32_t, ProgramStats> programs;
    __u32 id = 0;
    while (bpf_prog_get_next_id(id, &id) == 0) {
        if (!ids.empty() && !ids.count(id)) continue;
        common::UniqueFd fd(bpf_prog_get_fd_by_id(id));
        if (!fd.valid()) continue;  // unloaded meanwhile
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0) continue;
        if (!is_validprof_program(info.name)) continue;
        programs[id] = {id, full_program_name(fd.get(), info), info.run_cnt, info.run_time_ns};
    }
    return programs;
}

std::set<std::uint32_t> program_ids(const std::map<std::uint32_t, ProgramStats>& programs) {
    std::set<std::uint32_t> ids;
    for (const auto& [id, program] : programs) ids.insert(id);
    return ids;
}

std::vector<ProgramStats> stats_difference(const std::map<std::uint32_t, ProgramStats>& after,
                                           const std::map<std::uint32_t, ProgramStats>& before) {
    std::vector<ProgramStats> difference;
    for (const auto& [id, program] : after) {
        ProgramStats delta = program;
        if (auto earlier = before.find(id); earlier != before.end()) {
            delta.run_count -= earlier->second.run_count;
            delta.run_time_ns -= earlier->second.run_time_ns;
        }
        difference.push_back(delta);
    }
    std::sort(difference.begin(), difference.end(),
              [](const ProgramStats& a, const ProgramStats& b) { return a.name < b.name; });
    return difference;
}

std::optional<common::UniqueFd> open_map_named(const std::string& name, const std::set<std::uint32_t>& ids) {
    for (std::uint32_t id : ids) {
        common::UniqueFd fd(bpf_map_get_fd_by_id(id));
        if (!fd.valid()) continue;
        bpf_map_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) == 0 && name == info.name) return fd;
    }
    return std::nullopt;
}

std::uint64_t count_u32_keys(int map_fd) {
    bpf_map_info info{};
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(map_fd, &info, &length) != 0 || info.key_size != sizeof(__u32)) return 0;
    std::uint64_t count = 0;
    __u32 key = 0;
    const void* previous = nullptr;  // nullptr: start from the first key
    while (count < info.max_entries && bpf_map_get_next_key(map_fd, previous, &key) == 0) {
        ++count;
        previous = &key;
    }
    return count;
}

}  // namespace validprof::bench
