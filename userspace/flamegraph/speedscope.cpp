#include "flamegraph/speedscope.h"

#include <set>
#include <vector>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "flamegraph/folded.h"
#include "flamegraph/stack_set.h"

namespace validprof::flamegraph {

namespace {

constexpr std::string_view kSchema = "https://www.speedscope.app/file-format-schema.json";

}  // namespace

common::Result<void> write_speedscope(std::ostream& out, const Profile& profile, const Selection& selection) {
    if (auto valid = validate(profile); !valid) return valid.error();

    // One profile per hook, the hooks' own first (by name) and the samples
    // of no invocation (the recorded wrapper script, say) last: speedscope
    // opens the first profile, which should be a hook.
    std::set<std::string> hooks, outside;
    if (selection.hook) {
        hooks.insert(*selection.hook);
    } else {
        for (const StackSample& sample : profile.samples)
            (sample.invocation_id != 0 ? hooks : outside).insert(sample.hook);
    }
    std::vector<std::string> ordered(hooks.begin(), hooks.end());
    for (const std::string& hook : outside)
        if (!hooks.count(hook)) ordered.push_back(hook);
    const bool as_time = selection.view != View::kCpu || profile.sample_period_ns > 0;
    const Scale scale = as_time ? Scale::kTime : Scale::kNative;

    nlohmann::json frames = nlohmann::json::array();
    nlohmann::json profiles = nlohmann::json::array();
    std::unordered_map<std::string, std::size_t> frame_index;  // label identity → shared frame

    for (const std::string& hook : ordered) {
        Selection one = selection;
        one.hook = hook;
        auto stacks = collect_stacks(profile, one, scale);
        if (!stacks) return stacks.error();
        if (stacks->stacks.empty()) continue;

        std::vector<std::size_t> shared(stacks->labels.size());
        for (std::size_t i = 0; i < stacks->labels.size(); ++i) {
            const Label& label = stacks->labels[i];
            std::string key = label.text;
            key.push_back('\0');
            key.push_back(static_cast<char>('0' + static_cast<int>(label.kind)));
            key.push_back(static_cast<char>('0' + static_cast<int>(label.mark)));
            auto [it, inserted] = frame_index.try_emplace(std::move(key), frames.size());
            if (inserted) {
                nlohmann::json frame = {{"name", label.text}};
                if (!label.module.empty()) frame["file"] = label.module;
                frames.push_back(std::move(frame));
            }
            shared[i] = it->second;
        }

        nlohmann::json samples = nlohmann::json::array();
        nlohmann::json weights = nlohmann::json::array();
        for (std::size_t index : folded_order(*stacks)) {
            const WeightedStack& stack = stacks->stacks[index];
            nlohmann::json ids = nlohmann::json::array();
            for (LabelId label : stack.labels) ids.push_back(shared[label]);
            samples.push_back(std::move(ids));
            weights.push_back(stack.value);
        }
        profiles.push_back({
            {"type", "sampled"},
            {"name", hook + " (" + std::string(view_name(selection.view)) + ")"},
            {"unit", stacks->unit == ValueUnit::kNanoseconds ? "nanoseconds" : "none"},
            {"startValue", 0},
            {"endValue", stacks->total},
            {"samples", std::move(samples)},
            {"weights", std::move(weights)},
        });
    }
    if (profiles.empty()) {
        // speedscope refuses a file without profiles; an empty one opens and
        // says plainly that nothing was selected.
        profiles.push_back({{"type", "sampled"},
                            {"name", "no samples (" + std::string(view_name(selection.view)) + ")"},
                            {"unit", as_time ? "nanoseconds" : "none"},
                            {"startValue", 0},
                            {"endValue", 0},
                            {"samples", nlohmann::json::array()},
                            {"weights", nlohmann::json::array()}});
    }

    nlohmann::json file = {
        {"$schema", kSchema},
        {"version", "0.0.1"},
        {"exporter", "validprof"},
        {"name", (profile.name.empty() ? std::string("validprof") : profile.name) + " " +
                     std::string(view_name(selection.view))},
        {"activeProfileIndex", 0},
        {"shared", {{"frames", std::move(frames)}}},
        {"profiles", std::move(profiles)},
    };
    // Names are valid UTF-8 after frame_label; hook, module and profile names
    // may not be, and `replace` turns such bytes into U+FFFD instead of throwing.
    out << file.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out.flush();
    if (!out) return common::make_error("writing the speedscope file failed");
    return common::success();
}

}  // namespace validprof::flamegraph
