#include "flamegraph/folded.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace validprof::flamegraph {

std::vector<std::size_t> folded_order(const StackSet& stacks) {
    const std::vector<std::uint32_t> rank = alphabetical_ranks(stacks.labels);
    std::vector<std::size_t> order(stacks.stacks.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& x = stacks.stacks[a].labels;
        const auto& y = stacks.stacks[b].labels;
        return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end(),
                                            [&](LabelId l, LabelId r) { return rank[l] < rank[r]; });
    });
    return order;
}

void append_folded_stack(std::string& out, const std::vector<Label>& labels, std::span<const LabelId> stack) {
    for (std::size_t i = 0; i < stack.size(); ++i) {
        if (i > 0) out.push_back(';');
        out += labels[stack[i]].text;
    }
}

common::Result<void> write_folded(std::ostream& out, const StackSet& stacks) {
    std::string buffer;
    buffer.reserve(1 << 16);
    const std::vector<std::size_t> order = folded_order(stacks);
    for (std::size_t i = 0; i < order.size();) {
        // Distinct frames with one label (a function seen at two return
        // addresses) leave equal stacks, adjacent once sorted: one line each.
        const WeightedStack& stack = stacks.stacks[order[i]];
        std::uint64_t value = 0;
        for (; i < order.size() && stacks.stacks[order[i]].labels == stack.labels; ++i)
            value += stacks.stacks[order[i]].value;
        append_folded_stack(buffer, stacks.labels, stack.labels);
        buffer.push_back(' ');
        buffer += std::to_string(value);
        buffer.push_back('\n');
        if (buffer.size() > (1 << 16) - 4096) {
            out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            buffer.clear();
        }
    }
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out.flush();
    if (!out) return common::make_error("writing the folded stacks failed");
    return common::success();
}

common::Result<void> write_folded(std::ostream& out, const Profile& profile, const Selection& selection) {
    auto stacks = collect_stacks(profile, selection, Scale::kNative);
    if (!stacks) return stacks.error();
    return write_folded(out, *stacks);
}

}  // namespace validprof::flamegraph
