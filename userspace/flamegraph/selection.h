// What a flame graph shows: which kind of time (the view) of which samples.
// Shared by every exporter so `--kind`, `--hook` and `--invocation` mean the
// same thing in folded, SVG, speedscope and pprof output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace validprof::flamegraph {

enum class View {
    kCpu,     // on-CPU samples; folded and SVG count samples
    kOffCpu,  // off-CPU time, nanoseconds
    kWall,    // both in nanoseconds: cpu samples × sample period, plus off-CPU time
};

// "cpu", "offcpu" (also "off-cpu"), "wall"; anything else is an error naming the choices.
common::Result<View> parse_view(std::string_view text);
std::string_view view_name(View view);  // "cpu", "offcpu", "wall"

struct Selection {
    View view = View::kCpu;
    std::optional<std::string> hook;          // only samples of this hook
    std::optional<std::int64_t> invocation;   // only samples of this invocation id
    // Root frames that split the graph by hook ("[hook] pre-commit") and by
    // process name ("[process] git"). A hook runs several programs (sh, git,
    // python, node), whose stacks would otherwise merge at "_start;main" into
    // one misleading tower, so the process frame is on by default, as the
    // process name leads every stack in BCC's `profile -f` output. The hook
    // frame helps when a graph covers several hooks.
    bool hook_frames = false;
    bool process_frames = true;
};

}  // namespace validprof::flamegraph
