// Folded output parsed back the way flamegraph.pl and inferno read it: the
// value after the last space, frames split at ';'.
#include "flamegraph/folded.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "test_profiles.h"

namespace validprof::flamegraph {
namespace {

using testing::expected_total;

struct FoldedLine {
    std::vector<std::string> frames;
    std::uint64_t value = 0;
};

std::vector<FoldedLine> parse_folded(const std::string& text) {
    std::vector<FoldedLine> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto space = line.rfind(' ');
        EXPECT_NE(space, std::string::npos) << line;
        if (space == std::string::npos) continue;
        FoldedLine parsed;
        const std::string value = line.substr(space + 1);
        EXPECT_FALSE(value.empty());
        EXPECT_EQ(value.find_first_not_of("0123456789"), std::string::npos) << line;
        parsed.value = std::stoull(value);
        std::string stack = line.substr(0, space);
        std::size_t start = 0;
        for (;;) {
            const auto semi = stack.find(';', start);
            parsed.frames.push_back(stack.substr(start, semi - start));
            if (semi == std::string::npos) break;
            start = semi + 1;
        }
        lines.push_back(std::move(parsed));
    }
    return lines;
}

std::string folded(const Profile& profile, const Selection& selection) {
    std::ostringstream out;
    auto written = write_folded(out, profile, selection);
    EXPECT_TRUE(written.ok()) << written.error().message;
    return out.str();
}

std::uint64_t sum(const std::vector<FoldedLine>& lines) {
    std::uint64_t total = 0;
    for (const auto& line : lines) total += line.value;
    return total;
}

TEST(Folded, TotalsMatchTheSamplesInEveryView) {
    const Profile profile = testing::small_profile();
    for (View view : {View::kCpu, View::kOffCpu, View::kWall}) {
        Selection selection;
        selection.view = view;
        const auto lines = parse_folded(folded(profile, selection));
        EXPECT_EQ(sum(lines), expected_total(profile, view)) << view_name(view);
        for (const auto& line : lines) EXPECT_GT(line.value, 0u);
    }
}

TEST(Folded, OneLinePerDistinctStackInAlphabeticalOrder) {
    const std::string text = folded(testing::small_profile(), testing::frames_only());
    const auto lines = parse_folded(text);
    std::set<std::vector<std::string>> distinct;
    for (const auto& line : lines) distinct.insert(line.frames);
    EXPECT_EQ(distinct.size(), lines.size());
    EXPECT_EQ(text,
              "[missing stack] 1\n"
              "_start;checkout 4\n"
              "_start;main;cmd_commit;run_hook;compress 36\n"
              "_start;main;cmd_commit;run_hook;hash_object 10\n"
              "_start;main;lint 20\n");
}

TEST(Folded, ProcessNameLeadsEachStackByDefault) {
    const auto lines = parse_folded(folded(testing::small_profile(), Selection{}));
    std::map<std::string, std::uint64_t> by_process;
    for (const auto& line : lines) by_process[line.frames.front()] += line.value;
    EXPECT_EQ(by_process, (std::map<std::string, std::uint64_t>{{"[process] git", 51}, {"[process] node", 20}}));
}

TEST(Folded, WallViewTellsTheKindsApartAtTheLeaf) {
    const Selection selection = testing::frames_only(View::kWall);
    const auto lines = parse_folded(folded(testing::small_profile(), selection));
    std::map<std::string, std::uint64_t> leaves;
    for (const auto& line : lines) leaves[line.frames.back()] += line.value;
    EXPECT_EQ(leaves.at("compress_[c]"), 36 * testing::kPeriodNs);
    EXPECT_EQ(leaves.at("schedule_[o]"), 70'007'500u);
    for (const auto& line : lines) {
        const std::string& leaf = line.frames.back();
        EXPECT_TRUE(leaf.ends_with("_[c]") || leaf.ends_with("_[o]")) << leaf;
        for (std::size_t i = 0; i + 1 < line.frames.size(); ++i) EXPECT_FALSE(line.frames[i].ends_with("]")) << line.frames[i];
    }
}

TEST(Folded, HostileNamesStayOneFrameOnOneLine) {
    const Profile profile = testing::hostile_profile();
    const auto lines = parse_folded(folded(profile, testing::frames_only()));
    const auto names = testing::hostile_names();
    ASSERT_EQ(lines.size(), names.size());
    std::map<std::string, std::uint64_t> leaves;
    for (const auto& line : lines) {
        ASSERT_EQ(line.frames.size(), 2u);
        EXPECT_EQ(line.frames[0], "main");
        leaves[line.frames[1]] = line.value;
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        ASSERT_TRUE(leaves.count(names[i].second)) << names[i].second;
        EXPECT_EQ(leaves[names[i].second], i + 1);
    }
    EXPECT_EQ(sum(lines), expected_total(profile, View::kCpu));
}

// The session keeps each return address as its own frame (pprof needs
// them): a function called from two places is two frames with one name,
// and their stacks print alike. One line, with both counts.
TEST(Folded, StacksThatPrintAlikeAreOneLine) {
    ProfileBuilder builder(1'000'000);
    StackSample sample;
    sample.count = 2;
    sample.hook = "h";
    sample.process = "p";
    builder.add({{"main", "/bin/x", false, 0x1010, "ab"}, {"leaf", "/bin/x", false, 0x2000, "ab"}}, sample);
    sample.count = 3;
    builder.add({{"main", "/bin/x", false, 0x1020, "ab"}, {"leaf", "/bin/x", false, 0x2004, "ab"}}, sample);
    sample.count = 5;
    builder.add({{"main", "/bin/x", false, 0x1020, "ab"}}, sample);
    const auto lines = parse_folded(folded(builder.take(), testing::frames_only()));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].frames, std::vector<std::string>{"main"});
    EXPECT_EQ(lines[0].value, 5u);
    EXPECT_EQ(lines[1].frames, (std::vector<std::string>{"main", "leaf"}));
    EXPECT_EQ(lines[1].value, 5u);
}

TEST(Folded, EmptySelectionWritesNothing) {
    Selection selection;
    selection.hook = "no-such-hook";
    EXPECT_EQ(folded(testing::small_profile(), selection), "");
}

}  // namespace
}  // namespace validprof::flamegraph
