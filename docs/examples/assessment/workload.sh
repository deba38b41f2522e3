#!/bin/sh
# validprof assess workload: one agent's hook sequence against validcore.
# Written by `validprof assess`; run as a suite scenario under
#   validprof record --usdt --sql -- sh -c '... sh workload.sh'
#
# VALIDCORE      the validcore binary (required)
# EDITS          post-edit hooks to run (default 10)
# ROLLOUT        rollout percent of completion validation (default 0)
# VALIDATORS     consensus validators n (default 4)
# FAULTY         faulty validators tolerated f (default 1)
# FAULT          fault kind injected into validators 0..FAULT_COUNT-1 (silent,
#                slow, equivocate, always-reject); empty: none
# FAULT_COUNT    how many validators get it (default 1)
# DELAY_US       per-message delay MIN:MAX in microseconds; empty: none
# TIMEOUT_MS     consensus timeout (default 10000: the seed's 10 s target)
# WRITER         1: a concurrent writer inserts into .swarm/memory.db meanwhile
# WORKER         worker index when several run in parallel (default 0)
#
# Validation runs in development mode (approve at a truth score of 0.75,
# which the generated files reach), so a rejection means the validators
# did not agree, not that the file was judged poor.
# Each edit has its own user id, so the rollout (a hash of the user id
# modulo 100) admits about ROLLOUT percent of the edits. A post-edit whose
# validators do not approve within the timeout exits 2 (--fail-on-reject):
# the session's failed post-edit runs are the consensus failures.
set -eu
vc=${VALIDCORE:?VALIDCORE must name the validcore binary}
edits=${EDITS:-10}
rollout=${ROLLOUT:-0}
n=${VALIDATORS:-4}
f=${FAULTY:-1}
worker=${WORKER:-0}
timeout=${TIMEOUT_MS:-10000}
extra=""
if [ -n "${FAULT:-}" ]; then
  k=0
  while [ "$k" -lt "${FAULT_COUNT:-1}" ]; do
    extra="$extra --fault validator=$k:$FAULT"
    k=$((k + 1))
  done
fi
if [ -n "${DELAY_US:-}" ]; then extra="$extra --link-delay-us $DELAY_US --seed $worker"; fi
writer=""
if [ "${WRITER:-0}" = 1 ]; then
  mkdir -p .swarm
  (
    while :; do
      sqlite3 .swarm/memory.db "PRAGMA busy_timeout=5000; CREATE TABLE IF NOT EXISTS load_writer(x); INSERT INTO load_writer VALUES (randomblob(512));" >/dev/null 2>&1 || true
    done
  ) &
  writer=$!
fi
"$vc" hooks pre-task --description "assess worker $worker" >/dev/null
i=1
while [ "$i" -le "$edits" ]; do
  file="w${worker}_$i.c"
  printf 'int f_%d(int x) { return x + %d; }\n' "$i" "$i" > "$file"
  sh -c "'$vc' hooks post-edit --file $file --memory-key swarm/agent$worker/step-$i --user user-$worker-$i --rollout-percent $rollout --validators $n --faulty-tolerance $f --mode development --consensus-timeout-ms $timeout $extra --fail-on-reject >/dev/null" || true
  sh -c "'$vc' hooks post-command --command 'cc -c $file' --exit-code 0 >/dev/null"
  i=$((i + 1))
done
"$vc" hooks notify --message "worker $worker done" >/dev/null
"$vc" hooks session-end --generate-summary true >/dev/null
if [ -n "$writer" ]; then
  kill "$writer" 2>/dev/null || true
  wait "$writer" 2>/dev/null || true
fi
