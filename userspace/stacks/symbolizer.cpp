#include "stacks/symbolizer.h"

#include "bcc/bcc_runtime.h"
#include <sys/stat.h>

#include <algorithm>
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

// No process maps the first 64 KiB (vm.mmap_min_addr) or anything at or
// above 2^56 (the user half of a 57-bit address space, the largest x86-64
// and arm64 have).
constexpr std::uint64_t kLowestUserAddress = 0x10000;
constexpr std::uint64_t kUserAddressLimit = 1ull << 56;

// A frame-pointer walk that loops repeats the frame it came back to until
// the depth limit: this many identical outermost frames of a full stack.
constexpr std::size_t kLoopRepeats = 8;

}  // namespace

const char* to_string(SampleKind kind) {
    switch (kind) {
        case SampleKind::Cpu: return "cpu";
        case SampleKind::OffCpuSleeping: return "offcpu-sleeping";
        case SampleKind::OffCpuBlocked: return "offcpu-blocked";
    }
    return "unknown";
}

bool mark_gate_stop(SymbolizedStack& stack) {
    if (stack.kind == SampleKind::Cpu) return false;
    for (std::size_t i = 0; i < stack.frames.size(); ++i) {
        if (stack.frames[i].module == "[kernel]" && stack.frames[i].name == "do_signal_stop") {
            stack.frames.resize(i);
            stack.frames.push_back({"[validprof gate]", "[validprof]"});
            return true;
        }
    }
    return false;
}

std::string truncation_note(const std::string& reason) {
    std::string note = "note_stack_truncated_";
    for (char c : reason) note += (c == ' ' || c == '-') ? '_' : c;
    return note;
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

Symbolizer::Symbolizer() : vdso_(own_vdso()) {
    // A recorded command runs validprof's own code between fork and exec.
    index_.add_file("/proc/self/exe");
    if (vdso_) vdso_id_ = vdso_->build_id();
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

std::shared_ptr<const ElfImage> Symbolizer::image(const std::string& path) {
    auto found = images_.find(path);
    if (found == images_.end()) found = images_.emplace(path, ElfImage::open(path)).first;
    return found->second;
}

Symbolizer::CheckedFrames Symbolizer::check_user_frames(const RawStack& raw) {
    const std::vector<UserFrame>& frames = raw.user_frames;
    CheckedFrames checked;
    checked.kept = frames.size();
    checked.truncated = raw.truncated;
    // A full frame-pointer stack whose outermost frames repeat: a loop.
    if (frames.size() >= kMaxUserFrames && checked.truncated.empty()) {
        std::size_t run = 1;
        while (run < frames.size() && frames[frames.size() - 1 - run].offset_or_ip == frames.back().offset_or_ip &&
               frames[frames.size() - 1 - run].build_id == frames.back().build_id)
            ++run;
        if (run >= kLoopRepeats) {
            checked.kept = frames.size() - run + 1;
            checked.truncated = "loop";
        } else {
            checked.truncated = "depth limit";
        }
    }
    for (std::size_t i = 0; i < checked.kept; ++i) {
        const UserFrame& frame = frames[i];
        std::string reason;
        if (!frame.has_build_id) {
            if (frame.offset_or_ip < kLowestUserAddress || frame.offset_or_ip >= kUserAddressLimit)
                reason = "outside mapping";
        } else {
            const FrameFacts& known = facts(frame);
            reason = known.reason;
            // Frame 0 is where the thread was, not a return address.
            if (reason.empty() && i > 0 && !known.follows_call) reason = "not after a call";
        }
        if (!reason.empty()) {
            checked.kept = i;
            checked.truncated = reason;
            break;
        }
    }
    return checked;
}

std::size_t Symbolizer::FrameKeyHash::operator()(const FrameKey& key) const {
    std::uint64_t hash = key.offset * 0x9e3779b97f4a7c15ull;
    for (unsigned char byte : key.build_id) hash = (hash ^ byte) * 1099511628211ull;
    return static_cast<std::size_t>(hash);
}

Symbolizer::FrameFacts& Symbolizer::facts(const UserFrame& frame) {
    auto [found, inserted] = facts_.try_emplace(FrameKey{frame.build_id, frame.offset_or_ip});
    FrameFacts& known = found->second;
    if (!inserted) return known;
    const bool vdso = vdso_id_ && frame.build_id == *vdso_id_;
    if (auto path = vdso ? std::nullopt : index_.find(frame.build_id); vdso || path) {
        if (auto elf = vdso ? vdso_ : image(*path)) {
            if (frame.offset_or_ip >= elf->file_size()) known.reason = "past end of file";
            else if (!elf->is_code(frame.offset_or_ip)) known.reason = "not code";
            known.follows_call = elf->follows_call(frame.offset_or_ip);
        }
    }
    return known;
}

Frame Symbolizer::user_frame(const UserFrame& frame, const RawStack& raw) {
    if (!frame.has_build_id) {
        if (const std::string* name = perf_map(raw.pid, raw.uid).find(frame.offset_or_ip))
            return {*name, "[jit]", "", "", frame.offset_or_ip};
        return {hex_offset("[unknown]", frame.offset_or_ip), "[unknown]", "", "", frame.offset_or_ip};
    }
    FrameFacts& known = facts(frame);
    if (!known.frame) known.frame = name_frame(frame);
    return *known.frame;
}

Frame Symbolizer::name_frame(const UserFrame& frame) {
    std::string id = to_hex(frame.build_id);
    if (vdso_id_ && frame.build_id == *vdso_id_) {
        if (!vdso_symbols_) vdso_symbols_ = ModuleSymbols::from_image(*vdso_);
        if (auto name = vdso_symbols_->resolve(frame.offset_or_ip)) return {*name, "[vdso]", "", id, frame.offset_or_ip};
        return {hex_offset("[vdso]", frame.offset_or_ip), "[vdso]", "", id, frame.offset_or_ip};
    }
    auto path = index_.find(frame.build_id);
    if (!path) {
        std::string module = "[build-id " + id.substr(0, 12) + "]";
        return {hex_offset(module, frame.offset_or_ip), module, "", id, frame.offset_or_ip};
    }
    std::string module = basename_of(*path);
    auto symbols = modules_.find(*path);
    if (symbols == modules_.end()) symbols = modules_.emplace(*path, ModuleSymbols::load(*path)).first;
    if (auto name = symbols->second.resolve(frame.offset_or_ip)) return {*name, module, *path, id, frame.offset_or_ip};
    return {hex_offset(module, frame.offset_or_ip), module, *path, id, frame.offset_or_ip};
}

Frame Symbolizer::kernel_frame(std::uint64_t address) {
    if (!kernel_cache_) kernel_cache_ = bcc::symcache_new(-1, nullptr);
    bcc_symbol symbol{};
    if (kernel_cache_ && bcc::symcache_resolve_no_demangle(kernel_cache_, address, &symbol) == 0 && symbol.name)
        return {symbol.name, "[kernel]", "", "", address};
    return {hex_offset("[kernel]", address), "[kernel]", "", "", address};
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
    CheckedFrames checked = check_user_frames(raw);
    if (!checked.truncated.empty()) {
        stack.frames.push_back({"[truncated: " + checked.truncated + "]", "[truncated]"});
        truncations_[checked.truncated] += raw.count;
    }
    for (std::size_t i = checked.kept; i > 0; --i) stack.frames.push_back(user_frame(raw.user_frames[i - 1], raw));
    std::size_t user_end = stack.frames.size();
    if (raw.kernel_stack_lost) stack.frames.push_back({"[kernel stack lost]", "[kernel]"});
    for (auto it = raw.kernel_frames.rbegin(); it != raw.kernel_frames.rend(); ++it)
        stack.frames.push_back(kernel_frame(*it));
    // A process sampled in do_exit() after exit_mm() has no address space
    // left, so there is no user stack to walk (bpf_get_stack says EFAULT).
    // Measured: every on-CPU sample of tracked processes without user
    // frames was one of these (docs/flamegraphs.md). Say so rather than
    // show a stack that seems to start in the kernel.
    if (raw.user_frames.empty() && !raw.user_stack_lost && checked.truncated.empty() &&
        std::any_of(stack.frames.begin() + static_cast<std::ptrdiff_t>(user_end), stack.frames.end(),
                    [](const Frame& frame) { return frame.name == "do_exit"; })) {
        stack.frames.insert(stack.frames.begin() + static_cast<std::ptrdiff_t>(user_end),
                            Frame{"[exiting: no address space]", "[kernel]"});
    }
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
