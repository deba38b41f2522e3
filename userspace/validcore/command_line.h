// The validcore command line: `validcore hooks HOOK [options]`, the same
// surface as the modelled `npx claude-flow hooks ...` commands so that
// settings.json entries can point at either. Parsing only; the work is in
// userspace/validation/hooks.
#pragma once

namespace validprof::validcore {

// Exit status: 0 done, 1 error (one line on stderr), 2 blocked (an unsafe
// command in pre-command --validate-safety, or a rejected validation with
// --fail-on-reject).
int run_command_line(int argc, char** argv);

}  // namespace validprof::validcore
