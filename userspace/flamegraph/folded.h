// Folded stacks, the text format of Brendan Gregg's FlameGraph
// (flamegraph.pl) and of inferno: one line per distinct stack, frames root
// first joined by ';', a space, then the value:
//
//   git;main;cmd_commit;run_hook_ve;start_command 12
//
// Values: the cpu view counts samples (as perf-based collapsers do); the
// offcpu and wall views are integer nanoseconds, so no short wait rounds to
// zero (pass --countname=ns to flamegraph.pl). Lines are sorted
// alphabetically by frame, as stackcollapse output is. Frame names are
// cleaned by frame_label: no ';' or newline can split a line or a stack.
#pragma once

#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "flamegraph/profile.h"
#include "flamegraph/selection.h"
#include "flamegraph/stack_set.h"

namespace validprof::flamegraph {

common::Result<void> write_folded(std::ostream& out, const StackSet& stacks);
common::Result<void> write_folded(std::ostream& out, const Profile& profile, const Selection& selection);

// The order write_folded prints stacks in: by label text, frame by frame
// from the root. Indices into stacks.stacks.
std::vector<std::size_t> folded_order(const StackSet& stacks);

// Appends "a;b;c" for a stack.
void append_folded_stack(std::string& out, const std::vector<Label>& labels, std::span<const LabelId> stack);

}  // namespace validprof::flamegraph
