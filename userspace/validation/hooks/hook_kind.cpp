#include "validation/hooks/hook_kind.h"

namespace validprof::validation {

namespace {
constexpr HookKind kAll[] = {HookKind::PreTask,    HookKind::PostTask,    HookKind::PreEdit,    HookKind::PostEdit,
                             HookKind::PreCommand, HookKind::PostCommand, HookKind::SessionEnd, HookKind::Notify};
}

const char* hook_name(HookKind kind) {
    switch (kind) {
        case HookKind::PreTask: return "pre-task";
        case HookKind::PostTask: return "post-task";
        case HookKind::PreEdit: return "pre-edit";
        case HookKind::PostEdit: return "post-edit";
        case HookKind::PreCommand: return "pre-command";
        case HookKind::PostCommand: return "post-command";
        case HookKind::SessionEnd: return "session-end";
        case HookKind::Notify: return "notify";
    }
    return "unknown";
}

std::optional<HookKind> parse_hook(std::string_view name) {
    for (HookKind kind : kAll) {
        if (name == hook_name(kind)) return kind;
    }
    return std::nullopt;
}

const char* hook_names() {
    return "pre-task|post-task|pre-edit|post-edit|pre-command|post-command|session-end|notify";
}

bool hook_validates(HookKind kind) { return kind == HookKind::PostEdit || kind == HookKind::PostTask; }

}  // namespace validprof::validation
