// The shipped catalogue (probes/hook-rules.conf): it parses, the embedded
// copy is the file in the tree, and it names the commands that the hook
// systems in shared/context/hook-systems.md really run.
#include <gtest/gtest.h>

#include <string>

#include "rules/rule_set.h"

namespace validprof::rules {
namespace {

std::string match_name(const std::string& argv, const std::string& path = "/usr/bin/node") {
    const Rule* rule = RuleSet::default_rules().match(argv, path);
    return rule ? rule->name : "";
}

TEST(DefaultCatalogue, EmbeddedCopyMatchesTheSourceFile) {
    auto from_file = RuleSet::load_file(VALIDPROF_HOOK_RULES_FILE);
    ASSERT_TRUE(from_file.ok()) << from_file.error().message;
    EXPECT_EQ(RuleSet::default_rules().describe(), from_file->describe());
    EXPECT_FALSE(RuleSet::default_rules().empty());
    EXPECT_NE(RuleSet::default_catalogue_text().find("# validprof hook rules"), std::string::npos);
}

TEST(DefaultCatalogue, RuleNamesAreUnique) {
    const auto& rules = RuleSet::default_rules().rules();
    for (std::size_t i = 0; i < rules.size(); ++i)
        for (std::size_t j = i + 1; j < rules.size(); ++j) EXPECT_NE(rules[i].name, rules[j].name);
}

TEST(DefaultCatalogue, ClaudeFlowHooks) {
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks post-edit --file x"), "post-edit");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks post-edit"), "post-edit");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks pre-command --command 'ls' --validate-safety true"),
              "pre-command");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks session-end --generate-summary true"), "session-end");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks pre-task --description build"), "pre-task");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks post-task --task-id 7"), "post-task");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks pre-edit --file a"), "pre-edit");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks post-command --command ls"), "post-command");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks notify --message hi"), "notify");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks session-restore --session-id s1"), "session-restore");
    // The node process behind npx and the sh -c wrapper carry the same words.
    EXPECT_EQ(match_name("node /home/u/.npm/_npx/1/node_modules/.bin/claude-flow hooks notify --message x"),
              "notify");
    EXPECT_EQ(match_name("/bin/sh -c npx claude-flow@alpha hooks post-edit --file 'a b.ts' | jq .", "/bin/sh"),
              "post-edit");
    // validcore's own hook command has the same shape.
    EXPECT_EQ(match_name("validcore hooks post-edit --file src/a.ts"), "post-edit");
}

TEST(DefaultCatalogue, PostEditPipelineIsNamedBeforeGenericPostEdit) {
    EXPECT_EQ(match_name("node config/hooks/post-edit-pipeline.js f.ts --memory-key swarm/a/1"),
              "post-edit-pipeline");
}

TEST(DefaultCatalogue, GitHooks) {
    EXPECT_EQ(match_name("/bin/sh .git/hooks/pre-commit", ".git/hooks/pre-commit"), "git-pre-commit");
    // Matched by argv alone too (the exec'd path may be the interpreter).
    EXPECT_EQ(match_name("/bin/sh .git/hooks/pre-commit", "/bin/sh"), "git-pre-commit");
    EXPECT_EQ(match_name("/bin/sh /repo/.git/hooks/commit-msg .git/COMMIT_EDITMSG", "/bin/sh"),
              "git-commit-msg");
    EXPECT_EQ(match_name("/usr/bin/bash .git/hooks/pre-push origin git@host:r.git", "/usr/bin/bash"),
              "git-pre-push");
    EXPECT_EQ(match_name("/bin/sh .git/hooks/prepare-commit-msg .git/COMMIT_EDITMSG message", "/bin/sh"),
              "git-prepare-commit-msg");
    EXPECT_EQ(match_name("/bin/sh .git/hooks/post-checkout a b 1", "/bin/sh"), "git-post-checkout");
    EXPECT_EQ(match_name("/bin/sh .git/hooks/post-merge 0", "/bin/sh"), "git-post-merge");
    EXPECT_EQ(match_name("/bin/sh .git/hooks/post-commit", "/bin/sh"), "git-post-commit");
    // Hooks without a rule of their own.
    EXPECT_EQ(match_name("/bin/sh .git/hooks/pre-rebase main", "/bin/sh"), "git-hook");
    EXPECT_EQ(match_name("./hook", "/srv/repo/.git/hooks/reference-transaction"), "git-hook");
}

TEST(DefaultCatalogue, PreCommitFramework) {
    EXPECT_EQ(match_name("pre-commit run --all-files", "/usr/bin/pre-commit"), "pre-commit");
    EXPECT_EQ(match_name("/usr/bin/python3 /usr/bin/pre-commit run", "/usr/bin/python3"), "pre-commit");
}

TEST(DefaultCatalogue, DoesNotMatchOrdinaryCommands) {
    EXPECT_EQ(match_name("vim post-edit.txt", "/usr/bin/vim"), "");
    EXPECT_EQ(match_name("cat notes/hooks-post-edit.md", "/usr/bin/cat"), "");
    EXPECT_EQ(match_name("npx claude-flow@alpha hooks post-editor", "/usr/bin/node"), "");
    EXPECT_EQ(match_name("git commit -m fix", "/usr/bin/git"), "");
    EXPECT_EQ(match_name("ls .git/hooks", "/usr/bin/ls"), "");
    EXPECT_EQ(match_name("cat .git/hooks/pre-commit.sample", "/usr/bin/cat"), "");
    EXPECT_EQ(match_name("make", "/usr/bin/make"), "");
}

}  // namespace
}  // namespace validprof::rules
