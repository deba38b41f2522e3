#!/usr/bin/env bash
# Runs N validating post-edit hooks (default 50) with one validcore binary in
# a fresh directory and prints percentiles of the times the hooks record in
# their performance rows (checks, consensus decision, round with threads
# joined) and of their wall time. On a shared machine the hook's wall time
# is mostly other tenants' disk traffic; the recorded times isolate the
# validation's own share (docs/performance.md).
#
# usage: scripts/validcore-round-times.sh BINARY [N]
# example: scripts/validcore-round-times.sh build/userspace/validcore/validcore 50
set -euo pipefail
bin=$(realpath "$1")
runs=${2:-50}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
printf 'int main(void) {\n    return 0;\n}\n' > a.c
"$bin" hooks post-edit --file a.c > /dev/null
for _ in $(seq "$runs"); do
    /usr/bin/time -a -o times.txt -f "%e" "$bin" hooks post-edit --file a.c --rollout-percent 100 \
        --mode development --memory-key swarm/coder/step > /dev/null
done
python3 - <<'PY'
import json, sqlite3
rows = [json.loads(value) for (value,) in sqlite3.connect(".swarm/memory.db").execute(
    "SELECT value FROM memory_entries WHERE namespace = 'completion-validation-performance' AND key LIKE 'validation/%'")]
wall = [float(x) * 1000 for x in open("times.txt").read().split()]
def rank(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]
for key in ("checks_ms", "consensus_decision_ms", "consensus_round_ms"):
    values = [row[key] for row in rows]
    print(f"{key:24} p50 {rank(values, .5):7.1f} ms  p90 {rank(values, .9):7.1f} ms  max {max(values):7.1f} ms")
print(f"{'wall (10 ms resolution)':24} p50 {rank(wall, .5):7.0f} ms  p90 {rank(wall, .9):7.0f} ms  max {max(wall):7.0f} ms")
PY
