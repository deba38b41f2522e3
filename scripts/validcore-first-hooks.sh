#!/usr/bin/env bash
# Rounds of 32 validating post-edit hooks started together in a fresh
# directory each, so that all of them race to create .swarm/memory.db
# (switch to WAL, schema). Counts the hooks that failed and the "database is
# locked" messages (docs/performance.md, issue 15).
#
# usage: scripts/validcore-first-hooks.sh BINARY ROUNDS
# example: scripts/validcore-first-hooks.sh build/userspace/validcore/validcore 40
set -uo pipefail
bin=$(realpath "$1")
rounds=$2
failed=0
locked=0
for _ in $(seq "$rounds"); do
    dir=$(mktemp -d)
    cd "$dir" || exit 1
    printf 'int main(void) {\n    return 0;\n}\n' > a.c
    for i in $(seq 32); do
        ("$bin" hooks post-edit --file a.c --rollout-percent 100 --mode development > /dev/null 2> "err.$i" ||
            echo failed > "status.$i") &
    done
    wait
    failed=$((failed + $(ls status.* 2> /dev/null | wc -l)))
    locked=$((locked + $(cat err.* | grep -c locked)))
    cd / && rm -rf "$dir"
done
echo "$rounds rounds x 32 first hooks: $failed failed, $locked 'database is locked' messages"
