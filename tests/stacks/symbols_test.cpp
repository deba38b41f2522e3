// Unprivileged: the pieces of symbolization that do not need a kernel.
#include <dlfcn.h>
#include <elf.h>
#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "phases/usdt_phases.h"
#include "sqlite/sqlite_symbols.h"
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

// A minimal 64-bit ELF file: the header, one PT_NOTE segment, and in it
// one note of the given type, name and description.
std::string elf_with_note(std::uint32_t type, const std::string& name, const std::string& description) {
    auto padded = [](std::string text) {
        text.resize((text.size() + 3) / 4 * 4, '\0');
        return text;
    };
    std::string note_name = name + '\0';
    Elf64_Nhdr header{static_cast<Elf64_Word>(note_name.size()), static_cast<Elf64_Word>(description.size()), type};
    std::string notes(reinterpret_cast<const char*>(&header), sizeof(header));
    notes += padded(note_name) + padded(description);

    Elf64_Ehdr elf{};
    std::memcpy(elf.e_ident, ELFMAG, SELFMAG);
    elf.e_ident[EI_CLASS] = ELFCLASS64;
    elf.e_ident[EI_DATA] = ELFDATA2LSB;
    elf.e_ident[EI_VERSION] = EV_CURRENT;
    elf.e_type = ET_EXEC;
    elf.e_machine = EM_X86_64;
    elf.e_version = EV_CURRENT;
    elf.e_phoff = sizeof(Elf64_Ehdr);
    elf.e_ehsize = sizeof(Elf64_Ehdr);
    elf.e_phentsize = sizeof(Elf64_Phdr);
    elf.e_phnum = 1;
    Elf64_Phdr segment{};
    segment.p_type = PT_NOTE;
    segment.p_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
    segment.p_filesz = segment.p_memsz = notes.size();
    segment.p_align = 4;
    return std::string(reinterpret_cast<const char*>(&elf), sizeof(elf)) +
           std::string(reinterpret_cast<const char*>(&segment), sizeof(segment)) + notes;
}

std::string write_temporary(const std::string& bytes) {
    char path[] = "/tmp/vp-build-id-XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    close(fd);
    return path;
}

TEST(ReadBuildId, ReadsTheNoteAsTheKernelDoes) {
    std::string sha1(20, '\0');
    for (std::size_t i = 0; i < sha1.size(); ++i) sha1[i] = static_cast<char>(0xa0 + i);
    std::string path = write_temporary(elf_with_note(NT_GNU_BUILD_ID, "GNU", sha1));
    auto id = read_build_id(path);
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(to_hex(*id), "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
    unlink(path.c_str());

    // A 16-byte id (ld --build-id=md5 or uuid): zero-padded, as the kernel
    // records it in a stack frame.
    path = write_temporary(elf_with_note(NT_GNU_BUILD_ID, "GNU", sha1.substr(0, 16)));
    id = read_build_id(path);
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(to_hex(*id), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00000000");
    unlink(path.c_str());

    // Another owner's note of the same type is not a build-id.
    path = write_temporary(elf_with_note(NT_GNU_BUILD_ID, "XYZ", sha1));
    EXPECT_FALSE(read_build_id(path).has_value());
    unlink(path.c_str());
}

TEST(ReadBuildId, ALongBuildIdIsNoneAndHarmless) {
    // ld --build-id=0x<200 bytes>: the kernel takes no build-id from it.
    // BCC's reader wrote its 400 hex digits into a 41-byte buffer on
    // add_file's stack (SIGSEGV; the fuzzer's regression input is
    // tests/fuzz/corpus/elf_symbols/long-build-id.elf).
    std::string path = write_temporary(elf_with_note(NT_GNU_BUILD_ID, "GNU", std::string(200, '\xab')));
    EXPECT_FALSE(read_build_id(path).has_value());
    BuildIdIndex index;
    index.add_file(path);
    BuildId prefix;
    prefix.fill(0xab);
    EXPECT_FALSE(index.find(prefix).has_value());
    unlink(path.c_str());
}

TEST(BccElfReaders, FilesThatCrashedThemAreReadSafely) {
    // A symbol table whose sh_entsize is 0: BCC divided by it (SIGFPE) in
    // ModuleSymbols::load and find_sqlite_functions; found by
    // fuzz_elf_symbols.
    const std::string corpus = VALIDPROF_FUZZ_CORPUS;
    EXPECT_TRUE(ModuleSymbols::load(corpus + "/elf_symbols/symtab-entsize-0.elf").empty());
    EXPECT_TRUE(sqlite::find_sqlite_functions(corpus + "/elf_symbols/symtab-entsize-0.elf").empty());
    // A 200-byte build-id: the file's own symbols are still read.
    ModuleSymbols long_id = ModuleSymbols::load(corpus + "/elf_symbols/long-build-id.elf");
    EXPECT_FALSE(long_id.empty());
    EXPECT_FALSE(sqlite::find_sqlite_functions(corpus + "/elf_symbols/long-build-id.elf").empty());
    // A stapsdt note whose strings run past its end: BCC read past the
    // note (found by fuzz_usdt_notes). Well-formed notes are still read.
    EXPECT_TRUE(phases::read_usdt_probes(corpus + "/usdt_notes/unterminated-note.elf").empty());
    auto pairs = phases::pair_phases(phases::read_usdt_probes(corpus + "/usdt_notes/static.elf"));
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(pairs[0].provider, "validcore");
    EXPECT_EQ(pairs[0].name, "parse");
}

TEST(ReadBuildId, NotElfOrMissing) {
    std::string path = write_temporary("#!/bin/sh\necho not ELF\n");
    EXPECT_FALSE(read_build_id(path).has_value());
    unlink(path.c_str());
    EXPECT_FALSE(read_build_id("/nonexistent/vp-build-id").has_value());
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

// The vDSO's functions by the dynamic linker's own account: glibc lists
// the vDSO as linux-vdso.so.1, and dlsym finds its symbols there.
std::optional<std::uint64_t> vdso_offset_of(const char* name) {
    void* vdso = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!vdso) return std::nullopt;
    void* symbol = dlsym(vdso, name);
    dlclose(vdso);
    if (!symbol) return std::nullopt;
    return reinterpret_cast<std::uintptr_t>(symbol) - getauxval(AT_SYSINFO_EHDR);
}

TEST(ModuleSymbols, NamesTheVdsoByItsGlobalSymbols) {
    auto vdso = own_vdso();
    if (!vdso) GTEST_SKIP() << "this process has no vDSO";
    auto offset = vdso_offset_of("__vdso_clock_gettime");
    if (!offset) GTEST_SKIP() << "the dynamic linker does not list the vDSO's symbols";
    ModuleSymbols symbols = ModuleSymbols::from_image(*vdso);
    // clock_gettime is a weak alias at the same address: the global name wins.
    EXPECT_EQ(symbols.resolve(*offset), "__vdso_clock_gettime");
    EXPECT_EQ(symbols.resolve(*offset + 4), "__vdso_clock_gettime");
    if (auto time = vdso_offset_of("__vdso_time")) {
        EXPECT_EQ(symbols.resolve(*time), "__vdso_time");
    }
}

TEST(Symbolizer, VdsoFramesByItsBuildIdAreNamed) {
    auto vdso = own_vdso();
    auto offset = vdso_offset_of("__vdso_clock_gettime");
    if (!vdso || !vdso->build_id() || !offset) GTEST_SKIP() << "no vDSO with a build-id and symbols here";
    Symbolizer symbolizer;
    RawStack raw;
    raw.pid = 1;
    raw.count = 1;
    UserFrame leaf;
    leaf.has_build_id = true;
    leaf.build_id = *vdso->build_id();
    leaf.offset_or_ip = *offset + 1;
    raw.user_frames = {leaf};
    SymbolizedStack stack = symbolizer.symbolize(raw, 1'000'000);
    ASSERT_EQ(stack.frames.size(), 1u);
    EXPECT_EQ(stack.frames[0].name, "__vdso_clock_gettime");
    EXPECT_EQ(stack.frames[0].module, "[vdso]");
    EXPECT_EQ(stack.frames[0].build_id, to_hex(*vdso->build_id()));
}

}  // namespace
}  // namespace validprof::stacks
