#include "flamegraph/frame_tree.h"

#include <algorithm>

namespace validprof::flamegraph {

FrameTree::FrameTree(std::vector<TreeStack> stacks, const std::vector<std::uint32_t>& label_rank) {
    // Sorted by label rank, stacks that share a prefix are adjacent, and a
    // stack that leaves the previous one's path at depth k always needs new
    // nodes from k on: any earlier stack through that child would have
    // sorted next to this one. So the tree grows by walking each stack from
    // where it diverges, with no lookup of existing children at all; with
    // one lookup per frame (hashing parent and label), building from
    // 100,000 stacks of depth 30 took half of the whole SVG export.
    auto less = [&](LabelId a, LabelId b) { return label_rank[a] < label_rank[b]; };
    std::sort(stacks.begin(), stacks.end(), [&](const TreeStack& a, const TreeStack& b) {
        return std::lexicographical_compare(a.labels.begin(), a.labels.end(), b.labels.begin(), b.labels.end(), less);
    });

    nodes_.push_back(TreeNode{});
    std::vector<std::uint32_t> path;  // node at each depth of the previous stack, depth 1 first
    std::span<const LabelId> previous;
    for (const TreeStack& stack : stacks) {
        std::size_t common = 0;
        const std::size_t limit = std::min(previous.size(), stack.labels.size());
        while (common < limit && previous[common] == stack.labels[common]) ++common;
        path.resize(common);
        for (std::size_t d = common; d < stack.labels.size(); ++d) {
            TreeNode node;
            node.label = stack.labels[d];
            node.parent = d == 0 ? kRoot : path[d - 1];
            node.depth = static_cast<std::uint32_t>(d + 1);
            path.push_back(static_cast<std::uint32_t>(nodes_.size()));
            nodes_.push_back(node);
        }
        max_depth_ = std::max(max_depth_, static_cast<std::uint32_t>(stack.labels.size()));
        nodes_[kRoot].value += stack.value;
        nodes_[kRoot].base += stack.base;
        for (std::uint32_t index : path) {
            nodes_[index].value += stack.value;
            nodes_[index].base += stack.base;
        }
        previous = stack.labels;
    }

    // Children lists. Nodes were created in sorted order, so each parent's
    // children already appear in label order.
    child_begin_.assign(nodes_.size() + 1, 0);
    for (std::uint32_t i = 1; i < nodes_.size(); ++i) ++child_begin_[nodes_[i].parent + 1];
    for (std::size_t i = 1; i < child_begin_.size(); ++i) child_begin_[i] += child_begin_[i - 1];
    child_list_.assign(nodes_.size() - 1, 0);
    std::vector<std::uint32_t> fill(child_begin_.begin(), child_begin_.end() - 1);
    for (std::uint32_t i = 1; i < nodes_.size(); ++i) child_list_[fill[nodes_[i].parent]++] = i;
}

std::span<const std::uint32_t> FrameTree::children(std::uint32_t index) const {
    return std::span<const std::uint32_t>(child_list_.data() + child_begin_[index],
                                          child_begin_[index + 1] - child_begin_[index]);
}

}  // namespace validprof::flamegraph
