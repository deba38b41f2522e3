#!/usr/bin/env bash
# The test command: set-up, build, then every test (unit, privileged
# integration, end-to-end), then a short fuzzing run of every parser of
# outside data, then the unit tests again under ASan and UBSan. Privileged
# tests skip with a stated reason when not run as root; fuzzing skips with
# its reason where clang cannot build it. This is what .ci/run runs.
#
#   scripts/test.sh              # the above
#   scripts/test.sh --sanitize   # only: build with ASan and UBSan into
#                                # build-sanitize/ and run the unit tests
#   scripts/test.sh --no-sanitize  # all but the sanitizer run (a quicker
#                                  # local check; CI runs everything)
#
# Environment: VALIDPROF_BUILD_DIR, VALIDPROF_SANITIZE_BUILD_DIR and
# VALIDPROF_FUZZ_BUILD_DIR choose the build directories;
# VALIDPROF_FUZZ_SECONDS (default 10) the run of each harness.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VALIDPROF_BUILD_DIR:-$top/build}
sanitize_build=${VALIDPROF_SANITIZE_BUILD_DIR:-$top/build-sanitize}
fuzz_seconds=${VALIDPROF_FUZZ_SECONDS:-10}

sanitize=false
sanitize_after=true
for argument in "$@"; do
  case $argument in
    --sanitize) sanitize=true ;;
    --no-sanitize) sanitize_after=false ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test: unknown option $argument (see --help)" >&2; exit 2 ;;
  esac
done

# AddressSanitizer and UndefinedBehaviorSanitizer over the unit tests (the
# privileged ones load BPF and time real workloads: they run in the normal
# build). Any report fails the test that met it.
run_sanitized_unit_tests() {
  cmake -S "$top" -B "$sanitize_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVALIDPROF_SANITIZE=ON >/dev/null
  cmake --build "$sanitize_build" --parallel "$(nproc)"
  (cd "$sanitize_build" &&
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    ctest --output-on-failure --parallel "$(nproc)" --label-exclude privileged)
}

"$top/scripts/setup.sh"
if $sanitize; then
  run_sanitized_unit_tests
  exit 0
fi

"$top/scripts/build.sh"
(cd "$build" && ctest --output-on-failure --parallel "$(nproc)")

status=0
# A fixed seed: the test run explores the same inputs every time (a
# longer, randomly seeded run is for looking for new defects, see
# docs/testing.md).
VALIDPROF_FUZZ_SEED=${VALIDPROF_FUZZ_SEED:-1} \
VALIDPROF_FUZZ_BUILD_DIR=${VALIDPROF_FUZZ_BUILD_DIR:-$top/build-fuzz} \
  "$top/scripts/fuzz.sh" --seconds "$fuzz_seconds" || status=$?
case $status in
  0) ;;
  77) echo "test: fuzzing skipped (reason above)" ;;
  *) exit "$status" ;;
esac

# About 20 minutes from scratch on 2 CPUs: the whole .ci/run took 34.5
# minutes with it, 11.5 without (docs/testing.md).
if $sanitize_after; then
  echo "test: the unit tests again under ASan and UBSan (build-sanitize/)"
  run_sanitized_unit_tests
fi
