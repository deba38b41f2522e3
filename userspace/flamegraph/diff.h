// Differential flame graphs: where did time per invocation grow or shrink
// between a base profile and a new one ("what did validation add to
// post-edit"). Both profiles are scaled to nanoseconds per invocation of the
// sample's hook (Profile::invocations_per_hook) before they are compared, so
// a session that ran a hook 40 times compares fairly with one that ran it 10
// times, and cpu samples taken at different --freq compare as time.
//
// Frames match by label (name, kind, wall mark), never by module, so frames
// of JIT maps named after a pid still match across sessions.
//
// folded: one line per stack in either profile, "stack BASE NEW" in ns per
//   invocation, the two-column form of FlameGraph's difffolded.pl, which
//   flamegraph.pl draws as a differential graph.
// svg: the new profile's graph (widths: NEW) coloured by the relative change
//   of each frame's inclusive time (palette.h): red grew, blue shrank. A
//   frame that vanished has no width in the new profile; swap the profiles
//   to see it.
#pragma once

#include <ostream>
#include <vector>

#include "common/result.h"
#include "flamegraph/profile.h"
#include "flamegraph/selection.h"
#include "flamegraph/stack_set.h"
#include "flamegraph/svg.h"

namespace validprof::flamegraph {

struct DiffSet {
    std::vector<Label> labels;          // shared by both sides
    std::vector<WeightedStack> base;    // ns per invocation
    std::vector<WeightedStack> target;  // ns per invocation
    std::uint64_t base_total = 0;
    std::uint64_t target_total = 0;
    View view = View::kCpu;
};

common::Result<DiffSet> collect_diff(const Profile& base, const Profile& target, const Selection& selection);

common::Result<void> write_diff_folded(std::ostream& out, const DiffSet& diff);
common::Result<void> write_diff_svg(std::ostream& out, const DiffSet& diff, const SvgOptions& options = {});

}  // namespace validprof::flamegraph
