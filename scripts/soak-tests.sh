#!/usr/bin/env bash
# Runs the privileged tests (ctest label "privileged") N times in a row and
# reports how many rounds passed; a flaky test shows up here before it
# shows up in CI. With --load, a parallel build of validprof itself runs in
# a scratch directory the whole time (the machine as busy as a developer's),
# and is stopped at the end.
#
#   sudo ./scripts/soak-tests.sh 20            # idle machine
#   sudo ./scripts/soak-tests.sh --load 5      # under a parallel build
#
# Needs a build (./scripts/build.sh, or $VALIDPROF_BUILD_DIR). Exits 1 if
# any round failed; the failing rounds' output is kept in the log directory
# it prints.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VALIDPROF_BUILD_DIR:-$top/build}

usage() { echo "usage: $0 [--load] ROUNDS" >&2; exit 2; }
load=0
if [[ ${1:-} == --load ]]; then load=1; shift; fi
[[ $# -eq 1 && $1 =~ ^[1-9][0-9]*$ ]] || usage
rounds=$1
[[ -f $build/CTestTestfile.cmake ]] || { echo "soak-tests: no build in $build: run ./scripts/build.sh first" >&2; exit 1; }

logs=$(mktemp -d "${TMPDIR:-/tmp}/validprof-soak-XXXXXX")
load_pid=""
scratch=""
stop_load() {
    if [[ -n $load_pid ]]; then
        kill -- "-$load_pid" 2>/dev/null || true
        wait "$load_pid" 2>/dev/null || true
        load_pid=""
    fi
    [[ -n $scratch ]] && rm -rf "$scratch"
    scratch=""
}
trap stop_load EXIT
trap 'exit 130' INT TERM

if ((load)); then
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/validprof-soak-build-XXXXXX")
    cmake -S "$top" -B "$scratch" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    # Its own process group, so that stopping it stops the compilers too.
    set -m
    ( while true; do cmake --build "$scratch" --clean-first --parallel "$(nproc)" >/dev/null 2>&1 || true; done ) &
    load_pid=$!
    set +m
    echo "soak-tests: parallel build load running (pid $load_pid)"
fi

failed=0
started=$(date +%s)
for ((round = 1; round <= rounds; round++)); do
    log="$logs/round-$round.log"
    round_start=$(date +%s)
    if (cd "$build" && ctest -L privileged --output-on-failure) >"$log" 2>&1; then
        result=passed
        rm -f "$log"
    else
        result=FAILED
        failed=$((failed + 1))
    fi
    summary=$(grep -E '^[0-9]+% tests passed' "$log" 2>/dev/null || true)
    echo "soak-tests: round $round/$rounds $result ($(( $(date +%s) - round_start )) s)${summary:+: $summary}"
done
echo "soak-tests: $((rounds - failed)) of $rounds rounds passed$( ((load)) && echo ' under a parallel build load') in $(( $(date +%s) - started )) s"
if ((failed)); then
    echo "soak-tests: logs of the failed rounds in $logs" >&2
    exit 1
fi
rmdir "$logs" 2>/dev/null || true
