#include "report/exit_status.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

namespace validprof::report {
namespace {

// The kernel's own wait status for a child that ends as `child` does, so the
// decoding is checked against real statuses, not against constants copied
// from the code under test.
template <typename Child>
int real_wait_status(Child child) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        child();
        ::_exit(127);
    }
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return status;
}

TEST(DescribeExitStatus, CleanExit) {
    const int status = real_wait_status([] { ::_exit(0); });
    EXPECT_EQ(describe_exit_status(status), "0");
    EXPECT_FALSE(is_failure(status));
}

TEST(DescribeExitStatus, NonZeroExit) {
    const int status = real_wait_status([] { ::_exit(3); });
    EXPECT_EQ(describe_exit_status(status), "exit 3");
    EXPECT_TRUE(is_failure(status));
}

TEST(DescribeExitStatus, KilledBySignal) {
    const int status = real_wait_status([] {
        ::signal(SIGTERM, SIG_DFL);
        ::raise(SIGTERM);
    });
    EXPECT_EQ(describe_exit_status(status), "signal 15 (TERM)");
    EXPECT_TRUE(is_failure(status));
}

TEST(DescribeExitStatus, CoreDumpFlag) {
    // Signal 11 with the core-dump bit (0x80), as wait(2) reports it.
    EXPECT_EQ(describe_exit_status(11 | 0x80), "signal 11 (SEGV), core dumped");
    EXPECT_EQ(describe_exit_status(9), "signal 9 (KILL)");
}

}  // namespace
}  // namespace validprof::report
