#include "synthetic_profile.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace validprof::flamegraph::testing {

namespace {

const char* const kNamespaces[] = {"git", "std", "boost::asio", "v8::internal", "node", "llvm", "absl", "python"};
const char* const kVerbs[] = {"read", "write", "parse", "hash", "compress", "lookup", "apply", "visit", "emit", "run"};
const char* const kNouns[] = {"Object", "Index", "Tree", "Buffer", "Config", "Token", "Node", "Stream", "Cache"};
const char* const kModules[] = {"/usr/bin/git", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/node",
                                "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/bin/python3.11", "/tmp/perf-4242.map"};

}  // namespace

Profile make_synthetic_profile(const SyntheticOptions& options) {
    std::mt19937_64 rng(options.seed);
    auto uniform = [&](std::size_t n) { return static_cast<std::size_t>(rng() % std::max<std::size_t>(n, 1)); };
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    // Popular frames are popular everywhere: index = n * u^2.
    auto skewed = [&](std::size_t n) {
        const double u = unit(rng);
        return std::min(n - 1, static_cast<std::size_t>(static_cast<double>(n) * u * u));
    };

    ProfileBuilder builder(10'101'010);  // 99 Hz
    Profile& profile = builder.profile();
    profile.name = "synthetic";

    std::vector<FrameId> frames;
    frames.reserve(options.frames);
    for (std::size_t i = 0; i < options.frames; ++i) {
        const bool kernel = i % 17 == 0;
        std::string name = kernel ? std::string("__x64_sys_") + kVerbs[i % 10] + "_" + std::to_string(i)
                                  : std::string(kNamespaces[i % 8]) + "::" + kNouns[(i / 8) % 9] + "::" +
                                        kVerbs[(i / 72) % 10] + "_" + std::to_string(i) + "(int, char const*)";
        frames.push_back(builder.frame(name, kernel ? "[kernel]" : kModules[i % 6], kernel));
    }

    // Stacks as paths of a call tree: each new stack keeps a prefix of an
    // existing one and grows its own tail, so they share their roots.
    std::vector<StackId> stacks;
    std::vector<FrameId> path;
    const std::size_t depth_range = options.max_depth - options.min_depth + 1;
    std::size_t attempts = 0;
    while (stacks.size() < options.stacks && attempts < options.stacks * 4) {
        ++attempts;
        const std::size_t depth = options.min_depth + uniform(depth_range);
        if (stacks.empty() || uniform(50) == 0) {
            path.assign({frames[0], frames[1], frames[2]});
        } else {
            const auto& from = profile.stacks[stacks[skewed(stacks.size())]];
            const std::size_t keep = std::min(from.size(), 3 + uniform(std::min(from.size(), depth)));
            path.assign(from.begin(), from.begin() + static_cast<std::ptrdiff_t>(keep));
        }
        while (path.size() < depth) path.push_back(frames[skewed(frames.size())]);
        path.resize(depth);
        const auto before = profile.stacks.size();
        const StackId id = builder.stack(path);
        if (profile.stacks.size() > before) stacks.push_back(id);
    }

    std::vector<std::string> hooks;
    for (std::size_t h = 0; h < options.hooks; ++h) hooks.push_back("hook-" + std::to_string(h));
    const char* const processes[] = {"git", "sh", "node", "python3"};
    profile.samples.reserve(options.samples);
    for (std::size_t i = 0; i < options.samples; ++i) {
        StackSample sample;
        sample.stack = stacks[skewed(stacks.size())];
        const std::size_t invocation = 1 + uniform(options.invocations);
        sample.invocation_id = static_cast<std::int64_t>(invocation);
        sample.hook = hooks[invocation % hooks.size()];
        // A stack belongs to one program (its frames come from one binary),
        // so the process follows the stack; hooks share programs and stacks.
        const std::size_t process = sample.stack % 4;
        sample.pid = static_cast<std::int32_t>(1000 + invocation * 4 + process);
        sample.process = processes[process];
        sample.count = 1;
        if (unit(rng) < options.off_cpu_share) {
            sample.kind = SampleKind::kOffCpu;
            sample.state = uniform(4) == 0 ? OffCpuState::kBlocked : OffCpuState::kSleeping;
            sample.weight_ns = 1'000 + static_cast<std::uint64_t>(std::exp(unit(rng) * std::log(10'000'000.0)));
        }
        profile.samples.push_back(std::move(sample));
    }
    for (std::size_t invocation = 1; invocation <= options.invocations; ++invocation) {
        profile.invocations_per_hook[hooks[invocation % hooks.size()]] += 1;
    }
    return builder.take();
}

}  // namespace validprof::flamegraph::testing
