#include "flamegraph/stack_set.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string_view>
#include <unordered_map>

#include "flamegraph/flat_index.h"
#include "flamegraph/frame_label.h"

namespace validprof::flamegraph {

std::string_view unit_name(ValueUnit unit) {
    return unit == ValueUnit::kSamples ? "samples" : "ns";
}

namespace {

constexpr LabelId kNoLabel = std::numeric_limits<LabelId>::max();

// The samples' grouping key. Only the fields the selection needs are filled
// in (the rest stay 0), so samples that end up with the same labels share a key.
struct GroupKey {
    StackId stack = 0;
    std::uint32_t hook = 0;
    std::uint32_t process = 0;
    std::uint8_t kind = 0;
    bool operator==(const GroupKey&) const = default;
};

std::uint64_t hash_of(const GroupKey& key) {
    return mix64(mix64((static_cast<std::uint64_t>(key.stack) << 32) | key.hook) ^
                 ((static_cast<std::uint64_t>(key.process) << 8) | key.kind));
}

// Sums per key, in first-seen order.
class GroupSums {
public:
    explicit GroupSums(std::size_t expected) : index_(expected) {}

    std::uint64_t& operator[](const GroupKey& key) {
        bool inserted = false;
        const std::uint32_t id = index_.find_or_insert(
            hash_of(key), [&](std::uint32_t i) { return entries_[i].first == key; },
            static_cast<std::uint32_t>(entries_.size()), inserted);
        if (inserted) entries_.emplace_back(key, 0);
        return entries_[id].second;
    }
    const std::vector<std::pair<GroupKey, std::uint64_t>>& entries() const { return entries_; }

private:
    FlatIndex index_;
    std::vector<std::pair<GroupKey, std::uint64_t>> entries_;
};

// Small string → dense index map for hook and process names. The views
// point into the profile, which outlives the call.
class NameIndex {
public:
    std::uint32_t id(std::string_view name) {
        // Samples of one invocation and process tend to come together.
        if (!names_.empty() && name == names_[last_]) return last_;
        auto [it, inserted] = ids_.try_emplace(name, static_cast<std::uint32_t>(names_.size()));
        if (inserted) names_.push_back(name);
        last_ = it->second;
        return last_;
    }
    std::string_view name(std::uint32_t id) const { return names_[id]; }
    std::size_t size() const { return names_.size(); }

private:
    std::unordered_map<std::string_view, std::uint32_t> ids_;
    std::vector<std::string_view> names_;
    std::uint32_t last_ = 0;
};

class LabelTable {
public:
    explicit LabelTable(std::vector<Label>& labels) : labels_(labels) {}

    LabelId intern(std::string text, std::string_view module, LabelKind kind, LeafMark mark) {
        switch (mark) {
            case LeafMark::kNone: break;
            case LeafMark::kOnCpu: text += kOnCpuSuffix; break;
            case LeafMark::kOffCpu: text += kOffCpuSuffix; break;
        }
        std::string key = text;
        key.push_back('\0');
        key.push_back(static_cast<char>('0' + static_cast<int>(kind)));
        key.push_back(static_cast<char>('0' + static_cast<int>(mark)));
        auto [it, inserted] = ids_.try_emplace(std::move(key), static_cast<LabelId>(labels_.size()));
        if (inserted) labels_.push_back(Label{std::move(text), std::string(module), kind, mark});
        return it->second;
    }

private:
    std::vector<Label>& labels_;
    std::unordered_map<std::string, LabelId> ids_;
};

}  // namespace

common::Result<StackSet> collect_stacks(const Profile& profile, const Selection& selection, Scale scale) {
    if (auto valid = validate(profile); !valid) return valid.error();

    const bool want_cpu = selection.view != View::kOffCpu;
    const bool want_off = selection.view != View::kCpu;
    const bool cpu_as_time = scale != Scale::kNative || selection.view == View::kWall;
    const bool per_invocation = scale == Scale::kTimePerInvocation;
    const bool by_hook = selection.hook_frames || per_invocation;
    const bool by_process = selection.process_frames;
    const bool by_kind = selection.view == View::kWall;
    const bool grouped = by_hook || by_process;

    StackSet out;
    out.view = selection.view;
    out.unit = cpu_as_time || selection.view != View::kCpu ? ValueUnit::kNanoseconds : ValueUnit::kSamples;

    // Sum the selected samples. Without hook or process frames the key is
    // (stack, kind): a flat array beats hashing a million samples.
    NameIndex hooks;
    NameIndex processes;
    std::vector<std::uint64_t> flat;
    GroupSums groups(grouped ? profile.stacks.size() : 0);
    if (!grouped) flat.assign(profile.stacks.size() * 2, 0);

    for (const StackSample& sample : profile.samples) {
        const bool cpu = sample.kind == SampleKind::kCpu;
        if (cpu ? !want_cpu : !want_off) continue;
        if (selection.hook && sample.hook != *selection.hook) continue;
        if (selection.invocation && sample.invocation_id != *selection.invocation) continue;
        // A sample of no invocation (invocation_id 0: a process outside every
        // hook) has no per-invocation value: per-invocation graphs leave it out.
        if (per_invocation && sample.invocation_id == 0) continue;
        std::uint64_t value = 0;
        if (cpu) {
            if (cpu_as_time && profile.sample_period_ns == 0 && sample.count > 0) {
                return common::make_error(
                    "the profile has on-CPU samples but no sample period, so they cannot be "
                    "turned into time: record with --freq, or export the cpu kind");
            }
            value = cpu_as_time ? sample.count * profile.sample_period_ns : sample.count;
        } else {
            value = sample.weight_ns;
        }
        if (value == 0) continue;
        const std::uint8_t kind_slot = by_kind && !cpu ? 1 : 0;
        if (!grouped) {
            flat[static_cast<std::size_t>(sample.stack) * 2 + kind_slot] += value;
        } else {
            GroupKey key;
            key.stack = sample.stack;
            key.hook = by_hook ? hooks.id(sample.hook) : 0;
            key.process = by_process ? processes.id(sample.process) : 0;
            key.kind = kind_slot;
            groups[key] += value;
        }
    }

    // One divisor per hook, checked before any output is built.
    std::vector<double> per_hook_invocations;
    if (per_invocation) {
        for (std::uint32_t h = 0; h < hooks.size(); ++h) {
            const std::string hook(hooks.name(h));
            auto it = profile.invocations_per_hook.find(hook);
            if (it == profile.invocations_per_hook.end() || it->second == 0) {
                return common::make_error("no invocation count for hook '" + hook +
                                          "' in profile '" + profile.name +
                                          "': cannot normalise its samples per invocation");
            }
            per_hook_invocations.push_back(static_cast<double>(it->second));
        }
    }

    LabelTable labels(out.labels);
    std::vector<LabelId> frame_labels[3];
    for (auto& cache : frame_labels) cache.assign(profile.frames.size(), kNoLabel);
    auto label_of_frame = [&](FrameId id, LeafMark mark) {
        LabelId& cached = frame_labels[static_cast<int>(mark)][id];
        if (cached == kNoLabel) {
            const Frame& frame = profile.frames[id];
            cached = labels.intern(frame_label(frame.name), frame.module,
                                   frame.kernel ? LabelKind::kKernel : LabelKind::kUser, mark);
        }
        return cached;
    };

    // Per-invocation values of different hooks land on the same labels when
    // there is no hook frame: merge them by the key without the hook.
    const bool merge_hooks = per_invocation && !selection.hook_frames;
    FlatIndex merged;
    std::vector<GroupKey> merged_keys;  // by output stack index

    auto emit = [&](const GroupKey& key, std::uint64_t raw) {
        std::uint64_t value = raw;
        if (per_invocation) {
            value = static_cast<std::uint64_t>(std::llround(static_cast<double>(raw) / per_hook_invocations[key.hook]));
            if (value == 0) return;
        }
        if (merge_hooks) {
            GroupKey without_hook = key;
            without_hook.hook = 0;
            bool inserted = false;
            const std::uint32_t index = merged.find_or_insert(
                hash_of(without_hook), [&](std::uint32_t i) { return merged_keys[i] == without_hook; },
                static_cast<std::uint32_t>(out.stacks.size()), inserted);
            if (!inserted) {
                out.stacks[index].value += value;
                out.total += value;
                return;
            }
            merged_keys.push_back(without_hook);
        }
        WeightedStack stack;
        const std::vector<FrameId>& frames = profile.stacks[key.stack];
        stack.labels.reserve(frames.size() + 2);
        if (selection.hook_frames) {
            stack.labels.push_back(labels.intern("[hook] " + frame_label(hooks.name(key.hook)), {},
                                                 LabelKind::kHook, LeafMark::kNone));
        }
        if (selection.process_frames) {
            stack.labels.push_back(labels.intern("[process] " + frame_label(processes.name(key.process)), {},
                                                 LabelKind::kProcess, LeafMark::kNone));
        }
        const LeafMark leaf_mark = !by_kind ? LeafMark::kNone
                                   : key.kind == 1 ? LeafMark::kOffCpu
                                                   : LeafMark::kOnCpu;
        for (std::size_t i = 0; i < frames.size(); ++i) {
            stack.labels.push_back(label_of_frame(frames[i], i + 1 == frames.size() ? leaf_mark : LeafMark::kNone));
        }
        if (frames.empty()) {
            stack.labels.push_back(labels.intern("[missing stack]", {}, LabelKind::kMissing, leaf_mark));
        }
        stack.value = value;
        out.total += value;
        out.stacks.push_back(std::move(stack));
    };

    if (!grouped) {
        for (std::size_t slot = 0; slot < flat.size(); ++slot) {
            if (flat[slot] == 0) continue;
            GroupKey key;
            key.stack = static_cast<StackId>(slot / 2);
            key.kind = static_cast<std::uint8_t>(slot % 2);
            emit(key, flat[slot]);
        }
    } else {
        for (const auto& [key, raw] : groups.entries()) emit(key, raw);
    }
    return out;
}

std::vector<std::uint32_t> alphabetical_ranks(const std::vector<Label>& labels) {
    std::vector<std::uint32_t> order(labels.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        const Label& x = labels[a];
        const Label& y = labels[b];
        if (x.text != y.text) return x.text < y.text;
        if (x.kind != y.kind) return x.kind < y.kind;
        return x.mark < y.mark;
    });
    std::vector<std::uint32_t> ranks(labels.size());
    for (std::uint32_t r = 0; r < order.size(); ++r) ranks[order[r]] = r;
    return ranks;
}

}  // namespace validprof::flamegraph
