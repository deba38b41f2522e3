// A hook whose children fork grandchildren: vp_fork_tree CHILDREN
// GRANDCHILDREN BURN_MS. Every process reports its pid, so a test can check
// that all of them landed in the invocation, and every parent reports the
// final scheduler figures of the children it reaps.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "workload_truth.h"

using namespace validprof::workloads;

int main(int argc, char** argv) {
    int children = argc > 1 ? std::atoi(argv[1]) : 3;
    int grandchildren = argc > 2 ? std::atoi(argv[2]) : 2;
    double burn_ms = argc > 3 ? std::atof(argv[3]) : 2;
    for (int child = 0; child < children; ++child) {
        if (fork() != 0) continue;
        for (int grandchild = 0; grandchild < grandchildren; ++grandchild) {
            if (fork() != 0) continue;
            burn_cpu_ms(burn_ms);
            write_truth("role=grandchild");
            _exit(0);
        }
        burn_cpu_ms(burn_ms);
        reap_all_with_truth();
        write_truth("role=child");
        _exit(0);
    }
    reap_all_with_truth();
    write_truth("role=root");
    return 0;
}
