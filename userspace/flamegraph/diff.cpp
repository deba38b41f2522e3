#include "flamegraph/diff.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <unordered_map>

#include "flamegraph/folded.h"
#include "flamegraph/frame_tree.h"

namespace validprof::flamegraph {

namespace {

std::string label_key(const Label& label) {
    std::string key = label.text;
    key.push_back('\0');
    key.push_back(static_cast<char>('0' + static_cast<int>(label.kind)));
    key.push_back(static_cast<char>('0' + static_cast<int>(label.mark)));
    return key;
}

struct LabelsHash {
    std::size_t operator()(const std::vector<LabelId>& labels) const {
        std::uint64_t hash = 1469598103934665603ULL;
        for (LabelId id : labels) {
            hash ^= id;
            hash *= 1099511628211ULL;
        }
        return static_cast<std::size_t>(hash);
    }
};

}  // namespace

common::Result<DiffSet> collect_diff(const Profile& base, const Profile& target, const Selection& selection) {
    auto base_stacks = collect_stacks(base, selection, Scale::kTimePerInvocation);
    if (!base_stacks) return base_stacks.error();
    auto target_stacks = collect_stacks(target, selection, Scale::kTimePerInvocation);
    if (!target_stacks) return target_stacks.error();

    DiffSet diff;
    diff.view = selection.view;
    std::unordered_map<std::string, LabelId> shared;
    auto remap = [&](const StackSet& set, std::vector<WeightedStack>& into, std::uint64_t& total) {
        std::vector<LabelId> to_shared(set.labels.size());
        for (std::size_t i = 0; i < set.labels.size(); ++i) {
            auto [it, inserted] = shared.try_emplace(label_key(set.labels[i]), static_cast<LabelId>(diff.labels.size()));
            if (inserted) diff.labels.push_back(set.labels[i]);
            to_shared[i] = it->second;
        }
        for (const WeightedStack& stack : set.stacks) {
            WeightedStack copy;
            copy.value = stack.value;
            copy.labels.reserve(stack.labels.size());
            for (LabelId id : stack.labels) copy.labels.push_back(to_shared[id]);
            into.push_back(std::move(copy));
        }
        total = set.total;
    };
    remap(*base_stacks, diff.base, diff.base_total);
    remap(*target_stacks, diff.target, diff.target_total);
    return diff;
}

common::Result<void> write_diff_folded(std::ostream& out, const DiffSet& diff) {
    // Pair the two sides by label sequence.
    struct Pair {
        std::uint64_t base = 0;
        std::uint64_t target = 0;
    };
    std::unordered_map<std::vector<LabelId>, Pair, LabelsHash> pairs;
    for (const WeightedStack& stack : diff.base) pairs[stack.labels].base += stack.value;
    for (const WeightedStack& stack : diff.target) pairs[stack.labels].target += stack.value;

    std::vector<const std::pair<const std::vector<LabelId>, Pair>*> lines;
    lines.reserve(pairs.size());
    for (const auto& entry : pairs) lines.push_back(&entry);
    const std::vector<std::uint32_t> rank = alphabetical_ranks(diff.labels);
    std::sort(lines.begin(), lines.end(), [&](const auto* a, const auto* b) {
        return std::lexicographical_compare(a->first.begin(), a->first.end(), b->first.begin(), b->first.end(),
                                            [&](LabelId l, LabelId r) { return rank[l] < rank[r]; });
    });

    std::string buffer;
    for (const auto* line : lines) {
        append_folded_stack(buffer, diff.labels, line->first);
        buffer += ' ' + std::to_string(line->second.base) + ' ' + std::to_string(line->second.target) + '\n';
        if (buffer.size() > (1u << 16)) {
            out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            buffer.clear();
        }
    }
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out.flush();
    if (!out) return common::make_error("writing the differential folded stacks failed");
    return common::success();
}

common::Result<void> write_diff_svg(std::ostream& out, const DiffSet& diff, const SvgOptions& options) {
    std::vector<TreeStack> input;
    input.reserve(diff.target.size() + diff.base.size());
    for (const WeightedStack& stack : diff.target) input.push_back({stack.labels, stack.value, 0});
    for (const WeightedStack& stack : diff.base) input.push_back({stack.labels, 0, stack.value});
    const FrameTree tree(std::move(input), alphabetical_ranks(diff.labels));
    SvgGraph graph;
    graph.tree = &tree;
    graph.labels = &diff.labels;
    graph.unit = ValueUnit::kNanoseconds;
    graph.view = diff.view;
    graph.differential = true;
    graph.per_invocation = true;
    return render_svg(out, graph, options);
}

}  // namespace validprof::flamegraph
