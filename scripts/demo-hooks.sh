#!/bin/sh
# A short agent-like session: the hook commands an agent tool runs around
# its edits, wired the way .claude/settings.json does it (an `sh -c`
# pipeline per event, see the project's hook-systems notes), with the
# project's validation core (validcore) as the hook program. Completion
# validation (checks, truth score, PBFT consensus among 4 validators) runs
# on post-edit for the agents that the rollout admits.
#
# Run it under `validprof record` to see per-hook latency, where the time
# goes, and what validation adds, phase by phase:
#   sudo validprof record --usdt --stacks -- ./scripts/demo-hooks.sh
#
# VALIDCORE: the validcore binary (default: the build tree's).
# DEMO_EDITS: post-edit hooks to run (default 8).
# VALIDCORE_ROLLOUT_PERCENT: rollout of truth-based validation (default 50).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
validcore=${VALIDCORE:-$here/../build/userspace/validcore/validcore}
if [ ! -x "$validcore" ]; then
  echo "demo-hooks: no validcore at $validcore: build first (scripts/build.sh) or set VALIDCORE" >&2
  exit 1
fi
export VALIDCORE_ROLLOUT_PERCENT=${VALIDCORE_ROLLOUT_PERCENT:-50}
edits=${DEMO_EDITS:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$validcore" hooks pre-task --description "refactor the parser" >/dev/null
i=1
while [ "$i" -le "$edits" ]; do
  # Agents take turns; the rollout admits some of them (a 32-bit hash of
  # user-flag modulo 100, as in the system being modelled).
  case $((i % 4)) in
    0) agent=coder ;; 1) agent=tester ;; 2) agent=reviewer ;; *) agent=planner ;;
  esac
  printf 'int parse_%d(const char *s) { return s[%d]; }\n' "$i" "$i" > "parser$i.c"
  printf '{"step": %d, "agent": "%s"}\n' "$i" "$agent" > "step$i.json"
  # PostToolUse(Write|Edit): the tool's JSON goes through a small pipeline.
  sh -c "echo '{\"file_path\":\"parser$i.c\"}' | tr -d '{}\"' | cut -d: -f2 | xargs -I{} '$validcore' hooks post-edit --file {} --file step$i.json --memory-key swarm/$agent/step-$i --user $agent --check-command 'cc -fsyntax-only \"\$1\"' >/dev/null"
  # PostToolUse(Bash)
  sh -c "'$validcore' hooks post-command --command 'cc -c parser$i.c' --exit-code 0 >/dev/null"
  i=$((i + 1))
done
"$validcore" hooks notify --message "parser refactored" >/dev/null
"$validcore" hooks session-end --generate-summary true >/dev/null
