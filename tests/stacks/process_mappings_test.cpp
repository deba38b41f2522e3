// Unprivileged: the table of what each process had mapped, fed with records
// in the order per-CPU rings deliver them (not time order).
#include <gtest/gtest.h>

#include "stacks/process_mappings.h"

namespace validprof::stacks {
namespace {

Mapping mapping(std::uint64_t start, std::uint64_t end, const std::string& path, std::uint64_t time_ns) {
    Mapping made;
    made.start = start;
    made.end = end;
    made.path = path;
    made.time_ns = time_ns;
    return made;
}

TEST(ProcessMappings, ExecReplacesTheImageForLaterSamplesOnly) {
    ProcessMappings table;
    table.add(10, mapping(0x1000, 0x2000, "/bin/sh", 100));
    table.exec(10, 200);
    table.add(10, mapping(0x1000, 0x3000, "/usr/bin/python3", 210));
    ASSERT_NE(table.find(10, 0x1800, 150), nullptr);
    EXPECT_EQ(table.find(10, 0x1800, 150)->path, "/bin/sh");
    EXPECT_EQ(table.find(10, 0x1800, 250)->path, "/usr/bin/python3");
    EXPECT_EQ(table.find(10, 0x2800, 150), nullptr) << "not mapped before the exec";
    EXPECT_EQ(table.find(10, 0x1800, 205), nullptr) << "between the exec and the new mapping";
    EXPECT_TRUE(table.in_replaced_image(10, 0x1800, 205));
}

TEST(ProcessMappings, ForkSeenAfterTheChildsExecKeepsBoth) {
    ProcessMappings table;
    table.add(1, mapping(0x1000, 0x2000, "/usr/bin/validprof", 0));
    // CPU 0's ring: the child's exec and new mapping; CPU 1's ring, applied
    // later: the fork that came first.
    table.exec(2, 300);
    table.add(2, mapping(0x5000, 0x6000, "/usr/bin/hook", 310));
    table.fork(1, 2, 250);
    ASSERT_NE(table.find(2, 0x1800, 260), nullptr) << "inherited, before the exec";
    EXPECT_EQ(table.find(2, 0x1800, 260)->path, "/usr/bin/validprof");
    ASSERT_NE(table.find(2, 0x5800, 400), nullptr) << "the exec's mapping survived the late fork";
    EXPECT_EQ(table.find(2, 0x1800, 400), nullptr);
}

TEST(ProcessMappings, LatestMappingByTimeWins) {
    ProcessMappings table;
    table.add(3, mapping(0x1000, 0x2000, "/new.so", 200));  // arrived first, made later
    table.add(3, mapping(0x1000, 0x2000, "/old.so", 100));
    EXPECT_EQ(table.find(3, 0x1800, 150)->path, "/old.so");
    EXPECT_EQ(table.find(3, 0x1800, 250)->path, "/new.so");
}

// The kernel's frame-pointer stacks are read at the end of the session,
// after exited processes were forgotten: their vDSO ranges stay, one per
// image, inherited by a fork.
TEST(ProcessMappings, VdsoRangesOutliveTheProcessAndFollowForks) {
    ProcessMappings table;
    table.add(5, mapping(0x7ffc0000, 0x7ffc2000, "[vdso]", 0));
    table.add(5, mapping(0x1000, 0x2000, "/bin/sh", 0));
    table.fork(5, 6, 100);
    table.exec(6, 200);
    table.add(6, mapping(0x7ffd0000, 0x7ffd2000, "[vdso]", 210));
    table.forget(5);
    table.forget(6);
    EXPECT_EQ(table.vdso_range(5, 0x7ffc1000), std::make_optional(std::pair<std::uint64_t, std::uint64_t>(0x7ffc0000, 0x7ffc2000)));
    EXPECT_EQ(table.vdso_range(5, 0x7ffd1000), std::nullopt) << "the child's image, not the parent's";
    EXPECT_TRUE(table.vdso_range(6, 0x7ffc1000)) << "inherited at the fork";
    EXPECT_TRUE(table.vdso_range(6, 0x7ffd1000)) << "after its exec";
    EXPECT_EQ(table.vdso_range(6, 0x1800), std::nullopt) << "not the vDSO";
    EXPECT_EQ(table.vdso_range(7, 0x7ffc1000), std::nullopt) << "an unknown process";
}

TEST(ProcessMappings, ProcMapsKeepsExecutableMappings) {
    ProcessMappings table;
    table.add_proc_maps(4,
                        "55d0c0000000-55d0c0001000 r--p 00000000 08:01 1234 /usr/bin/sh\n"
                        "55d0c0001000-55d0c0010000 r-xp 00001000 08:01 1234 /usr/bin/sh\n"
                        "7f0000000000-7f0000001000 r-xp 00000000 00:00 0 \n"
                        "7ffc00000000-7ffc00002000 r-xp 00000000 00:00 0 [vdso]\n");
    EXPECT_EQ(table.find(4, 0x55d0c0000800, 1), nullptr) << "not executable";
    ASSERT_NE(table.find(4, 0x55d0c0002000, 1), nullptr);
    EXPECT_EQ(table.find(4, 0x55d0c0002000, 1)->path, "/usr/bin/sh");
    EXPECT_EQ(table.find(4, 0x55d0c0002000, 1)->file_offset, 0x1000u);
    EXPECT_EQ(table.find(4, 0x7f0000000010, 1)->path, "//anon");
    EXPECT_EQ(table.find(4, 0x7ffc00000010, 1)->path, "[vdso]");
}

}  // namespace
}  // namespace validprof::stacks
