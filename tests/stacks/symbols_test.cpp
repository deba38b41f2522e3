// Unprivileged: the pieces of symbolization that do not need a kernel.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "stacks/build_id_index.h"
#include "stacks/module_symbols.h"
#include "stacks/symbolizer.h"

namespace validprof::stacks {
namespace {

TEST(PerfMap, ParsesRangesAndFindsContainingOne) {
    PerfMap map = PerfMap::parse(
        "7f0000001000 100 LazyCompile:~vpHotLoop /tmp/hot.js:1\n"
        "7f0000002000 20 Builtin:ArgumentsAdaptorTrampoline\n"
        "garbage line\n"
        "zz 10 bad\n");
    ASSERT_NE(map.find(0x7f0000001000), nullptr);
    EXPECT_EQ(*map.find(0x7f00000010ff), "LazyCompile:~vpHotLoop /tmp/hot.js:1");
    EXPECT_EQ(map.find(0x7f0000001100), nullptr);
    EXPECT_EQ(*map.find(0x7f0000002010), "Builtin:ArgumentsAdaptorTrampoline");
    EXPECT_EQ(map.find(0x1000), nullptr);
}

TEST(PerfMap, UntrustedOwnerIsIgnored) {
    // A map for a made-up pid, owned by root: trusted for uid 0 only.
    const std::int32_t pid = 999'999'0;
    std::string path = "/tmp/perf-" + std::to_string(pid) + ".map";
    std::ofstream(path) << "1000 100 jitted\n";
    struct stat info {};
    ASSERT_EQ(stat(path.c_str(), &info), 0);
    EXPECT_FALSE(PerfMap::load_trusted(pid, info.st_uid).empty());
    EXPECT_TRUE(PerfMap::load_trusted(pid, info.st_uid + 1).empty());
    unlink(path.c_str());
}

TEST(ModuleSymbols, TranslatesFileOffsetsThroughSegments) {
    // Text at file offset 0x1000 loaded at 0x401000 (p_vaddr != p_offset).
    ModuleSymbols module = ModuleSymbols::from_parts(
        {{0x401000, 0x2000, 0x1000}},
        {{0x401100, 0x80, "_ZN2vp4workEv"}, {0x401200, 0x10, "plain_c"}, {0x401300, 0, "asm_no_size"}});
    EXPECT_EQ(module.resolve(0x1100).value_or(""), "vp::work()");
    EXPECT_EQ(module.resolve(0x117f).value_or(""), "vp::work()");
    EXPECT_FALSE(module.resolve(0x1180).has_value()) << "past the sized symbol";
    EXPECT_EQ(module.resolve(0x1205).value_or(""), "plain_c");
    EXPECT_EQ(module.resolve(0x1350).value_or(""), "asm_no_size");
    EXPECT_FALSE(module.resolve(0x1000).has_value()) << "before the first symbol";
}

TEST(ModuleSymbols, ReadsARealLibrary) {
    // This test binary itself: main is a function it certainly has.
    ModuleSymbols module = ModuleSymbols::load("/proc/self/exe");
    EXPECT_FALSE(module.empty());
}

TEST(Demangle, CppAndC) {
    EXPECT_EQ(demangle("_ZNSt6vectorIiSaIiEE9push_backERKi"), "std::vector<int, std::allocator<int> >::push_back(int const&)");
    EXPECT_EQ(demangle("read"), "read");
    EXPECT_EQ(demangle("_Znot_really"), "_Znot_really");
}

TEST(BuildIdIndex, FindsAFileByItsBuildId) {
    BuildIdIndex index;
    index.add_file("/proc/self/exe");
    // Unknown ids trigger the system scan once and then report nothing.
    BuildId unknown{};
    unknown.fill(0xee);
    EXPECT_FALSE(index.find(unknown).has_value());
}

TEST(Symbolizer, UnresolvableFramesAreKeptAsModulePlusOffset) {
    Symbolizer symbolizer;
    RawStack raw;
    raw.pid = 1;
    raw.kind = SampleKind::Cpu;
    raw.count = 3;
    UserFrame jit;  // no build-id, no perf map for pid 1
    jit.offset_or_ip = 0x7f00dead;
    UserFrame unknown_file;
    unknown_file.has_build_id = true;
    unknown_file.build_id.fill(0xab);
    unknown_file.offset_or_ip = 0x42;
    raw.user_frames = {jit, unknown_file};  // leaf first
    SymbolizedStack stack = symbolizer.symbolize(raw, 1'000'000);
    EXPECT_EQ(stack.weight_ns, 3'000'000u);
    ASSERT_EQ(stack.frames.size(), 2u);
    EXPECT_EQ(stack.frames[0].name, "[build-id abababababab]+0x42");  // root first
    EXPECT_EQ(stack.frames[1].name, "[unknown]+0x7f00dead");
}

}  // namespace
}  // namespace validprof::stacks
