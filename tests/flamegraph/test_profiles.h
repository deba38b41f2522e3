// Profiles the exporter tests share, and the expected totals computed
// straight from their sample lists (the source of truth every parsed-back
// output is checked against).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flamegraph/profile.h"
#include "flamegraph/selection.h"

namespace validprof::flamegraph::testing {

constexpr std::uint64_t kPeriodNs = 10'000'000;  // 100 Hz

inline std::vector<Frame> concat(std::vector<Frame> a, const std::vector<Frame>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

inline StackSample cpu(std::uint64_t count, std::string hook, std::int64_t invocation, std::int32_t pid,
                       std::string process) {
    StackSample s;
    s.kind = SampleKind::kCpu;
    s.count = count;
    s.hook = std::move(hook);
    s.invocation_id = invocation;
    s.pid = pid;
    s.process = std::move(process);
    return s;
}

inline StackSample off_cpu(std::uint64_t weight_ns, std::uint64_t count, OffCpuState state, std::string hook,
                           std::int64_t invocation, std::int32_t pid, std::string process) {
    StackSample s = cpu(count, std::move(hook), invocation, pid, std::move(process));
    s.kind = SampleKind::kOffCpu;
    s.state = state;
    s.weight_ns = weight_ns;
    return s;
}

// Two hooks, three invocations, three programs (git, node with a JIT map,
// sh), user and kernel frames, sleeping and blocked waits, and one sample
// whose stack could not be read.
inline Profile small_profile() {
    ProfileBuilder b(kPeriodNs);
    b.profile().name = "session 7";
    const std::vector<Frame> git = {{"_start", "/usr/bin/git", false},
                                    {"main", "/usr/bin/git", false},
                                    {"cmd_commit", "/usr/bin/git", false},
                                    {"run_hook", "/usr/bin/git", false}};
    const std::vector<Frame> node = {{"_start", "/usr/bin/node", false},
                                     {"main", "/usr/bin/node", false},
                                     {"lint", "/tmp/perf-300.map", false}};
    const Frame schedule{"schedule", "[kernel]", true};

    b.add(concat(git, {{"compress", "/usr/bin/git", false}}), cpu(30, "pre-commit", 1, 100, "git"));
    b.add(concat(git, {{"hash_object", "/usr/bin/git", false}}), cpu(10, "pre-commit", 1, 100, "git"));
    b.add(concat(git, {{"compress", "/usr/bin/git", false}}), cpu(6, "pre-commit", 2, 200, "git"));
    b.add(node, cpu(20, "pre-commit", 2, 300, "node"));
    b.add({{"_start", "/usr/bin/git", false}, {"checkout", "/usr/bin/git", false}},
          cpu(4, "post-checkout", 3, 400, "git"));
    b.add({}, cpu(1, "post-checkout", 3, 400, "git"));
    b.add(concat(git, {{"read", "/usr/lib/libc.so.6", false}, {"ksys_read", "[kernel]", true}, schedule}),
          off_cpu(50'000'000, 2, OffCpuState::kBlocked, "pre-commit", 1, 100, "git"));
    b.add(concat(node, {{"epoll_wait", "/usr/lib/libc.so.6", false}, schedule}),
          off_cpu(20'000'000, 5, OffCpuState::kSleeping, "pre-commit", 2, 300, "node"));
    b.add({{"_start", "/usr/bin/sh", false}, {"waitpid", "/usr/lib/libc.so.6", false}, schedule},
          off_cpu(7'500, 1, OffCpuState::kSleeping, "post-checkout", 3, 401, "sh"));
    b.set_invocations("pre-commit", 2);
    b.set_invocations("post-checkout", 1);
    return b.take();
}

// Frame names nobody should trust, and what every text format must show
// for them after cleaning (frame_label): XML/JSON escaping must then bring
// back exactly these strings.
inline std::vector<std::pair<std::string, std::string>> hostile_names() {
    using namespace std::string_literals;
    return {
        {"<script>alert(\"x\")</script>", "<script>alert(\"x\")</script>"},
        {"a & b && c", "a & b && c"},
        {"\"double\" and 'single'", "\"double\" and 'single'"},
        {"]]>", "]]>"},
        {"x]]>y<![CDATA[z", "x]]>y<![CDATA[z"},
        {"</title></g><script>alert(1)</script>", "</title></g><script>alert(1)</script>"},
        {"&amp;&#60;", "&amp:&#60:"},  // a literal entity; ";" is the folded separator
        {"semi;colon", "semi:colon"},
        {"new\nline", "new?line"},
        {"nul\0byte"s, "nul?byte"},
        {"bad\xff" "byte", "bad\xEF\xBF\xBD" "byte"},
        {"nonchar\xEF\xBF\xBF", "nonchar\xEF\xBF\xBD"},
        {"operator<<(std::ostream&, int)", "operator<<(std::ostream&, int)"},
        {"tail 12", "tail 12"},  // looks like a folded count: the real count follows it
    };
}

// Each hostile name as the leaf of its own stack with count index + 1; the
// hook and process names are hostile too.
inline Profile hostile_profile() {
    ProfileBuilder b(kPeriodNs);
    b.profile().name = "<b>session</b> & \"friends\"";
    const auto names = hostile_names();
    for (std::size_t i = 0; i < names.size(); ++i) {
        b.add({{"main", "/usr/bin/<evil>&\"", false}, {names[i].first, "/tmp/perf-1.map", false}},
              cpu(i + 1, "<hook>&\"", 1, 10, "</script>"));
        b.add({{"main", "/usr/bin/<evil>&\"", false}, {names[i].first, "/tmp/perf-1.map", false}},
              off_cpu(1000 * (i + 1), 1, OffCpuState::kSleeping, "<hook>&\"", 1, 10, "</script>"));
    }
    b.set_invocations("<hook>&\"", 1);
    return b.take();
}

// A selection without the default "[process] NAME" root frame, for tests
// about the frames themselves.
inline Selection frames_only(View view = View::kCpu) {
    Selection selection;
    selection.view = view;
    selection.process_frames = false;
    return selection;
}

inline bool selected(const StackSample& s, View view, const std::optional<std::string>& hook) {
    if (hook && s.hook != *hook) return false;
    if (view == View::kCpu) return s.kind == SampleKind::kCpu;
    if (view == View::kOffCpu) return s.kind == SampleKind::kOffCpu;
    return true;
}

// cpu samples count as samples unless cpu_in_ns (or the wall view).
inline std::uint64_t expected_total(const Profile& p, View view, const std::optional<std::string>& hook = {},
                                    bool cpu_in_ns = false) {
    std::uint64_t total = 0;
    for (const StackSample& s : p.samples) {
        if (!selected(s, view, hook)) continue;
        if (s.kind == SampleKind::kCpu) {
            total += (cpu_in_ns || view == View::kWall) ? s.count * p.sample_period_ns : s.count;
        } else {
            total += s.weight_ns;
        }
    }
    return total;
}

}  // namespace validprof::flamegraph::testing
