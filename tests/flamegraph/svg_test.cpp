// SVG flame graphs parsed back as XML: well-formed, totals in the data and
// titles, names escaped, nothing fetched from the network.
#include "flamegraph/svg.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "flamegraph/svg_script.h"
#include "test_profiles.h"
#include "xml_checker.h"

namespace validprof::flamegraph {
namespace {

using testing::XmlElement;
using testing::XmlReader;

std::string svg(const Profile& profile, const Selection& selection, const SvgOptions& options = {}) {
    std::ostringstream out;
    auto written = write_svg(out, profile, selection, options);
    EXPECT_TRUE(written.ok()) << written.error().message;
    return out.str();
}

struct DrawnFrame {
    std::string name;
    std::uint64_t value = 0;
    double x = 0;
    double y = 0;
    double width = 0;
    std::string fill;
};

// The frames as the script sees them: name = first line of the title, value
// = the integer that starts the second line.
std::vector<DrawnFrame> frames_of(const XmlElement& root) {
    std::vector<DrawnFrame> out;
    const XmlElement* frames = root.find("g", "frames");
    EXPECT_NE(frames, nullptr);
    if (!frames) return out;
    for (const auto& g : frames->children) {
        EXPECT_EQ(g->name, "g");
        const XmlElement* title = g->child("title");
        const XmlElement* rect = g->child("rect");
        EXPECT_TRUE(title && rect);
        if (!title || !rect) continue;
        DrawnFrame f;
        const auto newline = title->text.find('\n');
        EXPECT_NE(newline, std::string::npos);
        f.name = title->text.substr(0, newline);
        f.value = std::stoull(title->text.substr(newline + 1));
        f.x = std::stod(rect->attributes.at("x"));
        f.y = std::stod(rect->attributes.at("y"));
        f.width = std::stod(rect->attributes.at("width"));
        f.fill = rect->attributes.at("fill");
        out.push_back(f);
    }
    return out;
}

// xmllint (libxml2-utils) as an independent second opinion, when installed.
bool xmllint_accepts(const std::string& document, std::string& output) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("validprof-flamegraph-" + std::to_string(::getpid()) + ".svg");
    std::ofstream(path) << document;
    const std::string command = "xmllint --noout '" + path.string() + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[512];
    while (pipe && std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    const int status = pipe ? ::pclose(pipe) : -1;
    std::filesystem::remove(path);
    return status == 0;
}

bool have_xmllint() { return std::system("xmllint --version > /dev/null 2>&1") == 0; }

TEST(Svg, WellFormedWithTotalsInDataAndTitles) {
    const Profile profile = testing::small_profile();
    for (View view : {View::kCpu, View::kOffCpu, View::kWall}) {
        SCOPED_TRACE(std::string(view_name(view)));
        Selection selection;
        selection.view = view;
        SvgOptions options;
        options.min_width_px = 0;  // draw the 7.5 µs of sh too: every frame counts below
        const std::string document = svg(profile, selection, options);
        std::unique_ptr<XmlElement> root;
        ASSERT_NO_THROW(root = XmlReader::parse(document));
        EXPECT_EQ(root->name, "svg");
        const std::uint64_t expected = testing::expected_total(profile, view);
        EXPECT_EQ(std::stoull(root->attributes.at("data-total")), expected);
        EXPECT_EQ(root->attributes.at("data-view"), view_name(view));

        const auto frames = frames_of(*root);
        ASSERT_FALSE(frames.empty());
        EXPECT_EQ(frames[0].name, "all");
        EXPECT_EQ(frames[0].value, expected);
        // The frames right above the root add up to the total.
        std::uint64_t first_level = 0;
        for (const auto& f : frames) {
            if (f.y == frames[0].y - 16) first_level += f.value;
        }
        EXPECT_EQ(first_level, expected);
    }
}

TEST(Svg, CpuTitlesCountSamplesAndPercentages) {
    const std::string document = svg(testing::small_profile(), Selection{});
    auto root = XmlReader::parse(document);
    std::vector<const XmlElement*> titles;
    root->find("g", "frames")->collect("title", titles);
    std::set<std::string> texts;
    for (const auto* t : titles) texts.insert(t->text);
    EXPECT_TRUE(texts.count("all\n71 samples, 100.00% of all"));
    EXPECT_TRUE(texts.count("compress\n36 samples, 50.70% of all\nmodule /usr/bin/git"));
}

TEST(Svg, ChildrenNestInsideTheirParents) {
    const auto root = XmlReader::parse(svg(testing::small_profile(), Selection{}));
    const auto frames = frames_of(*root);
    // Every frame sits on some frame one level below whose span contains it.
    for (const auto& f : frames) {
        if (f.name == "all") continue;
        bool supported = false;
        for (const auto& below : frames) {
            if (below.y == f.y + 16 && below.x <= f.x + 0.01 && below.x + below.width >= f.x + f.width - 0.01) {
                supported = true;
            }
        }
        EXPECT_TRUE(supported) << f.name;
    }
}

TEST(Svg, HostileNamesAreEscapedAndComeBackIntact) {
    const Profile profile = testing::hostile_profile();
    for (View view : {View::kCpu, View::kWall}) {
        Selection selection;
        selection.view = view;
        selection.hook_frames = true;
        selection.process_frames = true;
        const std::string document = svg(profile, selection);
        std::unique_ptr<XmlElement> root;
        ASSERT_NO_THROW(root = XmlReader::parse(document));

        std::set<std::string> names;
        for (const auto& f : frames_of(*root)) names.insert(f.name);
        for (const auto& [raw, expected] : testing::hostile_names()) {
            const std::string shown = view == View::kWall ? expected + "_[c]" : expected;
            EXPECT_TRUE(names.count(shown)) << shown;
        }
        EXPECT_TRUE(names.count("[hook] <hook>&\""));
        EXPECT_TRUE(names.count("[process] </script>"));

        // The only script is the constant one; no name reached it.
        std::vector<const XmlElement*> scripts;
        root->collect("script", scripts);
        ASSERT_EQ(scripts.size(), 1u);
        EXPECT_EQ(scripts[0]->text, kSvgScript);
        EXPECT_EQ(document.find("<script>"), std::string::npos);
        EXPECT_EQ(document.find("alert(\""), std::string::npos);
        // The title made from the profile name is escaped too.
        EXPECT_EQ(root->child("title")->text.find("<b>session</b> & \"friends\"") != std::string::npos, true);
    }
}

TEST(Svg, ScriptAndStyleCannotCloseTheirCdataSections) {
    EXPECT_EQ(kSvgScript.find("]]>"), std::string_view::npos);
    EXPECT_EQ(kSvgStyle.find("]]>"), std::string_view::npos);
}

TEST(Svg, SelfContainedAndInteractive) {
    const std::string document = svg(testing::small_profile(), Selection{});
    auto root = XmlReader::parse(document);
    EXPECT_EQ(root->attributes.at("onload"), "vp_init()");
    for (const char* id : {"reset", "search", "details", "matched", "title"}) {
        EXPECT_NE(root->find("text", id), nullptr) << id;
    }
    // Nothing to fetch: no links, images, imports or URLs besides the SVG namespace name.
    for (const char* outside : {"href", "<image", "@import", "url(", "<link", "<iframe"}) {
        EXPECT_EQ(document.find(outside), std::string::npos) << outside;
    }
    std::size_t http = 0;
    for (auto at = document.find("http"); at != std::string::npos; at = document.find("http", at + 1)) {
        EXPECT_EQ(document.compare(at, 26, "http://www.w3.org/2000/svg"), 0);
        ++http;
    }
    EXPECT_EQ(http, 2u);  // xmlns, and createElementNS in the script
    // Zoom, search with matched share, reset: the script's entry points.
    for (const char* function : {"function vp_zoom", "function vp_search", "function vp_unzoom", "Matched: "}) {
        EXPECT_NE(kSvgScript.find(function), std::string_view::npos) << function;
    }
}

TEST(Svg, XmllintAcceptsTheDocuments) {
    if (!have_xmllint()) GTEST_SKIP() << "xmllint not installed (Debian package libxml2-utils)";
    for (const Profile& profile : {testing::small_profile(), testing::hostile_profile()}) {
        for (View view : {View::kCpu, View::kOffCpu, View::kWall}) {
            Selection selection;
            selection.view = view;
            std::string output;
            EXPECT_TRUE(xmllint_accepts(svg(profile, selection), output)) << output;
        }
    }
}

TEST(Svg, FramesBelowTheMinimumWidthAreLeftOutButCounted) {
    ProfileBuilder b(testing::kPeriodNs);
    b.add({{"main", "", false}, {"big", "", false}}, testing::cpu(1'000'000, "h", 1, 1, "p"));
    b.add({{"main", "", false}, {"tiny", "", false}, {"tinier", "", false}}, testing::cpu(1, "h", 1, 1, "p"));
    const Profile profile = b.take();

    auto names = [&](double min_width) {
        SvgOptions options;
        options.min_width_px = min_width;
        std::set<std::string> out;
        for (const auto& f : frames_of(*XmlReader::parse(svg(profile, Selection{}, options)))) out.insert(f.name);
        return out;
    };
    const auto cut = names(0.1);
    EXPECT_TRUE(cut.count("big"));
    EXPECT_FALSE(cut.count("tiny"));
    EXPECT_FALSE(cut.count("tinier"));
    const auto all = names(0.0);
    EXPECT_TRUE(all.count("tiny"));
    EXPECT_TRUE(all.count("tinier"));

    // The tiny stack still counts in "main" and "all".
    const auto frames = frames_of(*XmlReader::parse(svg(profile, Selection{})));
    for (const auto& f : frames) {
        if (f.name == "main" || f.name == "all") {
            EXPECT_EQ(f.value, 1'000'001u);
        }
    }
}

TEST(Svg, EmptySelectionIsStillAValidDocument) {
    Selection selection;
    selection.hook = "none";
    const std::string document = svg(testing::small_profile(), selection);
    auto root = XmlReader::parse(document);
    EXPECT_EQ(root->attributes.at("data-total"), "0");
    EXPECT_EQ(frames_of(*root).size(), 1u);
}

}  // namespace
}  // namespace validprof::flamegraph
