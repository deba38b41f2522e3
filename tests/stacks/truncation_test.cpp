// Unprivileged: "never an impossible frame". Stacks built from this test
// binary's own code (its build-id, its file offsets, its genuine return
// addresses, read from /proc/self/maps) with garbage placed at known
// depths: each stack must end at the last real frame, with one
// "[truncated: REASON]" frame at its root, counted per reason.
#include <gtest/gtest.h>
#include <elf.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "stacks/elf_image.h"
#include "stacks/symbolizer.h"

namespace validprof::stacks {
namespace {

// File offset of an address of this process, from /proc/self/maps.
std::uint64_t self_file_offset(const void* pointer) {
    auto address = reinterpret_cast<std::uint64_t>(pointer);
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        std::uint64_t start = 0, end = 0, offset = 0;
        char permissions[8] = {};
        if (std::sscanf(line.c_str(), "%lx-%lx %7s %lx", &start, &end, permissions, &offset) != 4) continue;
        if (address >= start && address < end) return address - start + offset;
    }
    ADD_FAILURE() << "address not mapped";
    return 0;
}

BuildId self_build_id() {
    auto image = ElfImage::open("/proc/self/exe");
    EXPECT_TRUE(image && image->build_id()) << "the test binary has no build-id note";
    return image && image->build_id() ? *image->build_id() : BuildId{};
}

UserFrame self_frame(std::uint64_t offset) {
    UserFrame frame;
    frame.has_build_id = true;
    frame.build_id = self_build_id();
    frame.offset_or_ip = offset;
    return frame;
}

UserFrame raw_frame(std::uint64_t ip) {
    UserFrame frame;
    frame.offset_or_ip = ip;
    return frame;
}

// Code that no call precedes: eight nops, then the label.
asm(".text\n"
    ".p2align 4\n"
    "vp_nops_before:\n"
    "  nop; nop; nop; nop; nop; nop; nop; nop\n"
    ".globl vp_not_after_a_call\n"
    "vp_not_after_a_call:\n"
    "  ret\n");
extern "C" void vp_not_after_a_call();

// A genuine return address into this file: where capture_return() returns.
__attribute__((noinline)) void* capture_return() {
    void* address = __builtin_return_address(0);
    asm volatile("" ::: "memory");
    return address;
}

RawStack stack_of(std::vector<UserFrame> frames, std::uint64_t count = 1) {
    RawStack raw;
    raw.pid = 1;
    raw.count = count;
    raw.user_frames = std::move(frames);
    return raw;
}

const std::string& root_name(const SymbolizedStack& stack) { return stack.frames.front().name; }

TEST(ElfImage, ReadsSegmentsSectionsAndBuildIdOfItself) {
    auto image = ElfImage::open("/proc/self/exe");
    ASSERT_TRUE(image);
    EXPECT_TRUE(image->build_id().has_value());
    EXPECT_TRUE(image->section(".eh_frame").has_value());
    std::uint64_t code = self_file_offset(reinterpret_cast<const void*>(&capture_return));
    EXPECT_TRUE(image->is_code(code));
    static const char kData[] = "a string in .rodata";
    EXPECT_FALSE(image->is_code(self_file_offset(kData)));
    EXPECT_FALSE(image->is_code(image->file_size() + 16));
    EXPECT_EQ(image->virtual_address_of(code).value_or(0) & 0xfff, code & 0xfff);
}

TEST(ElfImage, RecognisesEveryFormOfCall) {
    // A minimal ELF header followed by instruction bytes; the offset given
    // to follows_call is the byte after each instruction.
    std::vector<unsigned char> bytes(sizeof(Elf64_Ehdr), 0);
    Elf64_Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    std::memcpy(bytes.data(), &header, sizeof(header));
    auto append = [&](std::vector<unsigned char> instruction) {
        bytes.insert(bytes.end(), 8, 0x90);  // nops apart
        bytes.insert(bytes.end(), instruction.begin(), instruction.end());
        return bytes.size();
    };
    std::size_t rel32 = append({0xe8, 0x10, 0x20, 0x30, 0x40});              // call rel32
    std::size_t reg = append({0xff, 0xd0});                                  // call *%rax
    std::size_t r8 = append({0x41, 0xff, 0xd0});                             // call *%r8
    std::size_t mem = append({0xff, 0x10});                                  // call *(%rax)
    std::size_t disp8 = append({0xff, 0x50, 0x08});                          // call *0x8(%rax)
    std::size_t sib = append({0xff, 0x14, 0xc5});                            // call *(,%rax,8)... base rbp
    std::size_t sib_disp32 = append({0xff, 0x14, 0xc5, 1, 2, 3, 4});         // call *disp32(,%rax,8)
    std::size_t rip = append({0xff, 0x15, 0x10, 0x20, 0x30, 0x40});          // call *disp32(%rip)
    std::size_t disp32 = append({0xff, 0x90, 0x10, 0x20, 0x30, 0x40});       // call *disp32(%rax)
    std::size_t jump = append({0xff, 0xe0});                                 // jmp *%rax: not a call
    std::size_t ret = append({0xc3});                                        // ret
    std::size_t text = append({'/', 'g', 'c', 'c', '/', 'x', '8', '6'});     // stack bytes
    auto image = ElfImage::from_memory(bytes.data(), bytes.size());
    ASSERT_TRUE(image);
    EXPECT_TRUE(image->follows_call(rel32));
    EXPECT_TRUE(image->follows_call(reg));
    EXPECT_TRUE(image->follows_call(r8));
    EXPECT_TRUE(image->follows_call(mem));
    EXPECT_TRUE(image->follows_call(disp8));
    EXPECT_FALSE(image->follows_call(sib)) << "SIB base 5 with mod 0 needs a disp32";
    EXPECT_TRUE(image->follows_call(sib_disp32));
    EXPECT_TRUE(image->follows_call(rip));
    EXPECT_TRUE(image->follows_call(disp32));
    EXPECT_FALSE(image->follows_call(jump));
    EXPECT_FALSE(image->follows_call(ret));
    EXPECT_FALSE(image->follows_call(text));
}

TEST(Truncation, GenuineStackIsKeptWhole) {
    Symbolizer symbolizer;
    std::uint64_t leaf = self_file_offset(reinterpret_cast<const void*>(&capture_return));
    std::uint64_t caller = self_file_offset(capture_return());
    SymbolizedStack stack = symbolizer.symbolize(stack_of({self_frame(leaf), self_frame(caller)}), 1);
    ASSERT_EQ(stack.frames.size(), 2u);
    EXPECT_NE(stack.frames[0].module, "[truncated]");
    EXPECT_TRUE(symbolizer.truncations().empty());
}

TEST(Truncation, EachImpossibleFrameEndsTheStackWithItsReason) {
    Symbolizer symbolizer;
    std::uint64_t leaf = self_file_offset(reinterpret_cast<const void*>(&capture_return));
    std::uint64_t caller = self_file_offset(capture_return());
    static const char kData[] = "not code at all";
    auto image = ElfImage::open("/proc/self/exe");
    ASSERT_TRUE(image);
    struct Case {
        UserFrame garbage;
        std::string reason;
    };
    std::vector<Case> cases = {
        {raw_frame(0x3638782f6363672full), "outside mapping"},  // "/gcc/x86" read as an address
        {raw_frame(0x40), "outside mapping"},
        {self_frame(0xffffaa1c13620000ull), "past end of file"},
        {self_frame(image->file_size()), "past end of file"},
        {self_frame(self_file_offset(kData)), "not code"},
        // Code, but no call precedes it.
        {self_frame(self_file_offset(reinterpret_cast<const void*>(&vp_not_after_a_call))), "not after a call"},
    };
    for (const Case& test : cases) {
        // leaf, caller, garbage, then a frame that would be real: all cut
        // from the garbage on.
        SymbolizedStack stack = symbolizer.symbolize(
            stack_of({self_frame(leaf), self_frame(caller), test.garbage, self_frame(caller)}, 3), 1);
        ASSERT_EQ(stack.frames.size(), 3u) << test.reason;
        EXPECT_EQ(root_name(stack), "[truncated: " + test.reason + "]");
        EXPECT_EQ(stack.frames[0].module, "[truncated]");
        for (std::size_t i = 1; i < stack.frames.size(); ++i)
            EXPECT_EQ(stack.frames[i].name.find("[truncated"), std::string::npos);
    }
    EXPECT_EQ(symbolizer.truncations().at("outside mapping"), 6u);
    EXPECT_EQ(symbolizer.truncations().at("past end of file"), 6u);
    EXPECT_EQ(symbolizer.truncations().at("not code"), 3u);
    EXPECT_EQ(symbolizer.truncations().at("not after a call"), 3u);
    EXPECT_EQ(truncation_note("not after a call"), "note_stack_truncated_not_after_a_call");
}

TEST(Truncation, ImpossibleLeafLeavesOnlyTheTruncatedFrame) {
    Symbolizer symbolizer;
    SymbolizedStack stack = symbolizer.symbolize(stack_of({raw_frame(0xfffffffffffff000ull)}), 1);
    ASSERT_EQ(stack.frames.size(), 1u);
    EXPECT_EQ(root_name(stack), "[truncated: outside mapping]");
}

TEST(Truncation, AFramePointerLoopKeepsOneCopyOfTheRepeatedFrame) {
    Symbolizer symbolizer;
    std::vector<UserFrame> frames = {raw_frame(0x7f0000001000), raw_frame(0x7f0000002000)};
    while (frames.size() < kMaxUserFrames) frames.push_back(raw_frame(0x7f0000003000));
    SymbolizedStack stack = symbolizer.symbolize(stack_of(frames), 1);
    ASSERT_EQ(stack.frames.size(), 4u);
    EXPECT_EQ(root_name(stack), "[truncated: loop]");
    EXPECT_EQ(stack.frames[1].name, "[unknown]+0x7f0000003000");

    // Deep but not repeating: the root is missing, and says so.
    frames.clear();
    for (std::uint64_t i = 0; i < kMaxUserFrames; ++i) frames.push_back(raw_frame(0x7f0000001000 + i * 16));
    stack = symbolizer.symbolize(stack_of(frames), 1);
    EXPECT_EQ(stack.frames.size(), kMaxUserFrames + 1);
    EXPECT_EQ(root_name(stack), "[truncated: depth limit]");
}

TEST(Truncation, ReasonGivenByTheWalkIsKept) {
    Symbolizer symbolizer;
    RawStack raw = stack_of({raw_frame(0x7f0000001000)});
    raw.truncated = "stack copy ended";
    SymbolizedStack stack = symbolizer.symbolize(raw, 1);
    ASSERT_EQ(stack.frames.size(), 2u);
    EXPECT_EQ(root_name(stack), "[truncated: stack copy ended]");
    EXPECT_EQ(symbolizer.truncations().at("stack copy ended"), 1u);
}

TEST(GateStop, OffCpuTimeInTheGateEndsWithOneGateFrame) {
    SymbolizedStack stack;
    stack.kind = SampleKind::OffCpuSleeping;
    stack.frames = {{"main", "hook"},
                    {"execve", "libc.so.6"},
                    {"exit_to_user_mode_loop", "[kernel]"},
                    {"arch_do_signal_or_restart", "[kernel]"},
                    {"get_signal", "[kernel]"},
                    {"do_signal_stop", "[kernel]"},
                    {"schedule", "[kernel]"},
                    {"__schedule", "[kernel]"}};
    EXPECT_TRUE(mark_gate_stop(stack));
    ASSERT_EQ(stack.frames.size(), 6u);
    EXPECT_EQ(stack.frames.back().name, "[validprof gate]");
    EXPECT_EQ(stack.frames.back().module, "[validprof]");
    EXPECT_EQ(stack.frames[4].name, "get_signal");

    SymbolizedStack sleeping;
    sleeping.kind = SampleKind::OffCpuSleeping;
    sleeping.frames = {{"main", "hook"}, {"do_nanosleep", "[kernel]"}};
    EXPECT_FALSE(mark_gate_stop(sleeping));
    EXPECT_EQ(sleeping.frames.size(), 2u);
}

}  // namespace
}  // namespace validprof::stacks
