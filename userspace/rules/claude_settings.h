// Claude Code's settings as hook rules: each command configured under
// "hooks" (PreToolUse, PostToolUse with its matcher, Stop, SubagentStop,
// Notification, UserPromptSubmit, ...) becomes a rule named after its event
// and matcher, e.g. "PostToolUse[Write|Edit]". Claude Code runs a hook
// command with `sh -c COMMAND`, so the shell's argv holds the command text
// verbatim: the rule's regex is that text, escaped, and the shell running it
// becomes the invocation's root.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "rules/rule_set.h"

namespace validprof::rules {

// The rules of one settings file's text; `origin` names it in errors
// ("ORIGIN: malformed JSON at byte 17: ...", "ORIGIN: hooks.Stop[0]: ...").
common::Result<std::vector<Rule>> rules_from_claude_settings(std::string_view json_text, std::string_view origin);

// The same, from a file (a regular file of at most 4 MiB).
common::Result<std::vector<Rule>> load_claude_settings(const std::string& path);

// Where Claude Code keeps its settings: ./.claude/settings.json if it
// exists, else ~/.claude/settings.json if it exists (HOME from the
// environment); nullopt when neither does.
std::optional<std::string> default_claude_settings_path();

// A rule name from an event and its matcher: whitespace becomes '_', an
// empty or "*" matcher gives the event alone.
std::string claude_rule_name(std::string_view event, std::string_view matcher);

// `text` as an ECMAScript regex matching itself literally.
std::string escape_regex(std::string_view text);

}  // namespace validprof::rules
