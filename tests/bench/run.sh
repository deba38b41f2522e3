#!/usr/bin/env bash
# Builds (if needed) and runs validprof's benchmarks, printing their figures:
#   bench_hook_overhead   wall time of a 5 ms hook with and without
#                         `validprof attach`, scheduler events handled and
#                         their cost (kernel BPF run-time stats)
#   bench_tracked_memory  validprof's resident memory with 1,000 processes
#                         tracked at once
# Benchmarks, not tests: nothing here passes or fails on a timing. The
# figures and these commands are recorded in docs/performance.md.
#
# usage: sudo tests/bench/run.sh [--no-build]
# example: sudo VALIDPROF_BUILD_DIR=/work/build-bench tests/bench/run.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${VALIDPROF_BUILD_DIR:-$top/build}

if [[ $(id -u) -ne 0 ]]; then
  echo "tests/bench/run.sh: needs root (the benchmarks start validprof, which loads BPF): run with sudo" >&2
  exit 2
fi

if [[ ${1:-} != --no-build ]]; then
  if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$build" --target bench_hook_overhead bench_tracked_memory
fi

revision=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$top" status --porcelain 2>/dev/null) ]]; then revision="$revision + uncommitted changes"; fi
echo "validprof benchmarks: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r), $(nproc) CPUs, revision $revision"
echo
"$build/tests/bench/bench_hook_overhead"
echo
"$build/tests/bench/bench_tracked_memory"
