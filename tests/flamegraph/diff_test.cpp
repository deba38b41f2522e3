// Differential graphs: values per invocation in both profiles, folded as
// "stack base new", SVG frames coloured red where time grew and blue where
// it shrank.
#include "flamegraph/diff.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "flamegraph/exporter.h"
#include "test_profiles.h"
#include "xml_checker.h"

namespace validprof::flamegraph {
namespace {

using testing::cpu;

// base: post-edit ran twice; per invocation validate 100 ms, format 200 ms.
// new:  post-edit ran four times; validate 400 ms (grew), format 100 ms
//       (shrank), lint 20 ms (new). Sampled at 1 kHz instead of 100 Hz, so
//       only a comparison in time, not in samples, is right.
Profile base_profile() {
    ProfileBuilder b(10'000'000);
    b.profile().name = "session 1";
    b.add({{"main", "/usr/bin/hook", false}, {"validate", "/usr/bin/hook", false}}, cpu(20, "post-edit", 1, 10, "hook"));
    b.add({{"main", "/usr/bin/hook", false}, {"format", "/usr/bin/hook", false}}, cpu(40, "post-edit", 2, 11, "hook"));
    b.set_invocations("post-edit", 2);
    return b.take();
}

Profile new_profile() {
    ProfileBuilder b(1'000'000);
    b.profile().name = "session 2";
    b.add({{"main", "/usr/bin/hook", false}, {"validate", "/usr/bin/hook", false}}, cpu(1600, "post-edit", 5, 20, "hook"));
    b.add({{"main", "/usr/bin/hook", false}, {"format", "/usr/bin/hook", false}}, cpu(400, "post-edit", 6, 21, "hook"));
    b.add({{"main", "/usr/bin/hook", false}, {"lint", "/usr/bin/hook", false}}, cpu(80, "post-edit", 7, 22, "hook"));
    b.set_invocations("post-edit", 4);
    return b.take();
}

struct Rgb {
    int r, g, b;
};

Rgb parse_rgb(const std::string& css) {
    Rgb c{};
    EXPECT_EQ(std::sscanf(css.c_str(), "rgb(%d,%d,%d)", &c.r, &c.g, &c.b), 3) << css;
    return c;
}

TEST(Diff, FoldedPairsPerInvocationNanoseconds) {
    auto diff = collect_diff(base_profile(), new_profile(), testing::frames_only());
    ASSERT_TRUE(diff.ok()) << diff.error().message;
    std::ostringstream out;
    ASSERT_TRUE(write_diff_folded(out, *diff).ok());
    EXPECT_EQ(out.str(),
              "main;format 200000000 100000000\n"
              "main;lint 0 20000000\n"
              "main;validate 100000000 400000000\n");
    EXPECT_EQ(diff->base_total, 300'000'000u);
    EXPECT_EQ(diff->target_total, 520'000'000u);
}

TEST(Diff, SvgColoursGrowthRedAndShrinkageBlue) {
    std::ostringstream out;
    ExportOptions options;
    ASSERT_TRUE(export_diff(out, base_profile(), new_profile(), Format::kSvg, options).ok());
    auto root = testing::XmlReader::parse(out.str());
    EXPECT_EQ(root->attributes.at("data-total"), "520000000");
    EXPECT_EQ(root->attributes.at("data-base-total"), "300000000");

    std::map<std::string, Rgb> fill;
    std::map<std::string, std::string> title;
    for (const auto& g : root->find("g", "frames")->children) {
        const std::string text = g->child("title")->text;
        const std::string name = text.substr(0, text.find('\n'));
        fill[name] = parse_rgb(g->child("rect")->attributes.at("fill"));
        title[name] = text;
    }
    // validate: 100 → 400 ms, grew by 75% of the larger: clearly red.
    EXPECT_GT(fill.at("validate").r, fill.at("validate").b + 100);
    // format: 200 → 100 ms, shrank by half: blue.
    EXPECT_GT(fill.at("format").b, fill.at("format").r + 50);
    // lint is new: full red.
    EXPECT_EQ(fill.at("lint").r, 255);
    EXPECT_EQ(fill.at("lint").g, 0);
    // main grew less, relatively, than validate.
    EXPECT_GT(fill.at("main").r, fill.at("main").b);
    EXPECT_LT(fill.at("main").r - fill.at("main").b, fill.at("validate").r - fill.at("validate").b);
    EXPECT_NE(title.at("validate").find("new 400000000 ns (400 ms), base 100000000 ns (100 ms), per invocation"),
              std::string::npos)
        << title.at("validate");
    EXPECT_NE(title.at("format").find("change -100000000 ns (100 ms) (-50.0% of the larger)"), std::string::npos)
        << title.at("format");
}

TEST(Diff, UnchangedFramesAreNeutral) {
    std::ostringstream out;
    auto diff = collect_diff(base_profile(), base_profile(), Selection{});
    ASSERT_TRUE(diff.ok());
    ASSERT_TRUE(write_diff_svg(out, *diff).ok());
    auto root = testing::XmlReader::parse(out.str());
    for (const auto& g : root->find("g", "frames")->children) {
        const Rgb c = parse_rgb(g->child("rect")->attributes.at("fill"));
        EXPECT_EQ(c.r, c.b);
    }
}

TEST(Diff, OtherFormatsAndMissingCountsAreErrors) {
    std::ostringstream out;
    ExportOptions options;
    EXPECT_FALSE(export_diff(out, base_profile(), new_profile(), Format::kPprof, options).ok());
    EXPECT_FALSE(export_diff(out, base_profile(), new_profile(), Format::kSpeedscope, options).ok());
    Profile no_counts = base_profile();
    no_counts.invocations_per_hook.clear();
    EXPECT_FALSE(export_diff(out, no_counts, new_profile(), Format::kFolded, options).ok());
}

// A session also samples processes outside every hook (the recorded
// wrapper script, say): they have no invocation to divide by, and a diff
// without --hook leaves them out instead of failing.
TEST(Diff, SamplesOutsideInvocationsAreLeftOut) {
    ProfileBuilder b(1'000'000);
    b.add({{"main", "/usr/bin/hook", false}, {"lint", "/usr/bin/hook", false}}, cpu(80, "post-edit", 7, 22, "hook"));
    b.add({{"main", "/bin/sh", false}}, cpu(500, "(outside invocations)", 0, 30, "sh"));
    b.set_invocations("post-edit", 4);
    Profile with_outside = b.take();
    auto diff = collect_diff(base_profile(), with_outside, testing::frames_only());
    ASSERT_TRUE(diff.ok()) << diff.error().message;
    std::ostringstream out;
    ASSERT_TRUE(write_diff_folded(out, *diff).ok());
    EXPECT_EQ(out.str().find("main 0"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("main;lint 0 20000000"), std::string::npos) << out.str();
}

TEST(Diff, HostileNamesInTheDiffSvg) {
    std::ostringstream out;
    ExportOptions options;
    options.selection.view = View::kWall;
    options.svg.min_width_px = 0;  // the off-CPU microseconds are slivers next to the cpu time
    ASSERT_TRUE(export_diff(out, testing::hostile_profile(), testing::hostile_profile(), Format::kSvg, options).ok());
    auto root = testing::XmlReader::parse(out.str());
    std::set<std::string> names;
    for (const auto& g : root->find("g", "frames")->children) {
        const std::string text = g->child("title")->text;
        names.insert(text.substr(0, text.find('\n')));
    }
    for (const auto& [raw, expected] : testing::hostile_names()) EXPECT_TRUE(names.count(expected + "_[o]")) << expected;
}

}  // namespace
}  // namespace validprof::flamegraph
