// Claude Code's settings turned into hook rules: names from event and
// matcher, regexes that find the command in the argv of the `sh -c` Claude
// runs it with, one-line errors for settings that are not what Claude reads.
#include "rules/claude_settings.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>

namespace validprof::rules {
namespace {

constexpr const char* kSettings = R"json({
  "permissions": {"allow": ["Bash(npm test)"]},
  "hooks": {
    "PostToolUse": [
      {"matcher": "Write|Edit|MultiEdit",
       "hooks": [{"type": "command", "command": "npx claude-flow@alpha hooks post-edit --file \"$FILE\""}]}
    ],
    "PreToolUse": [
      {"matcher": "Bash",
       "hooks": [{"type": "command", "command": "./scripts/check (dry).sh"},
                 {"type": "command", "command": "audit.sh --strict"}]}
    ],
    "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    "Notification": [{"matcher": "*", "hooks": [{"type": "command", "command": "say hi"}]}]
  }
})json";

TEST(ClaudeSettings, EveryCommandIsARuleNamedAfterItsEventAndMatcher) {
    auto rules = rules_from_claude_settings(kSettings, "settings.json");
    ASSERT_TRUE(rules.ok()) << rules.error().message;
    std::vector<std::string> names;
    for (const Rule& rule : *rules) names.push_back(rule.name);
    // nlohmann keeps object keys sorted.
    EXPECT_EQ(names, (std::vector<std::string>{"Notification", "PostToolUse[Write|Edit|MultiEdit]", "PreToolUse[Bash]",
                                                "PreToolUse[Bash]#2", "Stop"}));
}

TEST(ClaudeSettings, TheRuleFindsTheCommandInTheShellThatRunsIt) {
    auto rules = rules_from_claude_settings(kSettings, "settings.json");
    ASSERT_TRUE(rules.ok());
    RuleSet set;
    for (Rule& rule : *rules) set.add(std::move(rule));
    // Claude Code runs `sh -c COMMAND`: the argv joined with spaces.
    const Rule* post_edit =
        set.match("/bin/sh -c npx claude-flow@alpha hooks post-edit --file \"$FILE\"", "/usr/bin/dash");
    ASSERT_NE(post_edit, nullptr);
    EXPECT_EQ(post_edit->name, "PostToolUse[Write|Edit|MultiEdit]");
    const Rule* check = set.match("sh -c ./scripts/check (dry).sh", "/bin/sh");
    ASSERT_NE(check, nullptr) << "regex characters in the command are literal";
    EXPECT_EQ(check->name, "PreToolUse[Bash]");
    EXPECT_EQ(set.match("sh -c ./scripts/check dry.sh", "/bin/sh"), nullptr);
    EXPECT_EQ(set.match("npx claude-flow@alpha hooks pre-task", "/usr/bin/node"), nullptr);
}

TEST(ClaudeSettings, NoHooksIsNoRules) {
    auto rules = rules_from_claude_settings(R"({"model": "opus"})", "s.json");
    ASSERT_TRUE(rules.ok());
    EXPECT_TRUE(rules->empty());
}

TEST(ClaudeSettings, NonCommandHooksAreSkipped) {
    auto rules = rules_from_claude_settings(
        R"({"hooks": {"Stop": [{"hooks": [{"type": "prompt", "prompt": "x"}, {"type": "command", "command": "c"}]}]}})",
        "s.json");
    ASSERT_TRUE(rules.ok()) << rules.error().message;
    ASSERT_EQ(rules->size(), 1u);
    EXPECT_EQ(rules->front().pattern, "c");
}

TEST(ClaudeSettings, ErrorsNameTheFileAndThePlace) {
    struct Bad {
        std::string json;
        std::string message;
    };
    for (const Bad& bad : std::vector<Bad>{
             {R"({"hooks": {"Stop": [ {)", "s.json: malformed JSON at byte 23"},
             {R"([1, 2])", "s.json: settings must be a JSON object"},
             // Found by fuzzing: a number no double holds threw out of the reader.
             {R"({"hooks": {"Stop": [{"timeout": 1e400}]}})", "s.json: unreadable JSON: number overflow"},
             {R"({"hooks": []})", "s.json: \"hooks\" must be an object of events"},
             {R"({"hooks": {"Stop": {}}})", "s.json: hooks.Stop must be an array"},
             {R"({"hooks": {"Stop": [{"matcher": 3, "hooks": []}]}})", "s.json: hooks.Stop[0].matcher must be a string"},
             {R"({"hooks": {"Stop": [{"matcher": "x"}]}})", "s.json: hooks.Stop[0].hooks must be an array of commands"},
             {R"({"hooks": {"Stop": [{"hooks": [{"type": "command"}]}]}})", "needs a \"command\" string"},
             {R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "  "}]}]}})", "empty command"},
         }) {
        auto rules = rules_from_claude_settings(bad.json, "s.json");
        ASSERT_FALSE(rules.ok()) << bad.json;
        EXPECT_NE(rules.error().message.find(bad.message), std::string::npos)
            << bad.json << " gave: " << rules.error().message;
        EXPECT_EQ(rules.error().message.find('\n'), std::string::npos);
    }
}

TEST(ClaudeSettings, ALongCommandIsQuotedByItsStart) {
    const std::string command = "run " + std::string(5000, 'x');
    auto rules = rules_from_claude_settings(R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": ")" +
                                                command + R"("}]}]}})",
                                            "s.json");
    ASSERT_TRUE(rules.ok()) << rules.error().message;
    EXPECT_LE(rules->front().pattern.size(), 1024u);
    RuleSet set;
    set.add(rules->front());
    EXPECT_NE(set.match("sh -c " + command, "/bin/sh"), nullptr);
}

// Any text, escaped, matches itself and nothing shorter.
TEST(EscapeRegex, EveryTextMatchesItselfLiterally) {
    std::mt19937 random(7);
    const std::string alphabet = "ab.*+?^$()[]{}|\\/- \"'";
    for (int round = 0; round < 500; ++round) {
        std::string text;
        const int length = 1 + static_cast<int>(random() % 20);
        for (int i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
        std::regex literal(escape_regex(text), std::regex::ECMAScript);
        EXPECT_TRUE(std::regex_search(text, literal)) << text;
        EXPECT_FALSE(std::regex_search(text.substr(1), literal)) << text;
    }
}

TEST(ClaudeSettings, RuleNameReplacesWhitespace) {
    EXPECT_EQ(claude_rule_name("PreToolUse", "mcp__server tool"), "PreToolUse[mcp__server_tool]");
    EXPECT_EQ(claude_rule_name("Stop", ""), "Stop");
    EXPECT_EQ(claude_rule_name("Notification", "*"), "Notification");
}

TEST(ClaudeSettings, MissingFileNamesIt) {
    auto rules = load_claude_settings("/nonexistent/.claude/settings.json");
    ASSERT_FALSE(rules.ok());
    EXPECT_NE(rules.error().message.find("/nonexistent/.claude/settings.json"), std::string::npos);
    auto device = load_claude_settings("/dev/zero");
    ASSERT_FALSE(device.ok());
    EXPECT_NE(device.error().message.find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace validprof::rules
