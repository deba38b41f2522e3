// The hook subcommands validcore answers to, named as the modelled CLI names
// them (`hooks post-edit`, ...).
#pragma once

#include <optional>
#include <string_view>

namespace validprof::validation {

enum class HookKind { PreTask, PostTask, PreEdit, PostEdit, PreCommand, PostCommand, SessionEnd, Notify };

const char* hook_name(HookKind kind);
std::optional<HookKind> parse_hook(std::string_view name);
// "pre-task|post-task|..." for messages and --help.
const char* hook_names();
// post-edit and post-task: the hooks where completion validation runs.
bool hook_validates(HookKind kind);

}  // namespace validprof::validation
