// Unprivileged: /proc/PID/maps lines matched by the kernel's file identity.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "tracer/proc_maps.h"

namespace validprof::tracer {
namespace {

TEST(ProcMaps, MatchesDeviceAndInode) {
    std::string line = "7f2a1c000000-7f2a1c028000 r-xp 00028000 fe:01 1835043                    /usr/lib/x86_64-linux-gnu/libsqlite3.so.0.8.6";
    std::uint32_t device = (0xfe << 20) | 0x01;
    EXPECT_EQ(match_maps_line(line, device, 1835043).value_or(""), "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0.8.6");
    EXPECT_FALSE(match_maps_line(line, device, 1835044).has_value());
    EXPECT_FALSE(match_maps_line(line, device + 1, 1835043).has_value());
    EXPECT_EQ(match_maps_line("00400000-00401000 r-xp 00000000 08:02 77 /tmp/a b (deleted)", (8 << 20) | 2, 77)
                  .value_or(""),
              "/tmp/a b");
    EXPECT_FALSE(match_maps_line("7ffd-7ffe rw-p 00000000 00:00 0 [stack]", 0, 1).has_value());
}

TEST(ProcMaps, FindsThisProcesssOwnExecutable) {
    struct stat info {};
    ASSERT_EQ(stat("/proc/self/exe", &info), 0);
    std::uint32_t device = (major(info.st_dev) << 20) | minor(info.st_dev);
    auto path = mapped_file_path(getpid(), device, info.st_ino);
    ASSERT_TRUE(path.has_value());
    struct stat found {};
    ASSERT_EQ(stat(path->c_str(), &found), 0);
    EXPECT_EQ(found.st_ino, info.st_ino);
}

}  // namespace
}  // namespace validprof::tracer
