// A larger synthetic profile through every exporter: all of them must
// account for the same time, and the dispatcher must pick the right one.
#include "flamegraph/exporter.h"

#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "proto_reader.h"
#include "synthetic_profile.h"
#include "test_profiles.h"
#include "xml_checker.h"

namespace validprof::flamegraph {
namespace {

Profile synthetic() {
    testing::SyntheticOptions options;
    options.samples = 20'000;
    options.stacks = 2'000;
    options.frames = 500;
    options.invocations = 50;
    return testing::make_synthetic_profile(options);
}

std::string run(const Profile& profile, Format format, View view) {
    ExportOptions options;
    options.selection.view = view;
    std::ostringstream out;
    auto written = export_profile(out, profile, format, options);
    EXPECT_TRUE(written.ok()) << written.error().message;
    return out.str();
}

TEST(AllFormats, AgreeOnTheWallTotalOfALargeProfile) {
    const Profile profile = synthetic();
    const std::uint64_t expected = testing::expected_total(profile, View::kWall);

    std::uint64_t folded = 0;
    std::istringstream lines(run(profile, Format::kFolded, View::kWall));
    for (std::string line; std::getline(lines, line);) folded += std::stoull(line.substr(line.rfind(' ') + 1));
    EXPECT_EQ(folded, expected);

    auto svg = testing::XmlReader::parse(run(profile, Format::kSvg, View::kWall));
    EXPECT_EQ(std::stoull(svg->attributes.at("data-total")), expected);

    std::uint64_t speedscope = 0;
    const auto file = nlohmann::json::parse(run(profile, Format::kSpeedscope, View::kWall));
    for (const auto& p : file.at("profiles")) {
        for (const auto& w : p.at("weights")) speedscope += w.get<std::uint64_t>();
    }
    EXPECT_EQ(speedscope, expected);

    std::uint64_t pprof = 0;
    const std::string raw = testing::gunzip(run(profile, Format::kPprof, View::kWall));
    for (auto sample : testing::read_bytes(testing::read_message(raw), 2)) {
        pprof += testing::read_repeated(testing::read_message(sample), 2).at(3);
    }
    EXPECT_EQ(pprof, expected);
}

TEST(AllFormats, FormatNamesParse) {
    for (Format f : {Format::kSvg, Format::kFolded, Format::kSpeedscope, Format::kPprof}) {
        auto parsed = parse_format(format_name(f));
        ASSERT_TRUE(parsed.ok());
        EXPECT_EQ(*parsed, f);
    }
    auto bad = parse_format("png");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("svg, folded, speedscope or pprof"), std::string::npos);
    EXPECT_EQ(file_extension(Format::kPprof), ".pb.gz");
    EXPECT_TRUE(is_binary(Format::kPprof));
}

}  // namespace
}  // namespace validprof::flamegraph
