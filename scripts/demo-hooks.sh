#!/bin/sh
# A short agent-like session: the hook commands an agent tool runs around
# its edits, the way .claude/settings.json wires them (an `sh -c` pipeline
# per event, see the project's hook-systems notes). Run it under
# `validprof record` to see per-hook latency and where the time goes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
PATH="$here/demo:$PATH"
export PATH

edits=${DEMO_EDITS:-8}
hooks pre-task --description "refactor the parser"
i=1
while [ "$i" -le "$edits" ]; do
  printf 'int parse_%d(const char *s) { return s[%d]; }\n' "$i" "$i" > "parser$i.c"
  # PostToolUse(Write|Edit): the tool's JSON goes through a small pipeline.
  sh -c "echo '{\"file_path\":\"parser$i.c\"}' | tr -d '{}\"' | cut -d: -f2 | xargs -I{} hooks post-edit --file {} --memory-key swarm/coder/$i"
  # PostToolUse(Bash)
  sh -c "hooks post-command --command 'cc -c parser$i.c'"
  i=$((i + 1))
done
hooks notify --message "parser refactored"
hooks session-end --generate-summary true
