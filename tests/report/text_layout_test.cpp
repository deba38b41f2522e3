#include "report/text_layout.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace validprof::report {
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

}  // namespace
}  // namespace validprof::report
