#include "flamegraph/palette.h"

#include <algorithm>
#include <cmath>

namespace validprof::flamegraph {

namespace {

// Two independent shades in [0, 1) from the name, stable across runs.
struct Shade {
    double a;
    double b;
};

Shade shade_of(std::string_view text) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    hash ^= hash >> 29;
    return Shade{static_cast<double>(hash & 0xFFFF) / 65536.0,
                 static_cast<double>((hash >> 16) & 0xFFFF) / 65536.0};
}

std::uint8_t channel(double base, double range, double shade) {
    return static_cast<std::uint8_t>(std::clamp(base + range * shade, 0.0, 255.0));
}

Rgb hot(Shade s) { return {channel(205, 50, s.a), channel(0, 200, s.b), channel(0, 55, s.a)}; }
Rgb orange(Shade s) { return {channel(215, 40, s.a), channel(110, 50, s.b), channel(0, 30, s.b)}; }
Rgb blue(Shade s) { return {channel(40, 60, s.a), channel(110, 90, s.b), channel(200, 55, s.a)}; }
Rgb grey(Shade s) { return {channel(170, 30, s.a), channel(170, 30, s.a), channel(170, 30, s.a)}; }
Rgb lavender(Shade s) { return {channel(170, 30, s.a), channel(160, 30, s.b), channel(225, 30, s.a)}; }

// Unnamed frames, and the "[truncated: REASON]" frame that ends a stack
// the unwinder could not follow further: grey, like flamegraph.pl's unknowns.
bool unresolved(std::string_view text) {
    return text.find("+0x") != std::string_view::npos || text.rfind("[truncated", 0) == 0;
}

}  // namespace

Rgb frame_color(const Label& label, View view) {
    const Shade shade = shade_of(label.text);
    switch (label.kind) {
        case LabelKind::kHook:
        case LabelKind::kProcess: return lavender(shade);
        case LabelKind::kMissing: return grey(shade);
        case LabelKind::kUser:
        case LabelKind::kKernel: break;
    }
    if (label.mark == LeafMark::kOffCpu) return blue(shade);
    if (label.mark == LeafMark::kOnCpu) return hot(shade);
    if (view == View::kOffCpu) return blue(shade);
    if (unresolved(label.text)) return grey(shade);
    return label.kind == LabelKind::kKernel ? orange(shade) : hot(shade);
}

double relative_change(std::uint64_t base, std::uint64_t value) {
    const std::uint64_t larger = std::max(base, value);
    if (larger == 0) return 0.0;
    return (static_cast<double>(value) - static_cast<double>(base)) / static_cast<double>(larger);
}

Rgb diff_color(std::uint64_t base, std::uint64_t value) {
    const double change = relative_change(base, value);
    const double strength = std::abs(change);
    // Neutral grey 220 fades to pure red (growth) or pure blue (shrinkage).
    const auto fade = static_cast<std::uint8_t>(std::lround(220.0 * (1.0 - strength)));
    const auto strong = static_cast<std::uint8_t>(std::lround(220.0 + 35.0 * strength));
    if (change > 0) return {strong, fade, fade};
    if (change < 0) return {fade, fade, strong};
    return {220, 220, 220};
}

std::string css_color(Rgb color) {
    return "rgb(" + std::to_string(color.r) + "," + std::to_string(color.g) + "," + std::to_string(color.b) + ")";
}

}  // namespace validprof::flamegraph
