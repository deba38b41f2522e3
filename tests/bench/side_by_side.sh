#!/usr/bin/env bash
# Issue 13, item 5: the same hook workloads under no tracer, validprof's
# modes, `perf record -g`, `perf sched record` and an equivalent bpftrace
# script (side_by_side.bt: fork/exec/exit and sched_switch accounting of the
# command's tree), interleaved in one run, with each one's ratio to no
# tracer. The measuring is bench_node_hooks' (a hook runner times every
# invocation with its own clock; see that file); this script finds the
# tools, skips each missing one with its reason, and passes the others to it
# as extra modes. Nothing passes or fails on a timing.
#
# usage: sudo tests/bench/side_by_side.sh [--no-build] [bench_node_hooks options...]
# example: sudo VALIDPROF_BUILD_DIR=/work/build tests/bench/side_by_side.sh --rounds 3
#   default workloads: c (vp_burn_sleep 1 4), node (node -e 0), node-sqlite
#   (a better-sqlite3 post-edit hook); --workloads/--rounds/--invocations pass through.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/tests/bench"
build=${VALIDPROF_BUILD_DIR:-$top/build}

if [[ $(id -u) -ne 0 ]]; then
  echo "side_by_side.sh: skipped: needs root (validprof, perf sched and bpftrace trace the kernel): run with sudo" >&2
  exit 77
fi

build_first=1
if [[ ${1:-} == --no-build ]]; then build_first=0; shift; fi
if ((build_first)); then
  if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$build" --target bench_node_hooks
fi
bench="$build/tests/bench/bench_node_hooks"
[[ -x $bench ]] || { echo "side_by_side.sh: $bench is not built" >&2; exit 1; }

scratch=$(mktemp -d /tmp/validprof-side-by-side-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

tracers=()
skipped=()

# perf: Debian's linux-perf 6.1 installs /usr/bin/perf itself; older
# packagings install a wrapper that insists on perf_<kernel version>, which
# does not exist for this kernel, so try the versioned binaries too.
perf=""
for candidate in perf /usr/bin/perf_[0-9]*; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" record -B -g -o "$scratch/probe.data" -- /bin/true >"$scratch/perf-probe.log" 2>&1; then
    perf=$(command -v "$candidate"); break
  fi
done
if [[ -n $perf ]]; then
  # -B (no build ids): perf 6.1 aborts, now and then, while it collects the
  # build ids of a Node run at its end ("assertion failed at
  # util/build-id.c:1010", then stack smashing or buffer overflow), with or
  # without the build-id cache (-N). perf then also skips that pass over the
  # recorded binaries, which shortens its stop.
  tracers+=(--tracer "perf record -g=$perf record -B -q -g -o {out} --")
  if "$perf" sched record -o "$scratch/probe-sched.data" -- /bin/true >>"$scratch/perf-probe.log" 2>&1; then
    tracers+=(--tracer "perf sched record=$perf sched record -o {out} --")
  else
    skipped+=("perf sched record: fails here: $(tail -1 "$scratch/perf-probe.log")")
  fi
else
  reason="not installed (Debian package linux-perf)"
  [[ -s $scratch/perf-probe.log ]] && reason="fails here: $(tail -1 "$scratch/perf-probe.log")"
  skipped+=("perf record -g: $reason" "perf sched record: $reason")
fi

# bpftrace takes the command as one string (-c), split at spaces: a wrapper
# turns the runner's words back into that string.
if command -v bpftrace >/dev/null 2>&1 &&
   bpftrace -o "$scratch/probe.bt.out" -c /bin/true "$here/side_by_side.bt" >"$scratch/bpftrace-probe.log" 2>&1; then
  cat >"$scratch/bpftrace-run" <<WRAPPER
#!/bin/sh
out=\$1; shift
exec $(command -v bpftrace) -o "\$out" -c "\$*" "$here/side_by_side.bt"
WRAPPER
  chmod +x "$scratch/bpftrace-run"
  tracers+=(--tracer "bpftrace=$scratch/bpftrace-run {out}")
elif command -v bpftrace >/dev/null 2>&1; then
  skipped+=("bpftrace: fails here: $(grep -v '^$' "$scratch/bpftrace-probe.log" | tail -1)")
else
  skipped+=("bpftrace: not installed (Debian package bpftrace; scripts/setup.sh installs it)")
fi

revision=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$top" status --porcelain 2>/dev/null) ]]; then revision="$revision + uncommitted changes"; fi
echo "side by side: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r), $(nproc) CPUs, revision $revision"
[[ -n $perf ]] && echo "perf: $perf ($("$perf" --version))"
command -v bpftrace >/dev/null 2>&1 && echo "bpftrace: $(bpftrace --version)"
for reason in "${skipped[@]+"${skipped[@]}"}"; do echo "skipped: $reason"; done

exec "$bench" --workloads c,node,node-sqlite "${tracers[@]+"${tracers[@]}"}" "$@"
