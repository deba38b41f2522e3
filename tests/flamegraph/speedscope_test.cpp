// speedscope files parsed back with nlohmann::json and checked against the
// file format's rules: shared frames, sampled profiles whose stacks index
// them, weights that add up.
#include "flamegraph/speedscope.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "test_profiles.h"

namespace validprof::flamegraph {
namespace {

nlohmann::json speedscope(const Profile& profile, const Selection& selection) {
    std::ostringstream out;
    auto written = write_speedscope(out, profile, selection);
    EXPECT_TRUE(written.ok()) << written.error().message;
    return nlohmann::json::parse(out.str());  // throws on malformed JSON
}

// Structural rules of https://www.speedscope.app/file-format-schema.json for sampled profiles.
void check_structure(const nlohmann::json& file) {
    EXPECT_EQ(file.at("$schema"), "https://www.speedscope.app/file-format-schema.json");
    const auto& frames = file.at("shared").at("frames");
    ASSERT_TRUE(frames.is_array());
    for (const auto& frame : frames) EXPECT_TRUE(frame.at("name").is_string());
    ASSERT_TRUE(file.at("profiles").is_array());
    for (const auto& profile : file.at("profiles")) {
        EXPECT_EQ(profile.at("type"), "sampled");
        EXPECT_TRUE(profile.at("name").is_string());
        const std::set<std::string> units = {"none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"};
        EXPECT_TRUE(units.count(profile.at("unit").get<std::string>()));
        const auto& samples = profile.at("samples");
        const auto& weights = profile.at("weights");
        ASSERT_EQ(samples.size(), weights.size());
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < samples.size(); ++i) {
            ASSERT_FALSE(samples[i].empty());
            for (const auto& index : samples[i]) {
                ASSERT_TRUE(index.is_number_unsigned());
                EXPECT_LT(index.get<std::size_t>(), frames.size());
            }
            EXPECT_GT(weights[i].get<std::uint64_t>(), 0u);
            sum += weights[i].get<std::uint64_t>();
        }
        EXPECT_EQ(profile.at("startValue").get<std::uint64_t>(), 0u);
        EXPECT_EQ(profile.at("endValue").get<std::uint64_t>(), sum);
    }
}

std::map<std::string, std::uint64_t> weight_per_profile(const nlohmann::json& file) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& profile : file.at("profiles")) {
        std::uint64_t sum = 0;
        for (const auto& w : profile.at("weights")) sum += w.get<std::uint64_t>();
        out[profile.at("name").get<std::string>()] = sum;
    }
    return out;
}

TEST(Speedscope, OneProfilePerHookWithTheHooksTotal) {
    const Profile profile = testing::small_profile();
    for (View view : {View::kCpu, View::kOffCpu, View::kWall}) {
        SCOPED_TRACE(std::string(view_name(view)));
        Selection selection;
        selection.view = view;
        const auto file = speedscope(profile, selection);
        check_structure(file);
        const auto weights = weight_per_profile(file);
        const std::string suffix = " (" + std::string(view_name(view)) + ")";
        ASSERT_EQ(weights.size(), 2u);
        // Nanoseconds in every view: the profile has a sample period.
        EXPECT_EQ(weights.at("pre-commit" + suffix), testing::expected_total(profile, view, "pre-commit", true));
        EXPECT_EQ(weights.at("post-checkout" + suffix), testing::expected_total(profile, view, "post-checkout", true));
        for (const auto& p : file.at("profiles")) EXPECT_EQ(p.at("unit"), "nanoseconds");
    }
}

// speedscope opens the first profile: a hook's, not the wrapper script's
// samples outside every invocation (whose name sorts first).
TEST(Speedscope, TheFirstProfileIsAHook) {
    ProfileBuilder b(1'000'000);
    b.add({{"main", "/bin/sh", false}}, testing::cpu(500, "(outside invocations)", 0, 30, "sh"));
    b.add({{"main", "/usr/bin/hook", false}}, testing::cpu(20, "post-edit", 1, 10, "hook"));
    b.set_invocations("post-edit", 1);
    nlohmann::json file = speedscope(b.take(), testing::frames_only());
    check_structure(file);
    ASSERT_EQ(file.at("profiles").size(), 2u);
    EXPECT_EQ(file.at("activeProfileIndex"), 0);
    EXPECT_EQ(file.at("profiles")[0].at("name").get<std::string>().rfind("post-edit", 0), 0u);
    EXPECT_EQ(file.at("profiles")[1].at("name").get<std::string>().rfind("(outside invocations)", 0), 0u);
}

TEST(Speedscope, StacksAreRootFirstOverSharedFrames) {
    Selection selection = testing::frames_only();
    selection.hook = "pre-commit";
    const auto file = speedscope(testing::small_profile(), selection);
    check_structure(file);
    const auto& frames = file.at("shared").at("frames");
    const auto& profile = file.at("profiles").at(0);
    bool found = false;
    for (std::size_t i = 0; i < profile.at("samples").size(); ++i) {
        std::vector<std::string> names;
        for (const auto& index : profile.at("samples")[i]) names.push_back(frames[index.get<std::size_t>()].at("name"));
        if (names == std::vector<std::string>{"_start", "main", "lint"}) {
            found = true;
            EXPECT_EQ(profile.at("weights")[i].get<std::uint64_t>(), 20 * testing::kPeriodNs);
        }
    }
    EXPECT_TRUE(found);
    // Frames are shared, not repeated: each (name, file) once.
    std::set<std::string> seen;
    for (const auto& frame : frames) EXPECT_TRUE(seen.insert(frame.dump()).second) << frame.dump();
}

TEST(Speedscope, WithoutASamplePeriodCpuCountsSamples) {
    Profile profile = testing::small_profile();
    profile.sample_period_ns = 0;
    const auto file = speedscope(profile, Selection{});
    check_structure(file);
    for (const auto& p : file.at("profiles")) EXPECT_EQ(p.at("unit"), "none");
    EXPECT_EQ(weight_per_profile(file).at("pre-commit (cpu)"), 66u);
}

TEST(Speedscope, HostileNamesRoundTrip) {
    const Profile profile = testing::hostile_profile();
    std::ostringstream out;
    ASSERT_TRUE(write_speedscope(out, profile, testing::frames_only()).ok());
    const auto file = nlohmann::json::parse(out.str());
    check_structure(file);
    std::set<std::string> names;
    for (const auto& frame : file.at("shared").at("frames")) names.insert(frame.at("name").get<std::string>());
    for (const auto& [raw, expected] : testing::hostile_names()) EXPECT_TRUE(names.count(expected)) << expected;
    EXPECT_EQ(file.at("profiles").at(0).at("name"), "<hook>&\" (cpu)");
    EXPECT_EQ(file.at("shared").at("frames").at(0).at("file"), "/usr/bin/<evil>&\"");
}

TEST(Speedscope, EmptySelectionStillOpens) {
    Selection selection;
    selection.invocation = 12345;
    const auto file = speedscope(testing::small_profile(), selection);
    check_structure(file);
    EXPECT_EQ(file.at("profiles").size(), 1u);
}

}  // namespace
}  // namespace validprof::flamegraph
