// Stacks merged into a call tree: one node per distinct path from the root,
// holding the inclusive value of everything below it. A flame graph is this
// tree drawn with widths proportional to values; a differential one carries
// a second value per node (the base profile's).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "flamegraph/flat_index.h"
#include "flamegraph/stack_set.h"

namespace validprof::flamegraph {

struct TreeNode {
    LabelId label = 0;          // meaningless for the root ("all")
    std::uint32_t parent = 0;   // the root is its own parent
    std::uint32_t depth = 0;    // root 0, outermost frames 1
    std::uint64_t value = 0;    // inclusive value (the diff's new profile)
    std::uint64_t base = 0;     // inclusive value in the diff's base profile; 0 otherwise
};

class FrameTree {
public:
    static constexpr std::uint32_t kRoot = 0;

    FrameTree();

    // Adds a stack's value (and base value) to every node on its path. Only
    // before finish().
    void add(std::span<const LabelId> root_first, std::uint64_t value, std::uint64_t base = 0);

    // Orders every node's children by the rank of their label (see
    // alphabetical_ranks); children() is valid only afterwards. Called once.
    void finish(const std::vector<std::uint32_t>& label_rank);

    const TreeNode& node(std::uint32_t index) const { return nodes_[index]; }
    std::span<const std::uint32_t> children(std::uint32_t index) const;
    std::size_t size() const { return nodes_.size(); }
    std::uint32_t max_depth() const { return max_depth_; }

private:
    std::uint32_t child(std::uint32_t parent, LabelId label);

    std::vector<TreeNode> nodes_;
    // (parent, label) → node: the tree is built once from tens of thousands
    // of stacks of depth 20-40, so this lookup is the inner loop.
    FlatIndex index_;
    std::vector<std::uint32_t> child_begin_;  // per node, into child_list_; size() + 1 entries
    std::vector<std::uint32_t> child_list_;
    std::uint32_t max_depth_ = 0;
};

}  // namespace validprof::flamegraph
