// The program tests/bpf_support places uprobes in. Waits for a line on
// stdin (the test attaches meanwhile), then calls each of its three
// functions as often as its arguments say and passes its USDT probe
// `vptest:tick` as often as the last one says, and prints what it did:
//   vp_uprobe_target ALPHA BETA GAMMA TICKS
//   -> alpha=ALPHA beta=BETA gamma=GAMMA ticks=TICKS tick_enabled=N
// where N counts the ticks during which the probe's semaphore was on (a
// tracer attached with the semaphore's offset turns it on).
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

// noipa: no constant-propagated clone that main() would call instead of
// the symbol the probes are placed on.
#if defined(__clang__)
#define VP_PROBED __attribute__((noinline, used))
#else
#define VP_PROBED __attribute__((noinline, noipa, used))
#endif

extern "C" {

// What `dtrace -G` generates for a probe with a semaphore; the kernel
// counts it up in this process while a probe with its offset is attached.
__extension__ volatile unsigned short vptest_tick_semaphore __attribute__((unused, section(".probes")));

VP_PROBED int vp_target_alpha(int value) {
    asm volatile("" ::: "memory");
    return value + 1;
}

VP_PROBED int vp_target_beta(int value) {
    asm volatile("" ::: "memory");
    return value * 2;
}

VP_PROBED int vp_target_gamma(int value) {
    asm volatile("" ::: "memory");
    return value - 3;
}

}  // extern "C"

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: vp_uprobe_target ALPHA BETA GAMMA TICKS\n");
        return 2;
    }
    long counts[4];
    for (int i = 0; i < 4; ++i) counts[i] = std::strtol(argv[i + 1], nullptr, 10);
    std::string go;
    std::getline(std::cin, go);

    int sink = 0;
    for (long i = 0; i < counts[0]; ++i) sink += vp_target_alpha(static_cast<int>(i));
    for (long i = 0; i < counts[1]; ++i) sink += vp_target_beta(static_cast<int>(i));
    for (long i = 0; i < counts[2]; ++i) sink += vp_target_gamma(static_cast<int>(i));
    long enabled = 0;
    for (long i = 0; i < counts[3]; ++i) {
        if (vptest_tick_semaphore) {
            ++enabled;
            DTRACE_PROBE1(vptest, tick, i);
        }
    }
    std::printf("alpha=%ld beta=%ld gamma=%ld ticks=%ld tick_enabled=%ld sink=%d\n", counts[0], counts[1], counts[2],
                counts[3], enabled, sink);
    return 0;
}
