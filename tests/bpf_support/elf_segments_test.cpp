// ELF load segments (BCC's reader) against libelf's view of the same file,
// and the address/offset translation on hand-made segments.
#include <gtest/gtest.h>

#include "bcc/bcc_runtime.h"
#include "bpf_support/elf_segments.h"
#include "bpf_support/uprobe_multi.h"
#include "elf_symbol.h"

namespace validprof::bpf_support {
namespace {

TEST(ElfSegments, TranslatesOnlyInsideASegment) {
    // A segment whose addresses and offsets differ, as in Node.js's binary.
    std::vector<LoadSegment> segments = {{0x400000, 0x1000, 0x0}, {0x600000, 0x2000, 0x3000}};
    EXPECT_EQ(file_offset_of(segments, 0x400010), 0x10u);
    EXPECT_EQ(file_offset_of(segments, 0x601234), 0x4234u);
    EXPECT_FALSE(file_offset_of(segments, 0x602000).has_value());  // one past the end
    EXPECT_FALSE(file_offset_of(segments, 0x500000).has_value());
    EXPECT_EQ(virtual_address_of(segments, 0x4234), 0x601234u);
    EXPECT_FALSE(virtual_address_of(segments, 0x2000).has_value());
}

TEST(ElfSegments, PlaceTheTargetsFunctionsWhereLibelfSaysTheyAre) {
    if (!bcc::available()) GTEST_SKIP() << "libbcc cannot be loaded: " << bcc::message();
    const std::string path = VP_UPROBE_TARGET;
    std::vector<LoadSegment> segments = read_load_segments(path);
    ASSERT_FALSE(segments.empty());
    for (const char* name : {"vp_target_alpha", "vp_target_beta", "vp_target_gamma"}) {
        auto symbol = testing::find_elf_symbol(path, name);
        ASSERT_TRUE(symbol.has_value()) << name;
        EXPECT_EQ(file_offset_of(segments, symbol->address), symbol->file_offset) << name;
        EXPECT_EQ(virtual_address_of(segments, symbol->file_offset), symbol->address) << name;
    }
}

TEST(ElfSegments, AreEmptyForAFileThatIsNotElf) {
    if (!bcc::available()) GTEST_SKIP() << "libbcc cannot be loaded: " << bcc::message();
    EXPECT_TRUE(read_load_segments("/proc/self/status").empty());
    EXPECT_TRUE(read_load_segments("/nonexistent/validprof").empty());
}

TEST(UprobeMulti, RefusesUnpairedSitesBeforeAskingTheKernel) {
    UprobeMultiTarget target;
    target.path = VP_UPROBE_TARGET;
    EXPECT_FALSE(attach_uprobe_multi(target).ok());  // no sites
    target.offsets = {0x1000, 0x2000};
    target.cookies = {1};
    auto unpaired = attach_uprobe_multi(target);
    ASSERT_FALSE(unpaired.ok());
    EXPECT_NE(unpaired.error().message.find("paired"), std::string::npos) << unpaired.error().message;
    target.cookies = {1, 2};
    target.ref_ctr_offsets = {0};
    EXPECT_FALSE(attach_uprobe_multi(target).ok());
}

}  // namespace
}  // namespace validprof::bpf_support
