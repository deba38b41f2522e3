// speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json):
// frames shared by all profiles, then one "sampled" profile per hook, each a
// list of stacks (indices into the shared frames, root first) with weights.
// Stacks are merged before writing, so a profile lists each distinct stack
// once with its summed weight; speedscope's left-heavy and sandwich views
// are unaffected, and its time-order view shows them in folded order.
//
// Units: "nanoseconds" for every view when the profile has a sample period
// (cpu samples × period), so speedscope prints milliseconds; a cpu profile
// without a period falls back to "none" with sample counts. A frame's "file"
// is its module.
#pragma once

#include <ostream>
#include <string>

#include "common/result.h"
#include "flamegraph/profile.h"
#include "flamegraph/selection.h"

namespace validprof::flamegraph {

common::Result<void> write_speedscope(std::ostream& out, const Profile& profile, const Selection& selection);

}  // namespace validprof::flamegraph
