#include "flamegraph/frame_tree.h"

#include <algorithm>

namespace validprof::flamegraph {

FrameTree::FrameTree() { nodes_.push_back(TreeNode{}); }

std::uint32_t FrameTree::child(std::uint32_t parent, LabelId label) {
    const std::uint64_t hash = mix64((static_cast<std::uint64_t>(parent) << 32) | label);
    bool inserted = false;
    const auto index = index_.find_or_insert(
        hash, [&](std::uint32_t id) { return nodes_[id].parent == parent && nodes_[id].label == label; },
        static_cast<std::uint32_t>(nodes_.size()), inserted);
    if (inserted) {
        TreeNode node;
        node.label = label;
        node.parent = parent;
        node.depth = nodes_[parent].depth + 1;
        max_depth_ = std::max(max_depth_, node.depth);
        nodes_.push_back(node);
    }
    return index;
}

void FrameTree::add(std::span<const LabelId> root_first, std::uint64_t value, std::uint64_t base) {
    std::uint32_t at = kRoot;
    nodes_[at].value += value;
    nodes_[at].base += base;
    for (LabelId label : root_first) {
        at = child(at, label);
        nodes_[at].value += value;
        nodes_[at].base += base;
    }
}

void FrameTree::finish(const std::vector<std::uint32_t>& label_rank) {
    // Counting sort of nodes by parent, then each sibling range by label rank.
    child_begin_.assign(nodes_.size() + 1, 0);
    for (std::uint32_t i = 1; i < nodes_.size(); ++i) ++child_begin_[nodes_[i].parent + 1];
    for (std::size_t i = 1; i < child_begin_.size(); ++i) child_begin_[i] += child_begin_[i - 1];
    child_list_.assign(nodes_.size() > 0 ? nodes_.size() - 1 : 0, 0);
    std::vector<std::uint32_t> fill(child_begin_.begin(), child_begin_.end() - 1);
    for (std::uint32_t i = 1; i < nodes_.size(); ++i) child_list_[fill[nodes_[i].parent]++] = i;
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        auto first = child_list_.begin() + child_begin_[n];
        auto last = child_list_.begin() + child_begin_[n + 1];
        if (last - first > 1) {
            std::sort(first, last, [&](std::uint32_t a, std::uint32_t b) {
                return label_rank[nodes_[a].label] < label_rank[nodes_[b].label];
            });
        }
    }
    // The index is only needed while adding.
    index_ = FlatIndex();
}

std::span<const std::uint32_t> FrameTree::children(std::uint32_t index) const {
    return std::span<const std::uint32_t>(child_list_.data() + child_begin_[index],
                                          child_begin_[index + 1] - child_begin_[index]);
}

}  // namespace validprof::flamegraph
