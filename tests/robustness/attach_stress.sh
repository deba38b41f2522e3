#!/usr/bin/env bash
# Attach-mode stress for the invocation model (issue 14's lost root exit
# and ghost rows): `validprof attach --usdt --sql` while ROUNDS rounds of 4
# concurrent `sh -c '... node ...'` hooks run, then the invocations whose
# root never exited and the process rows without a command are counted.
# Both must be 0. Needs root and node.
#
#   sudo tests/robustness/attach_stress.sh [ROUNDS] [BUILD_DIR]
set -euo pipefail
rounds=${1:-60}
build=${2:-$(cd "$(dirname "$0")/../.." && pwd)/build}
validprof=$build/userspace/cli/validprof
command -v node >/dev/null || { echo "attach_stress: skipped: node is not installed" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=$work/stress.db

"$validprof" attach --usdt --sql --db "$db" --hook 'stress-hook=^sh -c .*stress-marker' >"$work/attach.log" 2>&1 &
attach=$!
sleep 3  # the probes load
for ((round = 1; round <= rounds; round++)); do
  pids=()
  for k in 1 2 3 4; do
    sh -c 'true stress-marker; node -e "setTimeout(() => {}, 5)"; /bin/true' &
    pids+=($!)
  done
  wait "${pids[@]}"
done
sleep 1
kill -INT "$attach"
wait "$attach" || { echo "attach_stress: attach failed:" >&2; cat "$work/attach.log" >&2; exit 1; }

expected=$((rounds * 4))
stored=$(sqlite3 "$db" "SELECT count(*) FROM invocations")
incomplete=$(sqlite3 "$db" "SELECT count(*) FROM invocations WHERE complete = 0")
without_command=$(sqlite3 "$db" "SELECT count(*) FROM processes WHERE exe = ''")
echo "attach_stress: $stored of $expected invocations stored, $incomplete incomplete, $without_command rows without a command"
"$validprof" report --db "$db" --json | python3 -c '
import json, sys
notes = json.load(sys.stdin)["lost_events"]["by_reason"]
print("attach_stress: notes", {k: v for k, v in notes.items() if v})'
[[ $stored -eq $expected && $incomplete -eq 0 && $without_command -eq 0 ]]
