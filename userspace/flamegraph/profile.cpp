#include "flamegraph/profile.h"

#include <string>

namespace validprof::flamegraph {

common::Result<void> validate(const Profile& profile) {
    const std::size_t frames = profile.frames.size();
    for (std::size_t s = 0; s < profile.stacks.size(); ++s) {
        for (FrameId id : profile.stacks[s]) {
            if (id >= frames) {
                return common::make_error("profile stack " + std::to_string(s) + " refers to frame " +
                                          std::to_string(id) + " of " + std::to_string(frames));
            }
        }
    }
    const std::size_t stacks = profile.stacks.size();
    for (std::size_t i = 0; i < profile.samples.size(); ++i) {
        if (profile.samples[i].stack >= stacks) {
            return common::make_error("profile sample " + std::to_string(i) + " refers to stack " +
                                      std::to_string(profile.samples[i].stack) + " of " +
                                      std::to_string(stacks));
        }
    }
    return common::success();
}

void add_source_lines(Profile& profile, const SourceLookup& lookup) {
    std::vector<std::uint8_t> calls(profile.frames.size(), 0);
    for (const std::vector<FrameId>& stack : profile.stacks)
        for (std::size_t i = 0; i + 1 < stack.size(); ++i)
            if (stack[i] < calls.size()) calls[stack[i]] = 1;
    for (std::size_t id = 0; id < profile.frames.size(); ++id) {
        Frame& frame = profile.frames[id];
        if (frame.kernel || frame.build_id.empty() || frame.address == 0) continue;
        frame.lines = lookup(frame, calls[id] != 0);
    }
}

ProfileBuilder::ProfileBuilder(std::uint64_t sample_period_ns) {
    profile_.sample_period_ns = sample_period_ns;
}

std::size_t ProfileBuilder::StackHash::operator()(const std::vector<FrameId>& stack) const {
    // FNV-1a over the ids: stacks differ mostly near the leaf, so every id counts.
    std::uint64_t hash = 1469598103934665603ULL;
    for (FrameId id : stack) {
        hash ^= id;
        hash *= 1099511628211ULL;
    }
    return static_cast<std::size_t>(hash);
}

FrameId ProfileBuilder::frame(std::string_view name, std::string_view module, bool kernel, std::uint64_t address,
                              std::string_view build_id) {
    std::string key;
    key.reserve(name.size() + module.size() + build_id.size() + 12);
    key.append(name).push_back('\0');
    key.append(module).push_back(kernel ? 'k' : 'u');
    key.append(build_id).push_back('\0');
    key.append(reinterpret_cast<const char*>(&address), sizeof(address));
    auto [it, inserted] = frame_ids_.try_emplace(std::move(key), static_cast<FrameId>(profile_.frames.size()));
    if (inserted)
        profile_.frames.push_back(Frame{std::string(name), std::string(module), kernel, address, std::string(build_id)});
    return it->second;
}

StackId ProfileBuilder::stack(std::span<const FrameId> root_first) {
    std::vector<FrameId> ids(root_first.begin(), root_first.end());
    auto [it, inserted] = stack_ids_.try_emplace(ids, static_cast<StackId>(profile_.stacks.size()));
    if (inserted) profile_.stacks.push_back(std::move(ids));
    return it->second;
}

StackId ProfileBuilder::stack(const std::vector<Frame>& root_first) {
    std::vector<FrameId> ids;
    ids.reserve(root_first.size());
    for (const Frame& f : root_first) ids.push_back(frame(f.name, f.module, f.kernel, f.address, f.build_id));
    return stack(ids);
}

void ProfileBuilder::add(StackSample sample) { profile_.samples.push_back(std::move(sample)); }

void ProfileBuilder::add(const std::vector<Frame>& root_first, StackSample sample) {
    sample.stack = stack(root_first);
    add(std::move(sample));
}

void ProfileBuilder::set_invocations(const std::string& hook, std::uint64_t count) {
    profile_.invocations_per_hook[hook] = count;
}

}  // namespace validprof::flamegraph
