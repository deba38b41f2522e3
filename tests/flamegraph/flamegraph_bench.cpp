// flamegraph_bench: times the SVG and pprof export of a large synthetic
// profile (one million samples by default). Not a test: timings vary with
// the machine; docs/flamegraphs.md records the figures and the command.
//
//   flamegraph_bench [--samples N] [--stacks N] [--frames N] [--invocation-labels] [--out DIR]
//
// --out DIR also writes the outputs (bench.svg, bench.pb.gz, ...) for a look
// with a browser, xmllint or `go tool pprof`.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "flamegraph/folded.h"
#include "flamegraph/pprof.h"
#include "flamegraph/speedscope.h"
#include "flamegraph/svg.h"
#include "synthetic_profile.h"

using namespace validprof::flamegraph;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

struct Timing {
    double wall = 1e9;  // best of the runs, seconds
    double cpu = 1e9;   // CPU time of that thread, best of the runs: less noisy on a busy machine
};

// Best of `runs`, so a page-cache or scheduler hiccup does not count.
Timing time_best(int runs, const std::function<std::string()>& work, std::string& output) {
    Timing best;
    for (int i = 0; i < runs; ++i) {
        const auto start = std::chrono::steady_clock::now();
        const double cpu_start = thread_cpu_seconds();
        output = work();
        best.cpu = std::min(best.cpu, thread_cpu_seconds() - cpu_start);
        best.wall = std::min(best.wall, seconds_since(start));
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    testing::SyntheticOptions options;
    PprofOptions pprof;
    std::string out_dir;
    int runs = 3;
    for (int i = 1; i < argc; ++i) {
        auto next = [&] {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", argv[i]);
                std::exit(2);
            }
            return argv[++i];
        };
        if (!std::strcmp(argv[i], "--samples")) options.samples = std::strtoull(next(), nullptr, 10);
        else if (!std::strcmp(argv[i], "--stacks")) options.stacks = std::strtoull(next(), nullptr, 10);
        else if (!std::strcmp(argv[i], "--frames")) options.frames = std::strtoull(next(), nullptr, 10);
        else if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(next());
        else if (!std::strcmp(argv[i], "--invocation-labels")) pprof.invocation_labels = true;
        else if (!std::strcmp(argv[i], "--out")) out_dir = next();
        else {
            std::fprintf(stderr,
                         "usage: %s [--samples N] [--stacks N] [--frames N] [--runs N] [--invocation-labels] [--out DIR]\n"
                         "example: %s --samples 1000000 --out /tmp/fg\n",
                         argv[0], argv[0]);
            return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }

    auto start = std::chrono::steady_clock::now();
    const Profile profile = testing::make_synthetic_profile(options);
    std::printf("profile: %zu samples, %zu distinct stacks, %zu distinct frames (generated in %.2f s)\n",
                profile.samples.size(), profile.stacks.size(), profile.frames.size(), seconds_since(start));

    std::string output;
    bool failed = false;
    auto report = [&](const char* what, const char* file, const std::function<std::string()>& work) {
        const Timing best = time_best(runs, work, output);
        std::printf("%-28s %7.3f s wall %7.3f s cpu %10zu bytes\n", what, best.wall, best.cpu, output.size());
        if (!out_dir.empty()) std::ofstream(out_dir + "/" + file, std::ios::binary) << output;
    };
    auto via_stream = [&](const std::function<validprof::common::Result<void>(std::ostream&)>& write) {
        return [&, write] {
            std::ostringstream out;
            auto result = write(out);
            if (!result) {
                std::fprintf(stderr, "export failed: %s\n", result.error().message.c_str());
                failed = true;
            }
            return std::move(out).str();
        };
    };

    Selection cpu;
    Selection wall;
    wall.view = View::kWall;
    report("svg (cpu)", "bench-cpu.svg", via_stream([&](std::ostream& o) { return write_svg(o, profile, cpu); }));
    report("svg (wall)", "bench-wall.svg", via_stream([&](std::ostream& o) { return write_svg(o, profile, wall); }));
    report("pprof (cpu)", "bench-cpu.pb.gz",
           via_stream([&](std::ostream& o) { return write_pprof(o, profile, cpu, pprof); }));
    report("pprof (wall)", "bench-wall.pb.gz",
           via_stream([&](std::ostream& o) { return write_pprof(o, profile, wall, pprof); }));
    report("  of which encoding (wall)", "bench-wall.pb", [&] {
        auto encoded = encode_pprof(profile, wall, pprof);
        if (!encoded) failed = true;
        return encoded ? std::move(encoded).value() : std::string();
    });
    // With source lines on every frame (as add_source_lines leaves them for
    // objects with DWARF), a quarter of them with an inlined function too:
    // what lines add to the encoding, the lookup itself aside
    // (bench_symbolize measures that).
    Profile with_lines = profile;
    for (std::size_t i = 0; i < with_lines.frames.size(); ++i) {
        Frame& frame = with_lines.frames[i];
        const std::string file = "/build/src/module" + std::to_string(i % 300) + "/file" + std::to_string(i % 97) + ".cc";
        if (i % 4 == 0)
            frame.lines.push_back({"inlined_helper_" + std::to_string(i % 50), "/build/src/include/helpers.h",
                                   static_cast<std::int64_t>(10 + i % 50), static_cast<std::int64_t>(12 + i % 50)});
        frame.lines.push_back({"", file, static_cast<std::int64_t>(100 + i % 900), static_cast<std::int64_t>(120 + i % 900)});
    }
    report("pprof (wall), source lines", "bench-wall-lines.pb.gz",
           via_stream([&](std::ostream& o) { return write_pprof(o, with_lines, wall, pprof); }));
    report("folded (wall)", "bench-wall.folded",
           via_stream([&](std::ostream& o) { return write_folded(o, profile, wall); }));
    report("speedscope (wall)", "bench-wall.speedscope.json",
           via_stream([&](std::ostream& o) { return write_speedscope(o, profile, wall); }));
    return failed ? 1 : 0;
}
