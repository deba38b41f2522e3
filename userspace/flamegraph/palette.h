// Frame colours. As in FlameGraph, colour carries no value, only kind: warm
// for code running on the CPU, blue for time spent off it, so the eye finds
// the waiting in a wall-clock graph; the shade comes from a hash of the name,
// so one function has the same colour in every graph and siblings differ.
// Differential graphs use colour for the change instead: red grew, blue shrank.
#pragma once

#include <cstdint>
#include <string>

#include "flamegraph/selection.h"
#include "flamegraph/stack_set.h"

namespace validprof::flamegraph {

struct Rgb {
    std::uint8_t r = 0;
    std::uint8_t g = 0;
    std::uint8_t b = 0;
};

// User frames: red→yellow ("hot"); kernel frames: orange; unresolved
// "module+0x..." frames: grey; "[hook]"/"[process]" root frames: lavender.
// In the offcpu view every code frame is blue; in the wall view the marked
// leaves are red (on-CPU) or blue (off-CPU) and their callers warm.
Rgb frame_color(const Label& label, View view);

// Relative change of a frame's inclusive value from base to value:
// (value - base) / max(value, base), in [-1, 1]. Colour saturation follows
// it: a frame that appeared is full red, one that halved is half blue,
// an unchanged one neutral grey. Relative rather than absolute change so a
// small frame that doubled is as visible as a large one that did.
double relative_change(std::uint64_t base, std::uint64_t value);
Rgb diff_color(std::uint64_t base, std::uint64_t value);

// "rgb(12,34,56)"
std::string css_color(Rgb color);

}  // namespace validprof::flamegraph
