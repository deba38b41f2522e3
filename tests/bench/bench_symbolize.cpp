// Benchmark (not a test, unprivileged): the userspace cost of CFI stacks.
// 1. Unwinding: a real stack copy (16 KiB, taken in a comparator called
//    by libc's qsort, this file built with -O2 -fomit-frame-pointer) is
//    unwound N times, as StackCollector::handle_copy does per sample.
// 2. Symbolization at the end of a session of N samples, each its own
//    distinct stack (the worst case: no two merge): the unwound frames with
//    the leaf moved to N different code offsets of this binary and libc,
//    symbolized by a fresh Symbolizer (ELF and debug-file loading included).
// 3. Source lines (what the pprof export adds): a fresh SourceLines looks
//    up the distinct frames of step 2, then --locations N distinct code
//    offsets spread over libc and this binary (DWARF from libc6-dbg's debug
//    file and this binary's own -g): the cost per distinct location, which
//    is what a pprof export pays, whatever its number of samples.
// Usage: bench_symbolize [--samples N] [--locations N]
#include <sys/auxv.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "stacks/cfi_unwinder.h"
#include "stacks/elf_image.h"
#include "stacks/process_mappings.h"
#include "stacks/source_lines.h"
#include "stacks/symbolizer.h"

namespace {

using namespace validprof::stacks;

std::vector<unsigned char> g_stack;
UserRegisters g_registers;

std::string read_text(const char* path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::string read_link(const char* path) {
    char target[4096];
    ssize_t length = ::readlink(path, target, sizeof target - 1);
    return length > 0 ? std::string(target, static_cast<std::size_t>(length)) : "";
}

std::uint64_t mapping_end(std::uint64_t address) {
    std::istringstream lines(read_text("/proc/self/maps"));
    std::string line;
    while (std::getline(lines, line)) {
        std::uint64_t start = 0, end = 0;
        if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64, &start, &end) == 2 && address >= start && address < end)
            return end;
    }
    return address;
}

}  // namespace

extern "C" __attribute__((noinline)) void vp_bench_capture() {
    std::uint64_t ip = 0, sp = 0, bp = 0;
    asm volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2" : "=r"(ip), "=r"(sp), "=r"(bp));
    std::size_t bytes = std::min<std::uint64_t>(16384, mapping_end(sp) - sp);
    g_registers = {ip, sp, bp};
    g_stack.assign(reinterpret_cast<const unsigned char*>(sp), reinterpret_cast<const unsigned char*>(sp) + bytes);
}

extern "C" __attribute__((noinline)) void vp_bench_inner(int value) {
    if (value >= 0 && g_stack.empty()) vp_bench_capture();
    asm volatile("" ::: "memory");
}

extern "C" __attribute__((noinline)) int vp_bench_compare(const void* a, const void* b) {
    int left = *static_cast<const int*>(a), right = *static_cast<const int*>(b);
    vp_bench_inner(left);
    return (left > right) - (left < right);
}

int main(int argc, char** argv) {
    std::size_t samples = 100000;
    std::size_t locations = 20000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--samples") == 0) samples = std::strtoull(argv[i + 1], nullptr, 10);
        if (std::strcmp(argv[i], "--locations") == 0) locations = std::strtoull(argv[i + 1], nullptr, 10);
    }
    int numbers[32];
    for (int i = 0; i < 32; ++i) numbers[i] = (i * 7) % 32;
    std::qsort(numbers, 32, sizeof(int), vp_bench_compare);

    ProcessMappings mappings;
    mappings.add_proc_maps(1, read_text("/proc/self/maps"));
    UnwindModules modules;
    AddressLookup lookup = [&](std::uint64_t address) -> std::optional<MappedCode> {
        const Mapping* mapping = mappings.find(1, address, 1);
        if (!mapping) return std::nullopt;
        MappedCode code;
        code.file_offset = address - mapping->start + mapping->file_offset;
        if (!mapping->path.empty() && mapping->path.front() == '/') {
            code.module = modules.get(mapping->path);
            if (code.module->image) code.build_id = code.module->image->build_id();
        }
        return code;
    };

    using Clock = std::chrono::steady_clock;
    auto started = Clock::now();
    UnwoundStack unwound;
    std::uint64_t frames = 0;
    for (std::size_t i = 0; i < samples; ++i) {
        unwound = unwind_user_stack(g_registers, g_stack, lookup);
        frames += unwound.frames.size();
    }
    double unwind_s = std::chrono::duration<double>(Clock::now() - started).count();
    std::printf("unwinding: %zu copies of %zu bytes, %zu frames each (%s): %.3f s, %.2f us per sample\n", samples,
                g_stack.size(), unwound.frames.size(), unwound.truncated.empty() ? "to the root" : unwound.truncated.c_str(),
                unwind_s, 1e6 * unwind_s / static_cast<double>(samples));

    // N distinct stacks: 1,000 processes, each with the leaf at up to 100
    // places in the code around the captured one (2 bytes apart, so many
    // distinct symbol lookups; the callers are real return addresses).
    std::vector<RawStack> raw(samples);
    for (std::size_t i = 0; i < samples; ++i) {
        raw[i].pid = static_cast<std::int32_t>(1 + i % 1000);
        raw[i].count = 1;
        raw[i].user_frames = unwound.frames;
        raw[i].user_frames.front().offset_or_ip += (i / 1000) * 2;
    }
    started = Clock::now();
    Symbolizer symbolizer;
    std::istringstream lines(read_text("/proc/self/maps"));
    std::string line;
    while (std::getline(lines, line))
        if (auto slash = line.find('/'); slash != std::string::npos) symbolizer.add_known_file(line.substr(slash));
    std::uint64_t named = 0, total = 0;
    for (const RawStack& stack : raw) {
        SymbolizedStack symbolized = symbolizer.symbolize(stack, 10'101'010);
        for (const auto& frame : symbolized.frames) {
            ++total;
            named += frame.name.find("+0x") == std::string::npos;
        }
    }
    double symbolize_s = std::chrono::duration<double>(Clock::now() - started).count();
    std::printf("symbolization: %zu distinct stacks, %" PRIu64 " frames (%.1f%% named): %.3f s\n", samples, total,
                100.0 * static_cast<double>(named) / static_cast<double>(total), symbolize_s);

    // Source lines: the distinct frames above (a return address but for
    // the leaf), then offsets spread evenly over each object's code.
    struct Lookup {
        std::string id;
        std::uint64_t offset;
        bool return_address;
    };
    std::vector<Lookup> lookups;
    std::vector<std::pair<std::string, std::string>> objects;  // build-id, path
    {
        std::set<std::tuple<std::string, std::uint64_t, bool>> distinct;
        for (const RawStack& stack : raw)
            for (std::size_t i = 0; i < stack.user_frames.size(); ++i)
                if (stack.user_frames[i].has_build_id)
                    distinct.insert({to_hex(stack.user_frames[i].build_id), stack.user_frames[i].offset_or_ip, i > 0});
        for (const auto& [id, offset, caller] : distinct) lookups.push_back({id, offset, caller});
        std::istringstream maps(read_text("/proc/self/maps"));
        std::set<std::string> paths;
        while (std::getline(maps, line))
            if (auto slash = line.find('/'); slash != std::string::npos) paths.insert(line.substr(slash));
        for (const std::string& path : paths) {
            auto image = ElfImage::open(path);
            if (!image || !image->build_id()) continue;
            objects.emplace_back(to_hex(*image->build_id()), path);
            if (path.find("libc.so") == std::string::npos && path != read_link("/proc/self/exe")) continue;
            for (const ElfImage::Segment& segment : image->segments()) {
                if (!segment.executable) continue;
                std::size_t count = locations / 2;
                for (std::size_t i = 0; i < count; ++i)
                    lookups.push_back({to_hex(*image->build_id()), segment.file_offset + segment.file_size * i / count, true});
            }
        }
    }
    started = Clock::now();
    SourceLines source_lines;
    for (const auto& [id, path] : objects) source_lines.add_mapped_file(id, path);
    std::uint64_t with_lines = 0, inline_entries = 0;
    for (const Lookup& lookup : lookups) {
        auto chain = source_lines.lookup(lookup.id, lookup.offset, lookup.return_address);
        with_lines += !chain.empty();
        inline_entries += chain.size() > 1 ? chain.size() - 1 : 0;
    }
    double lines_s = std::chrono::duration<double>(Clock::now() - started).count();
    std::printf("source lines: %zu distinct locations in %zu objects with DWARF (%.1f%% with a line, %" PRIu64
                " inlined entries): %.3f s, %.1f us per location\n",
                lookups.size(), source_lines.objects_with_lines(),
                100.0 * static_cast<double>(with_lines) / static_cast<double>(lookups.size()), inline_entries, lines_s,
                1e6 * lines_s / static_cast<double>(lookups.size()));
    (void)frames;
    return 0;
}
