#include "text/text_layout.h"
#include "text/text_colour.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace validprof::text {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(DisplayWidth, CountsCodePoints) {
    EXPECT_EQ(display_width(""), 0u);
    EXPECT_EQ(display_width("ms"), 2u);
    EXPECT_EQ(display_width("µs"), 2u);
    EXPECT_EQ(display_width("1.23 µs"), 7u);
}

TEST(Truncate, ShortensWithEllipsisWithoutSplittingCharacters) {
    EXPECT_EQ(truncate("abcdef", 10), "abcdef");
    EXPECT_EQ(truncate("abcdef", 6), "abcdef");
    EXPECT_EQ(truncate("abcdef", 4), "abc…");
    EXPECT_EQ(truncate("µµµµµ", 3), "µµ…");
    EXPECT_EQ(display_width(truncate("µµµµµ", 3)), 3u);
    EXPECT_EQ(truncate("abc", 0), "");
}

TEST(Sanitize, ReplacesControlCharacters) {
    EXPECT_EQ(sanitize("git commit -m \"a\nb\"\t\x1b[31m"), "git commit -m \"a?b\"??[31m");
    EXPECT_EQ(sanitize("plain µ text"), "plain µ text");
}

TEST(ToValidUtf8, KeepsValidAndReplacesInvalidBytes) {
    EXPECT_EQ(to_valid_utf8("ascii"), "ascii");
    EXPECT_EQ(to_valid_utf8("µ \xF0\x9F\x98\x80"), "µ \xF0\x9F\x98\x80");  // 2- and 4-byte
    EXPECT_EQ(to_valid_utf8("caf\xE9"), "caf" + kReplacement);             // Latin-1 é
    EXPECT_EQ(to_valid_utf8("\xC0\xAF"), kReplacement + kReplacement);     // overlong '/'
    EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);  // surrogate
    EXPECT_EQ(to_valid_utf8("\xE2\x82"), kReplacement + kReplacement);  // cut short
    // nlohmann::json refuses to dump invalid UTF-8; the repaired text dumps.
    EXPECT_NO_THROW(nlohmann::json(to_valid_utf8("\xff\xfe argv")).dump());
}

TEST(TextTable, AlignsColumnsByDisplayWidth) {
    TextTable table({"name", "time"}, {Align::kLeft, Align::kRight});
    table.add_row({"a", "1.00 µs"});
    table.add_row({"longer", "12 ms"});
    EXPECT_EQ(table.render("  "),
              "  name       time\n"
              "  a       1.00 µs\n"
              "  longer    12 ms\n");
}

// Every line of `text` at most `width` code points.
::testing::AssertionResult fits(const std::string& text, std::size_t width) {
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(start, end - start);
        if (display_width(line) > width)
            return ::testing::AssertionFailure() << display_width(line) << " columns: " << line;
        start = end + 1;
    }
    return ::testing::AssertionSuccess();
}

TextTable process_table() {
    TextTable table({"pid", "ppid", "command", "on-CPU", "sleep"},
                    {Align::kRight, Align::kRight, Align::kLeft, Align::kRight, Align::kRight});
    table.set_elastic(2, 12);
    table.set_drop_order({1, 4});
    table.add_row({"4242", "4241", "/usr/bin/python3 .git/hooks/pre-commit --all-files", "12.5 ms", "1.00 s"});
    table.add_row({"4243", "4242", "sh -c true", "µs", "0 ns"});
    return table;
}

TEST(TextTable, TheElasticColumnGivesWayFirst) {
    const std::string wide = process_table().render("  ");
    EXPECT_NE(wide.find("--all-files"), std::string::npos);
    const std::string fitted = process_table().render("  ", 60);
    EXPECT_TRUE(fits(fitted, 60));
    EXPECT_NE(fitted.find("  /usr/bin/python3 .git/hooks/…  12.5 ms"), std::string::npos) << fitted;
    EXPECT_NE(fitted.find("ppid"), std::string::npos) << "nothing hidden while the command can shrink";
    EXPECT_EQ(fitted.find("hidden"), std::string::npos);
}

TEST(TextTable, ColumnsAreHiddenInOrderAndNamed) {
    // pid 4 + command 12 + on-CPU 7 + sleep 6 + 3 gaps of 2 + indent 2 = 37: ppid must go.
    const std::string fitted = process_table().render("  ", 40);
    EXPECT_TRUE(fits(fitted, 40));
    EXPECT_EQ(fitted.find("4241"), std::string::npos) << fitted;
    EXPECT_NE(fitted.find("sleep"), std::string::npos) << fitted;
    EXPECT_NE(fitted.find("(hidden at 40 columns: ppid; --wide"), std::string::npos) << fitted;
    const std::string narrower = process_table().render("  ", 31);
    EXPECT_TRUE(fits(narrower, 31));
    const std::string header = narrower.substr(0, narrower.find('\n'));
    EXPECT_EQ(header.find("sleep"), std::string::npos) << narrower;
    std::string flat = narrower.substr(narrower.find("(hidden"));
    std::replace(flat.begin(), flat.end(), '\n', ' ');
    flat.erase(std::unique(flat.begin(), flat.end(), [](char a, char b) { return a == ' ' && b == ' '; }), flat.end());
    EXPECT_NE(flat.find("ppid, sleep;"), std::string::npos) << narrower;
    // Past every remedy the lines are cut, never wrapped.
    const std::string tiny = process_table().render("  ", 10);
    EXPECT_TRUE(fits(tiny, 10));
    EXPECT_EQ(tiny.rfind("   pid  c…\n  4242  /…\n", 0), 0u) << tiny;
}

TEST(WrapLines, ProseBreaksAtSpacesWithAHangingIndent) {
    const std::string text = "  on-CPU 7.52 ms, run-queue wait 755 µs, sleeping 6.86 ms, blocked (D, mostly I/O) 885 µs\nshort\n";
    const std::string wrapped = wrap_lines(text, 40);
    EXPECT_TRUE(fits(wrapped, 40));
    EXPECT_EQ(wrapped,
              "  on-CPU 7.52 ms, run-queue wait 755 µs,\n"
              "    sleeping 6.86 ms, blocked (D, mostly\n"
              "    I/O) 885 µs\n"
              "short\n");
    // Nothing but whitespace changes: the words are all there, in order.
    std::string words_before, words_after;
    for (char c : text) if (c != ' ' && c != '\n') words_before += c;
    for (char c : wrapped) if (c != ' ' && c != '\n') words_after += c;
    EXPECT_EQ(words_before, words_after);
    EXPECT_EQ(wrap_lines(text, 0), text);
    EXPECT_EQ(wrap_lines("no newline at the end", 100), "no newline at the end");
    // A word wider than the room is cut, not split over lines.
    EXPECT_EQ(wrap_lines("  /a/very/long/path/without/any/space", 12), "  /a/very/l…");
}

TEST(Sanitize, C1ControlsAreReplacedToo) {
    // U+009B is a one-character CSI on terminals that honour C1 controls.
    EXPECT_EQ(sanitize("a\xC2\x9B" "2Jb\x1B[2J\n"), "a?2Jb?[2J?");
    EXPECT_EQ(sanitize("café µs"), "café µs");
}

TEST(Colourize, WarningsLossesAndSlowHeadingsOnlyEachLineReset) {
    const std::string text =
        "Session 1: record x\n"
        "  status    INCOMPLETE: the recorder died\n"
        "  lost events: 0\n"
        "  lost events: 12\n"
        "  WARNING: 12 events were lost\n"
        "#1  post-edit  wall 98.1 ms\n"
        "  1. cpu            77%   4.34 ms  validcore\n"
        "  2. fsync          11%\n"
        "plain\n";
    const std::string coloured = colourize(text);
    EXPECT_EQ(coloured,
              "Session 1: record x\n"
              "\033[31m  status    INCOMPLETE: the recorder died\033[0m\n"
              "  lost events: 0\n"
              "\033[31m  lost events: 12\033[0m\n"
              "\033[31m  WARNING: 12 events were lost\033[0m\n"
              "\033[1m#1  post-edit  wall 98.1 ms\033[0m\n"
              "\033[1m  1. cpu            77%   4.34 ms  validcore\033[0m\n"
              "  2. fsync          11%\n"
              "plain\n");
    // Removing the escape codes gives the text back: colour changes no layout.
    std::string stripped;
    for (std::size_t i = 0; i < coloured.size(); ++i) {
        if (coloured[i] == '\033') {
            i = coloured.find('m', i);
            continue;
        }
        stripped += coloured[i];
    }
    EXPECT_EQ(stripped, text);
}

}  // namespace
}  // namespace validprof::text
