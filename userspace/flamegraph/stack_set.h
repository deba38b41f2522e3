// The common middle of the folded, SVG, speedscope and diff exporters: the
// selected samples summed per distinct stack, each frame turned into a
// display label. A million samples typically collapse to a few ten thousand
// stacks here, so everything downstream (sorting, tree building, layout) is
// sized by the shape of the program, not by how long it was sampled.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "flamegraph/profile.h"
#include "flamegraph/selection.h"

namespace validprof::flamegraph {

enum class ValueUnit {
    kSamples,      // cpu samples
    kNanoseconds,  // time
};

std::string_view unit_name(ValueUnit unit);  // "samples", "ns"

enum class LabelKind : std::uint8_t {
    kUser,
    kKernel,
    kHook,     // "[hook] NAME" root frame (Selection::hook_frames)
    kProcess,  // "[process] COMM" root frame (Selection::process_frames)
    kMissing,  // "[missing stack]": a sample whose stack could not be read
};

// In the wall view the leaf of every stack says which kind of time it is,
// with a suffix on its name: "read_[o]" off-CPU, "compute_[c]" on-CPU.
// Only the leaf is marked, so callers above it still merge and show their
// total wall time; the leaf tells where that time was spent running and
// where waiting. The suffix follows FlameGraph's "_[k]"/"_[j]" annotations.
enum class LeafMark : std::uint8_t { kNone, kOnCpu, kOffCpu };

inline constexpr std::string_view kOnCpuSuffix = "_[c]";
inline constexpr std::string_view kOffCpuSuffix = "_[o]";

struct Label {
    std::string text;    // frame_label(name) plus the leaf suffix: what folded prints
    std::string module;  // module of the first frame that produced this label
    LabelKind kind = LabelKind::kUser;
    LeafMark mark = LeafMark::kNone;
};

using LabelId = std::uint32_t;

struct WeightedStack {
    std::vector<LabelId> labels;  // root first
    std::uint64_t value = 0;      // > 0, in StackSet::unit
};

// Labels are identified by text, kind and mark, not by module: a JIT map is
// named after its pid (/tmp/perf-PID.map), and the same JavaScript function
// in two node processes must be one frame in the graph and in a diff.
struct StackSet {
    std::vector<Label> labels;
    // No particular order. Two entries can carry the same label sequence when
    // distinct frames clean up to the same text; every consumer sums them.
    std::vector<WeightedStack> stacks;
    ValueUnit unit = ValueUnit::kSamples;
    View view = View::kCpu;
    std::uint64_t total = 0;  // sum of stacks[].value
};

enum class Scale {
    kNative,             // cpu view: samples; offcpu and wall: nanoseconds
    kTime,               // every view in nanoseconds (cpu: count × period)
    kTimePerInvocation,  // nanoseconds per invocation of the sample's hook
};

// Selects the samples (view, hook, invocation), scales them and sums them per
// stack. Errors: an invalid profile; a time scale with cpu samples but no
// sample period; kTimePerInvocation for a hook without an invocation count.
// Per-invocation values are rounded to the nearest nanosecond per stack and hook.
common::Result<StackSet> collect_stacks(const Profile& profile, const Selection& selection,
                                        Scale scale = Scale::kNative);

// Position of each label when the labels are sorted by text (then kind,
// mark): FlameGraph orders siblings and folded lines alphabetically, which
// makes two graphs of the same program line up.
std::vector<std::uint32_t> alphabetical_ranks(const std::vector<Label>& labels);

}  // namespace validprof::flamegraph
