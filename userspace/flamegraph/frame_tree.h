// Stacks merged into a call tree: one node per distinct path from the root,
// holding the inclusive value of everything below it. A flame graph is this
// tree drawn with widths proportional to values; a differential one carries
// a second value per node (the base profile's).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "flamegraph/stack_set.h"

namespace validprof::flamegraph {

struct TreeNode {
    LabelId label = 0;          // meaningless for the root ("all")
    std::uint32_t parent = 0;   // the root is its own parent
    std::uint32_t depth = 0;    // root 0, outermost frames 1
    std::uint64_t value = 0;    // inclusive value (the diff's new profile)
    std::uint64_t base = 0;     // inclusive value in the diff's base profile; 0 otherwise
};

struct TreeStack {
    std::span<const LabelId> labels;  // root first
    std::uint64_t value = 0;
    std::uint64_t base = 0;
};

class FrameTree {
public:
    static constexpr std::uint32_t kRoot = 0;

    // Builds the tree from stacks in any order; equal stacks add up.
    // Siblings are ordered by the rank of their label (alphabetical_ranks),
    // as FlameGraph orders them, so two graphs of one program line up.
    FrameTree(std::vector<TreeStack> stacks, const std::vector<std::uint32_t>& label_rank);

    const TreeNode& node(std::uint32_t index) const { return nodes_[index]; }
    std::span<const std::uint32_t> children(std::uint32_t index) const;
    std::size_t size() const { return nodes_.size(); }
    std::uint32_t max_depth() const { return max_depth_; }

private:
    std::vector<TreeNode> nodes_;
    std::vector<std::uint32_t> child_begin_;  // per node, into child_list_; size() + 1 entries
    std::vector<std::uint32_t> child_list_;
    std::uint32_t max_depth_ = 0;
};

}  // namespace validprof::flamegraph
