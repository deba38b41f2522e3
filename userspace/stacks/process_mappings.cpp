#include "stacks/process_mappings.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sstream>

namespace validprof::stacks {

void ProcessMappings::add(std::int32_t pid, Mapping mapping) {
    if (mapping.build_id && !mapping.path.empty() && mapping.path.front() == '/')
        files_.emplace(to_hex(*mapping.build_id), mapping.path);
    if (mapping.path == "[vdso]") add_vdso(pid, mapping.start, mapping.end);
    processes_[pid].mappings.push_back(std::move(mapping));
}

void ProcessMappings::add_vdso(std::int32_t pid, std::uint64_t start, std::uint64_t end) {
    auto& ranges = vdso_[pid];
    if (std::find(ranges.begin(), ranges.end(), std::pair{start, end}) == ranges.end()) ranges.emplace_back(start, end);
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> ProcessMappings::vdso_range(std::int32_t pid,
                                                                                   std::uint64_t address) const {
    auto found = vdso_.find(pid);
    if (found == vdso_.end()) return std::nullopt;
    for (const auto& range : found->second)
        if (address >= range.first && address < range.second) return range;
    return std::nullopt;
}

void ProcessMappings::exec(std::int32_t pid, std::uint64_t time_ns) {
    // The old image's mappings stay: a sample taken before the exec may be
    // unwound after this record arrives (find() compares the times).
    std::vector<std::uint64_t>& execs = processes_[pid].execs;
    execs.insert(std::upper_bound(execs.begin(), execs.end(), time_ns), time_ns);
}

void ProcessMappings::fork(std::int32_t parent, std::int32_t child, std::uint64_t time_ns) {
    auto found = processes_.find(parent);
    if (found == processes_.end() || parent == child) return;
    // The parent's image at the fork: its mappings since its last exec.
    std::uint64_t image_start = 0;
    for (std::uint64_t exec : found->second.execs)
        if (exec <= time_ns) image_start = exec;
    // Records of different CPUs arrive out of order: the child's exec and
    // new mappings may be known already. Merge, never replace.
    std::vector<Mapping> inherited;
    for (const Mapping& mapping : found->second.mappings)
        if (mapping.time_ns >= image_start && mapping.time_ns <= time_ns) inherited.push_back(mapping);
    Process& process = processes_[child];
    process.mappings.insert(process.mappings.begin(), inherited.begin(), inherited.end());
    for (const Mapping& mapping : inherited)
        if (mapping.path == "[vdso]") add_vdso(child, mapping.start, mapping.end);
}

void ProcessMappings::add_proc_maps(std::int32_t pid, const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::uint64_t start = 0, end = 0, offset = 0, inode = 0;
        char permissions[8] = {}, device[16] = {};
        int consumed = 0;
        if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %15s %" SCNu64 " %n", &start, &end,
                        permissions, &offset, device, &inode, &consumed) < 6)
            continue;
        if (permissions[2] != 'x') continue;
        Mapping mapping;
        mapping.start = start;
        mapping.end = end;
        mapping.file_offset = offset;
        if (consumed > 0 && static_cast<std::size_t>(consumed) <= line.size()) mapping.path = line.substr(consumed);
        if (mapping.path.empty()) mapping.path = "//anon";
        add(pid, std::move(mapping));
    }
}

bool ProcessMappings::in_replaced_image(std::int32_t pid, std::uint64_t address, std::uint64_t time_ns) const {
    auto found = processes_.find(pid);
    if (found == processes_.end()) return false;
    std::uint64_t last_exec = 0;
    for (std::uint64_t exec : found->second.execs)
        if (exec <= time_ns) last_exec = exec;
    return last_exec > 0 && find(pid, address, last_exec - 1) != nullptr;
}

const Mapping* ProcessMappings::find(std::int32_t pid, std::uint64_t address, std::uint64_t time_ns) const {
    auto found = processes_.find(pid);
    if (found == processes_.end()) return nullptr;
    const Process& process = found->second;
    // The image the process ran at time_ns started at its last exec before it.
    std::uint64_t image_start = 0;
    for (std::uint64_t exec : process.execs)
        if (exec <= time_ns) image_start = exec;
    // The latest mapping of the address before the sample, by time (the
    // records' order is per CPU, not global).
    const Mapping* latest = nullptr;
    for (const Mapping& mapping : process.mappings) {
        if (address < mapping.start || address >= mapping.end) continue;
        if (mapping.time_ns > time_ns || mapping.time_ns < image_start) continue;
        if (!latest || mapping.time_ns >= latest->time_ns) latest = &mapping;
    }
    return latest;
}

}  // namespace validprof::stacks
