// /proc/PID/maps lines: match_maps_line, which finds the path of a mapped
// file by the kernel's identity of it (device, inode).
//
// Input: one line. It is matched against a fixed identity and against the
// identity its own fields claim (read here with sscanf, independently of
// the code under test), so the path-extraction branch is reached.
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_input.h"
#include "tracer/proc_maps.h"

using validprof::fuzz::require;
using validprof::tracer::match_maps_line;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string line(validprof::fuzz::as_text(data, size));
    match_maps_line(line, (8u << 20) | 1u, 1234567);

    unsigned major = 0, minor = 0;
    std::uint64_t inode = 0;
    if (std::sscanf(line.c_str(), "%*s %*s %*s %x:%x %" SCNu64, &major, &minor, &inode) == 3) {
        if (auto path = match_maps_line(line, (major << 20) | minor, inode))
            require(!path->empty() && path->front() != ' ', "a matched path is not empty and trimmed");
    }
    return 0;
}
