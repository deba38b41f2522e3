#include "stacks/symbolizer.h"

#include "bcc/bcc_runtime.h"
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace validprof::stacks {
namespace {

std::string hex_offset(const std::string& module, std::uint64_t offset) {
    char text[64];
    std::snprintf(text, sizeof(text), "+0x%llx", static_cast<unsigned long long>(offset));
    return module + text;
}

std::string basename_of(const std::string& path) { return std::filesystem::path(path).filename().string(); }

}  // namespace

const char* to_string(SampleKind kind) {
    switch (kind) {
        case SampleKind::Cpu: return "cpu";
        case SampleKind::OffCpuSleeping: return "offcpu-sleeping";
        case SampleKind::OffCpuBlocked: return "offcpu-blocked";
    }
    return "unknown";
}

PerfMap PerfMap::parse(const std::string& text) {
    PerfMap map;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string start_text, size_text;
        if (!(fields >> start_text >> size_text)) continue;
        std::string name;
        std::getline(fields, name);
        if (!name.empty() && name.front() == ' ') name.erase(0, 1);
        char* end = nullptr;
        std::uint64_t start = std::strtoull(start_text.c_str(), &end, 16);
        if (*end != '\0') continue;
        std::uint64_t size = std::strtoull(size_text.c_str(), &end, 16);
        if (*end != '\0' || size == 0) continue;
        map.ranges_[start] = {size, name};
    }
    return map;
}

PerfMap PerfMap::load_trusted(std::int32_t pid, std::uint32_t uid) {
    std::string path = "/tmp/perf-" + std::to_string(pid) + ".map";
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != uid) return {};
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return parse(text.str());
}

const std::string* PerfMap::find(std::uint64_t address) const {
    auto it = ranges_.upper_bound(address);
    if (it == ranges_.begin()) return nullptr;
    --it;
    return address < it->first + it->second.size ? &it->second.name : nullptr;
}

Symbolizer::Symbolizer() {
    // A recorded command runs validprof's own code between fork and exec.
    index_.add_file("/proc/self/exe");
}

Symbolizer::~Symbolizer() {
    if (kernel_cache_) bcc::free_symcache(kernel_cache_, -1);
}

void Symbolizer::add_known_file(const std::string& path) { index_.add_file(path); }

const PerfMap& Symbolizer::perf_map(std::int32_t pid, std::uint32_t uid) {
    auto found = perf_maps_.find(pid);
    if (found == perf_maps_.end()) found = perf_maps_.emplace(pid, PerfMap::load_trusted(pid, uid)).first;
    return found->second;
}

Frame Symbolizer::user_frame(const UserFrame& frame, const RawStack& raw) {
    if (!frame.has_build_id) {
        if (const std::string* name = perf_map(raw.pid, raw.uid).find(frame.offset_or_ip)) return {*name, "[jit]"};
        return {hex_offset("[unknown]", frame.offset_or_ip), "[unknown]"};
    }
    auto path = index_.find(frame.build_id);
    if (!path) {
        std::string module = "[build-id " + to_hex(frame.build_id).substr(0, 12) + "]";
        return {hex_offset(module, frame.offset_or_ip), module};
    }
    std::string module = basename_of(*path);
    auto symbols = modules_.find(*path);
    if (symbols == modules_.end()) symbols = modules_.emplace(*path, ModuleSymbols::load(*path)).first;
    if (auto name = symbols->second.resolve(frame.offset_or_ip)) return {*name, module};
    return {hex_offset(module, frame.offset_or_ip), module};
}

Frame Symbolizer::kernel_frame(std::uint64_t address) {
    if (!kernel_cache_) kernel_cache_ = bcc::symcache_new(-1, nullptr);
    bcc_symbol symbol{};
    if (kernel_cache_ && bcc::symcache_resolve_no_demangle(kernel_cache_, address, &symbol) == 0 && symbol.name)
        return {symbol.name, "[kernel]"};
    return {hex_offset("[kernel]", address), "[kernel]"};
}

SymbolizedStack Symbolizer::symbolize(const RawStack& raw, std::uint64_t sample_period_ns) {
    SymbolizedStack stack;
    stack.pid = raw.pid;
    stack.kind = raw.kind;
    stack.count = raw.count;
    stack.weight_ns = raw.kind == SampleKind::Cpu ? raw.count * sample_period_ns : raw.total_ns;
    // Root first: the user stack's outermost frame down to its leaf, then
    // the kernel frames the leaf called into.
    if (raw.user_stack_lost) stack.frames.push_back({"[user stack lost]", "[unknown]"});
    for (auto it = raw.user_frames.rbegin(); it != raw.user_frames.rend(); ++it)
        stack.frames.push_back(user_frame(*it, raw));
    std::size_t user_end = stack.frames.size();
    if (raw.kernel_stack_lost) stack.frames.push_back({"[kernel stack lost]", "[kernel]"});
    for (auto it = raw.kernel_frames.rbegin(); it != raw.kernel_frames.rend(); ++it)
        stack.frames.push_back(kernel_frame(*it));
    // An off-CPU stack is taken inside the sched_switch tracepoint: the
    // frames past __schedule are the tracing machinery (and our program),
    // not the task. Cut them so the leaf is where the task went to sleep.
    if (raw.kind != SampleKind::Cpu) {
        for (std::size_t i = stack.frames.size(); i > user_end; --i) {
            if (stack.frames[i - 1].name == "__schedule") {
                stack.frames.resize(i);
                break;
            }
        }
    }
    return stack;
}

}  // namespace validprof::stacks
