// Unprivileged: the CFI unwinder on this very process. Built with -O2
// -fomit-frame-pointer (tests/stacks/CMakeLists.txt): a function reached
// through libc's qsort() and two levels of our own calls copies its
// registers and stack, as the BPF side does at a sample, and the copy is
// unwound from .eh_frame alone. The truth is the call chain the test
// itself made, and /proc/self/maps.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "stacks/cfi_unwinder.h"
#include "stacks/process_mappings.h"
#include "stacks/symbolizer.h"

namespace {

struct Capture {
    validprof::stacks::UserRegisters registers;
    std::vector<unsigned char> stack;
};
Capture* g_capture = nullptr;
std::size_t g_copy_bytes = 0;

std::string read_text(const char* path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

// The end of the mapping holding `address` (the stack's top).
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

// Outside any namespace, so their symbols read plainly. The copy reads the
// raw stack across frames, as the kernel's copy does: AddressSanitizer would
// call that an underflow of this frame's locals, so these reads are not
// instrumented (--sanitize builds).
extern "C" __attribute__((noinline, no_sanitize("address"))) void vp_capture_here() {
    std::uint64_t ip = 0, sp = 0, bp = 0;
    asm volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2" : "=r"(ip), "=r"(sp), "=r"(bp));
    std::size_t bytes = std::min<std::uint64_t>(g_copy_bytes, mapping_end(sp) - sp);
    g_capture->registers = {ip, sp, bp};
    g_capture->stack.resize(bytes);
    unsigned char* to = g_capture->stack.data();
    const volatile unsigned char* from = reinterpret_cast<const unsigned char*>(sp);
    for (std::size_t i = 0; i < bytes; ++i) to[i] = from[i];
}

extern "C" __attribute__((noinline)) void vp_level_two(int value) {
    if (value >= 0 && g_capture && g_capture->stack.empty()) vp_capture_here();
    asm volatile("" ::: "memory");  // not a tail call
}

extern "C" __attribute__((noinline)) void vp_level_one(int value) {
    vp_level_two(value + 1);
    asm volatile("" ::: "memory");
}

extern "C" __attribute__((noinline)) int vp_compare(const void* a, const void* b) {
    int left = *static_cast<const int*>(a), right = *static_cast<const int*>(b);
    vp_level_one(left);
    return (left > right) - (left < right);
}

extern "C" __attribute__((noinline)) void vp_sort_numbers() {
    int numbers[64];
    for (int i = 0; i < 64; ++i) numbers[i] = (i * 37) % 64;
    std::qsort(numbers, 64, sizeof(int), vp_compare);
    asm volatile("" ::: "memory");
}

namespace validprof::stacks {
namespace {

Capture capture_in_qsort(std::size_t bytes) {
    Capture capture;
    g_capture = &capture;
    g_copy_bytes = bytes;
    vp_sort_numbers();
    g_capture = nullptr;
    return capture;
}

// An address lookup over this process's maps, as the collector builds from
// mmap records.
struct SelfAddressSpace {
    ProcessMappings mappings;
    UnwindModules modules;
    std::int32_t pid = 1;
    SelfAddressSpace() { mappings.add_proc_maps(pid, read_text("/proc/self/maps")); }
    AddressLookup lookup() {
        return [this](std::uint64_t address) -> std::optional<MappedCode> {
            const Mapping* mapping = mappings.find(pid, address, 1);
            if (!mapping) return std::nullopt;
            MappedCode code;
            code.file_offset = address - mapping->start + mapping->file_offset;
            if (!mapping->path.empty() && mapping->path.front() == '/') {
                code.module = modules.get(mapping->path);
                if (code.module->image) code.build_id = code.module->image->build_id();
            }
            return code;
        };
    }
};

std::vector<std::string> names_leaf_first(const UnwoundStack& unwound) {
    Symbolizer symbolizer;
    std::istringstream lines(read_text("/proc/self/maps"));
    std::string line;
    while (std::getline(lines, line))
        if (auto slash = line.find('/'); slash != std::string::npos) symbolizer.add_known_file(line.substr(slash));
    RawStack raw;
    raw.count = 1;
    raw.user_frames = unwound.frames;
    raw.truncated = unwound.truncated;
    SymbolizedStack stack = symbolizer.symbolize(raw, 1);
    std::vector<std::string> names;
    for (auto it = stack.frames.rbegin(); it != stack.frames.rend(); ++it) names.push_back(it->name);
    return names;
}

std::string joined(const std::vector<std::string>& names) {
    std::string text;
    for (const std::string& name : names) text += name + "\n";
    return text;
}

std::ptrdiff_t position(const std::vector<std::string>& names, const std::string& name) {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<std::ptrdiff_t>(i);
    return -1;
}

TEST(CfiUnwinder, RecoversTheChainThroughQsortWithoutFramePointers) {
    Capture capture = capture_in_qsort(256 * 1024);
    ASSERT_FALSE(capture.stack.empty());
    SelfAddressSpace space;
    UnwoundStack unwound = unwind_user_stack(capture.registers, capture.stack, space.lookup());
    std::vector<std::string> names = names_leaf_first(unwound);
    EXPECT_EQ(unwound.truncated, "") << joined(names);
    EXPECT_GT(unwound.cfi_steps, 5u);
    // Leaf first: our three functions, then libc's qsort machinery, then the
    // caller of qsort, then gtest, main and libc's start.
    ASSERT_GE(names.size(), 8u) << joined(names);
    EXPECT_EQ(names[0], "vp_capture_here") << joined(names);
    EXPECT_EQ(names[1], "vp_level_two") << joined(names);
    EXPECT_EQ(names[2], "vp_level_one") << joined(names);
    EXPECT_EQ(names[3], "vp_compare") << joined(names);
    std::ptrdiff_t sorter = position(names, "vp_sort_numbers");
    ASSERT_GT(sorter, 4) << "libc's frames between the comparator and the caller of qsort\n" << joined(names);
    for (std::ptrdiff_t i = 4; i < sorter; ++i) EXPECT_EQ(names[i].find("vp_"), std::string::npos) << names[i];
    EXPECT_GE(position(names, "main"), sorter) << joined(names);
    EXPECT_NE(names.back().find("_start"), std::string::npos) << joined(names);
}

TEST(CfiUnwinder, ShortCopyEndsWithItsReason) {
    Capture capture = capture_in_qsort(96);
    SelfAddressSpace space;
    UnwoundStack unwound = unwind_user_stack(capture.registers, capture.stack, space.lookup());
    EXPECT_EQ(unwound.truncated, "stack copy ended");
    ASSERT_FALSE(unwound.frames.empty());
}

TEST(CfiUnwinder, AddressOutsideEveryMappingEndsTheStack) {
    SelfAddressSpace space;
    std::vector<unsigned char> stack(64, 0);
    UnwoundStack unwound = unwind_user_stack({0x3638782f6363672full, 0x7ffd00000000, 0}, stack, space.lookup());
    EXPECT_TRUE(unwound.frames.empty());
    EXPECT_EQ(unwound.truncated, "outside mapping");
    // Mapped nowhere in this process, though a plausible user address.
    unwound = unwind_user_stack({0x10000, 0x7ffd00000000, 0}, stack, space.lookup());
    EXPECT_EQ(unwound.truncated, "outside mapping");
}

TEST(CfiUnwinder, FramePointerChainThatTurnsBackIsALoop) {
    // JIT-like code (anonymous, no CFI): frame pointers only. The second
    // frame's saved rbp points below its own frame.
    constexpr std::uint64_t kSp = 0x7ffd00001000, kCode = 0x7f0000001000;
    std::vector<std::uint64_t> words(16, 0);
    words[0] = kSp;               // [rbp]   = saved rbp: itself
    words[1] = kCode + 0x40;      // [rbp+8] = return address
    std::vector<unsigned char> stack(reinterpret_cast<unsigned char*>(words.data()),
                                     reinterpret_cast<unsigned char*>(words.data()) + words.size() * 8);
    AddressLookup anonymous = [](std::uint64_t address) -> std::optional<MappedCode> {
        if (address >= kCode && address < kCode + 0x1000) return MappedCode{};
        return std::nullopt;
    };
    UnwoundStack unwound = unwind_user_stack({kCode, kSp, kSp}, stack, anonymous);
    ASSERT_EQ(unwound.frames.size(), 2u);
    EXPECT_EQ(unwound.frames[1].offset_or_ip, kCode + 0x40);
    EXPECT_EQ(unwound.truncated, "loop");
    EXPECT_EQ(unwound.fp_steps, 1u);
}

}  // namespace
}  // namespace validprof::stacks
