// The checks on sample files: each accepts well-formed input and points at
// the first problem in broken input.
#include <gtest/gtest.h>

#include <string>

#include "validation/checks/c_brackets.h"
#include "validation/checks/command_check.h"
#include "validation/checks/content_hash.h"
#include "validation/checks/file_checks.h"
#include "validation/checks/json_syntax.h"
#include "validation/checks/text_style.h"
#include "validation/checks/yaml_structure.h"
#include "validation_test_support.h"

namespace validprof::validation {
namespace {

using testing::TempDir;

TEST(ContentHash, Sha256KnownVectors) {
    // FIPS 180-2 examples.
    EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(JsonSyntax, AcceptsValidRejectsBroken) {
    EXPECT_TRUE(check_json_syntax(R"({"a": [1, 2, {"b": null}], "c": "x"})").passed);
    EXPECT_TRUE(check_json_syntax("[]").passed);
    const CheckOutcome broken = check_json_syntax("{\n  \"a\": 1,\n  \"b\": \n}");
    EXPECT_FALSE(broken.passed);
    EXPECT_NE(broken.detail.find("line 4"), std::string::npos) << broken.detail;
    EXPECT_FALSE(check_json_syntax("{\"a\": 1} trailing").passed);
    EXPECT_FALSE(check_json_syntax("").passed);
}

TEST(JsonSyntax, ANumberBeyondADoubleFailsWithoutThrowing) {
    // Found by fuzzing: the reader used to throw out_of_range for these and
    // nothing caught it. Now a failed check that says what and where.
    for (const char* text : {R"({"big": 1e400})", "[-1E999999999999]", "111111111E111111111111111111111111-1--"}) {
        const CheckOutcome outcome = check_json_syntax(text);
        EXPECT_FALSE(outcome.passed) << text;
        EXPECT_NE(outcome.detail.find("number overflow"), std::string::npos) << outcome.detail;
        EXPECT_NE(outcome.detail.find("at byte"), std::string::npos) << outcome.detail;
    }
    EXPECT_TRUE(check_json_syntax("[1e300, -1e-400, 123456789012345678901234567890]").passed);
    const CheckOutcome broken = check_json_syntax("[1e30,\n  oops]");
    EXPECT_FALSE(broken.passed);
    EXPECT_NE(broken.detail.find("line 2"), std::string::npos) << broken.detail;
}

TEST(YamlStructure, AcceptsCommonDocuments) {
    const char* valid[] = {
        "name: validcore\nversion: 1\n",
        "# comment\nhooks:\n  PreToolUse:\n    - matcher: Bash\n      hooks:\n        - type: command\n          command: \"npx claude-flow hooks pre-command --command '{}'\"\n  PostToolUse: []\n",
        "list:\n- a\n- b\nnext: 3\n",
        "script: |\n  echo one: two\n    nested: text\n  - not a list\nafter: 1\n",
        "folded: >-\n  some text\n  more\n",
        "flow: {a: 1, b: [x, y]}\nmulti: [1,\n  2, 3]\n",
        "url: http://example.com:8080/path\ntime: 12:30\n",
        "'quoted key': value\n\"other\": 'it''s fine' # comment\n",
        "---\na: 1\n---\na: 2\n...\n",
        "long: this plain scalar\n  continues on the next line\nb: 2\n",
        "anchors:\n  base: &base\n    x: 1\n  derived:\n    <<: *base\n",
        "- name: one\n  value: 1\n- name: two\n  value: 2\n",
        "multi: \"starts here\n  and ends here\"\nb: 1\n",
    };
    for (const char* text : valid) {
        const CheckOutcome outcome = check_yaml_structure(text);
        EXPECT_TRUE(outcome.passed) << text << "\n-> " << outcome.detail;
    }
}

TEST(YamlStructure, RejectsStructuralMistakes) {
    struct Case {
        const char* text;
        const char* expected;  // a fragment of the message
    } cases[] = {
        {"a:\n\tb: 1\n", "line 2: tab character in indentation"},
        {"a:\n    b: 1\n  c: 2\n", "line 3: indentation of 2 matches no enclosing block"},
        {"a: b\n  c: d\n", "line 2: mapping value not allowed here"},
        {"a: 1\nb: 2\na: 3\n", "line 3: duplicate key 'a'"},
        {"a: x: y\n", "line 1: mapping values are not allowed in a plain scalar"},
        {"a: \"unterminated\nb: 1\n", "unterminated quoted scalar"},
        {"a: [1, 2\nb: 3\n", "unclosed flow collection"},
        {"a: {x: 1]\n", "line 1: unbalanced ']'"},
        {"a: 1\njust some words\n", "line 2: expected 'key: value'"},
        {"- a\nb: 1\n", "line 2: mapping key where a '- item' was expected"},
        {"a: |x\n", "block scalar indicator"},
    };
    for (const Case& c : cases) {
        const CheckOutcome outcome = check_yaml_structure(c.text);
        EXPECT_FALSE(outcome.passed) << c.text;
        EXPECT_NE(outcome.detail.find(c.expected), std::string::npos) << c.text << "\n-> " << outcome.detail;
    }
}

TEST(CBrackets, SkipsCommentsAndLiterals) {
    const char* valid = R"(#include <stdio.h>
// a } in a comment
/* and { here
   across lines ) */
int main(void) {
    const char *s = "}{)(";
    char c = '{';
    int big = 1'000'000;
    const char *raw = R"x(a ) " } raw)x";
    if (s[0] == '\'') { return c; }
    printf("%s\n", "a \" quoted {");
    return big;
}
)";
    const CheckOutcome outcome = check_c_brackets(valid);
    EXPECT_TRUE(outcome.passed) << outcome.detail;
}

TEST(CBrackets, PointsAtTheFirstMismatch) {
    EXPECT_EQ(check_c_brackets("int f() {\n  return (1;\n}\n").detail, "line 3: '}' closes '(' opened on line 2");
    EXPECT_EQ(check_c_brackets("int f() {\n  return 1;\n").detail, "line 1: '{' is never closed");
    EXPECT_EQ(check_c_brackets("int x = 1;\n}\n").detail, "line 2: unmatched '}'");
    EXPECT_EQ(check_c_brackets("/* open\n").detail, "line 1: unterminated /* comment");
    EXPECT_EQ(check_c_brackets("const char* s = \"abc;\n").detail, "line 1: unterminated string literal");
}

TEST(TextStyle, TrailingWhitespaceAndIndentation) {
    EXPECT_TRUE(check_whitespace("int a;\r\nint b;\r\n", true).passed);  // CRLF is not trailing whitespace
    const CheckOutcome trailing = check_whitespace("ok\nbad \nalso bad\t\n", true);
    EXPECT_FALSE(trailing.passed);
    EXPECT_EQ(trailing.issues, 2);
    EXPECT_EQ(trailing.detail, "line 2: trailing whitespace");

    EXPECT_TRUE(check_whitespace("f() {\n\tx();\n\t\ty();\n/*\n * comment\n */\n", true).passed);
    const CheckOutcome mixed = check_whitespace("f() {\n\tx();\n    y();\n}\n", true);
    EXPECT_FALSE(mixed.passed);
    EXPECT_EQ(mixed.detail, "line 3: indentation mixes tabs (line 2) and spaces (line 3)");
    EXPECT_EQ(check_whitespace("f() {\n \tx();\n}\n", true).detail, "line 2: space before tab in indentation");
    // Without the indentation check (JSON, YAML, text) only trailing counts.
    EXPECT_TRUE(check_whitespace("{\n\t\"a\": 1,\n    \"b\": 2\n}\n", false).passed);
}

TEST(TextStyle, LineLengthCountsColumns) {
    EXPECT_TRUE(check_line_length(std::string(120, 'x') + "\n", 120).passed);
    const CheckOutcome long_line = check_line_length("short\n" + std::string(121, 'x') + "\n", 120);
    EXPECT_FALSE(long_line.passed);
    EXPECT_EQ(long_line.detail, "line 2: 121 columns, limit 120");
    // A tab advances to the next multiple of 8; UTF-8 counts code points.
    EXPECT_FALSE(check_line_length("\t\t" + std::string(105, 'x'), 120).passed);  // 16 + 105
    EXPECT_TRUE(check_line_length("\t\t" + std::string(104, 'x'), 120).passed);
    std::string accents;
    for (int i = 0; i < 120; ++i) accents += "\xc3\xa9";  // é, 2 bytes, 1 column
    EXPECT_TRUE(check_line_length(accents, 120).passed);
    EXPECT_EQ(count_lines("a\nb\nc"), 3);
    EXPECT_EQ(count_lines("a\nb\n"), 2);
}

TEST(CommandCheck, ExitStatusOutputAndArguments) {
    TempDir dir;
    const std::string file = dir.write("sample.txt", "hello\n");
    auto ok = run_check_command("test \"$1\" = \"$VALIDCORE_FILE\" && grep -q hello \"$1\"", file, std::chrono::seconds(10));
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->exit_status, 0);
    EXPECT_DOUBLE_EQ(ok->score, 1.0);

    auto noisy = run_check_command("echo 'a.c:1: warning: x'; echo 'WARNING: y'; echo fine", file, std::chrono::seconds(10));
    ASSERT_TRUE(noisy.ok());
    EXPECT_EQ(noisy->warning_lines, 2);
    EXPECT_NEAR(noisy->score, 0.8, 1e-12);
    EXPECT_NE(noisy->output_tail.find("fine"), std::string::npos);

    auto failing = run_check_command("echo 'error: broken' >&2; exit 3", file, std::chrono::seconds(10));
    ASSERT_TRUE(failing.ok());
    EXPECT_EQ(failing->exit_status, 3);
    EXPECT_DOUBLE_EQ(failing->score, 0.0);
    EXPECT_NE(failing->output_tail.find("error: broken"), std::string::npos);

    auto missing = run_check_command("no-such-command-validcore", file, std::chrono::seconds(10));
    ASSERT_TRUE(missing.ok());
    EXPECT_EQ(missing->exit_status, 127);
}

TEST(CommandCheck, TimeoutKillsTheProcessGroup) {
    TempDir dir;
    const std::string file = dir.write("sample.txt", "x\n");
    // The background sleep holds the pipe open: only killing the whole group
    // ends the wait.
    auto slow = run_check_command("sleep 30 & sleep 30", file, std::chrono::milliseconds(200));
    ASSERT_TRUE(slow.ok());
    EXPECT_TRUE(slow->timed_out);
    EXPECT_DOUBLE_EQ(slow->score, 0.0);
    EXPECT_LT(slow->elapsed_ms, 5000);
}

TEST(FileChecks, ClassifiesAndRunsTheChecksThatApply) {
    TempDir dir;
    auto c = check_file(dir.write("a.c", "int main(void) {\n    return 0;\n}\n"), {});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->kind, FileKind::C);
    ASSERT_EQ(c->checks.size(), 3u);
    EXPECT_EQ(c->passed_checks(), 3);
    EXPECT_EQ(c->lines, 3);
    EXPECT_EQ(c->sha256, c->sha256_after);
    EXPECT_EQ(c->sha256, to_hex(sha256("int main(void) {\n    return 0;\n}\n")));

    auto json = check_file(dir.write("b.json", "{\"a\": }"), {});
    ASSERT_TRUE(json.ok());
    EXPECT_EQ(json->kind, FileKind::Json);
    EXPECT_EQ(json->applicable_checks(), 2);
    EXPECT_EQ(json->passed_checks(), 1);

    auto yaml = check_file(dir.write("c.yml", "a: 1\n"), {});
    ASSERT_TRUE(yaml.ok());
    EXPECT_EQ(yaml->kind, FileKind::Yaml);

    auto binary = check_file(dir.write("d.bin", std::string("\x7f" "ELF\0\0", 6)), {});
    ASSERT_TRUE(binary.ok());
    EXPECT_EQ(binary->kind, FileKind::Binary);
    EXPECT_EQ(binary->applicable_checks(), 0);

    EXPECT_FALSE(check_file(dir.file("missing.c"), {}).ok());
    EXPECT_FALSE(check_file(dir.path().string(), {}).ok());
}

TEST(FileChecks, CommandThatRewritesTheFileBreaksConsistency) {
    TempDir dir;
    const std::string file = dir.write("a.c", "int x;\n");
    FileCheckOptions options;
    options.check_command = "echo 'int y;' > \"$1\"";  // a formatter rewriting what was checked
    auto checked = check_file(file, options);
    ASSERT_TRUE(checked.ok());
    EXPECT_NE(checked->sha256, checked->sha256_after);
    ASSERT_TRUE(checked->command);
    EXPECT_EQ(checked->command->exit_status, 0);
}

}  // namespace
}  // namespace validprof::validation
