// A self-contained interactive SVG flame graph: layout computed here, a
// small constant script (svg_script.h) for zoom, search and details. No
// external script, style sheet or font, so it opens from a CI artifact or a
// mail attachment with no network.
//
// Document shape, which the tests and other tools may rely on:
//   <svg data-total="N" data-unit="samples|ns" data-view="cpu|offcpu|wall" ...>
//     <g id="frames"> one <g> per drawn node:
//       <title>NAME\nVALUE, PERCENT of all …</title><rect …/><text …>NAME…</text>
// The first <g> is the root, "all", whose value is the graph's total.
// Frames narrower than SvgOptions::min_width_px at full width are left out
// together with everything above them (a million samples make hundreds of
// thousands of slivers nobody can see or click); their time still counts in
// their parent's width.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "flamegraph/frame_tree.h"
#include "flamegraph/profile.h"
#include "flamegraph/selection.h"
#include "flamegraph/stack_set.h"

namespace validprof::flamegraph {

struct SvgOptions {
    std::string title;          // empty: derived from the view
    std::string subtitle;       // empty: derived from the totals
    unsigned width = 1200;      // px
    unsigned frame_height = 16; // px
    unsigned font_size = 12;    // px
    double min_width_px = 0.1;  // cut-off for drawing a frame
};

common::Result<void> write_svg(std::ostream& out, const StackSet& stacks, const SvgOptions& options = {});
common::Result<void> write_svg(std::ostream& out, const Profile& profile, const Selection& selection,
                               const SvgOptions& options = {});

// What the renderer draws: a finished tree and its labels. Used by write_svg
// and by the differential graph (diff.h), which sets `differential` and
// fills TreeNode::base.
struct SvgGraph {
    const FrameTree* tree = nullptr;
    const std::vector<Label>* labels = nullptr;
    ValueUnit unit = ValueUnit::kSamples;
    View view = View::kCpu;
    bool differential = false;
    bool per_invocation = false;  // values are per invocation (diff): say so in tooltips
};

common::Result<void> render_svg(std::ostream& out, const SvgGraph& graph, const SvgOptions& options);

// "1234 samples"; "12345678 ns (12.3 ms)".
std::string format_value(std::uint64_t value, ValueUnit unit);

}  // namespace validprof::flamegraph
