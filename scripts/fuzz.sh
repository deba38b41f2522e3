#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/) in their own clang build
# directory and runs each for a while over its seed corpus; fails on any
# crash, sanitizer report, timeout or broken property.
#
#   scripts/fuzz.sh                          # every harness, 10 s each
#   scripts/fuzz.sh --seconds 600 rule_set   # one harness, 10 minutes
#
# HARNESS is a name from tests/fuzz/ with or without its fuzz_ prefix.
# Seeds are read from tests/fuzz/corpus/HARNESS/ and never written to: what
# the fuzzer learns goes to BUILD/corpus/HARNESS/ (kept between runs), and
# a crashing input to BUILD/artifacts/HARNESS/. Once the defect is fixed,
# that input becomes a regression seed in tests/fuzz/corpus/HARNESS/.
#
# Exit status: 0 all passed, 1 a harness failed, 77 fuzzing is not possible
# here (no clang, or no libFuzzer runtime): one line says why.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VALIDPROF_FUZZ_BUILD_DIR:-$top/build-fuzz}
seconds=10

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
harnesses=()
while (($#)); do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) seconds=${1#--seconds=}; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "fuzz: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) harnesses+=("${1#fuzz_}"); shift ;;
  esac
done
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: --seconds needs a positive whole number, not '$seconds'" >&2
  exit 2
fi
if ((${#harnesses[@]} == 0)); then
  for source in "$top"/tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    harnesses+=("${name#fuzz_}")
  done
fi
for name in "${harnesses[@]}"; do
  if [[ ! -f $top/tests/fuzz/fuzz_$name.cpp ]]; then
    echo "fuzz: no harness '$name' (tests/fuzz/fuzz_$name.cpp)" >&2
    exit 2
  fi
done

# Fuzzing needs clang with its libFuzzer runtime (Debian: clang and
# libclang-rt-dev, installed by scripts/setup.sh).
for compiler in clang clang++; do
  if ! command -v "$compiler" >/dev/null; then
    echo "fuzz: skipped: $compiler not found (scripts/setup.sh installs it)"
    exit 77
  fi
done
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" 2>/dev/null; then
  echo "fuzz: skipped: clang++ cannot link -fsanitize=fuzzer,address,undefined (install libclang-rt-dev: scripts/setup.sh)"
  exit 77
fi

CC=clang CXX=clang++ cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVALIDPROF_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
targets=()
for name in "${harnesses[@]}"; do targets+=("fuzz_$name"); done
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for name in "${harnesses[@]}"; do
  work="$build/corpus/$name"
  artifacts="$build/artifacts/$name/"
  log="$build/logs/$name.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  # -timeout: one input may take at most 10 s (a harness takes
  # milliseconds); -rss_limit_mb: 2 GB, as libFuzzer's default.
  # -seed: VALIDPROF_FUZZ_SEED fixes the mutations (scripts/test.sh does,
  # so that CI replays the same exploration and stays green unless the
  # code changed); unset or 0, libFuzzer picks a new seed each run.
  if "$build/tests/fuzz/fuzz_$name" -seed="${VALIDPROF_FUZZ_SEED:-0}" -max_total_time="$seconds" \
       -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$artifacts" -print_final_stats=1 "$work" "$top/tests/fuzz/corpus/$name" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz: $name: passed, ${runs:-?} inputs in ${seconds} s (${coverage:-cov: ?}, corpus $(ls "$work" | wc -l) learnt)"
  else
    failed+=("$name")
    echo "fuzz: $name: FAILED (log: $log)"
    grep -E 'ERROR: |SUMMARY: |runtime error|fuzz property violated|Test unit written to' "$log" | head -5 | sed 's/^/  /' || true
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: ${#failed[@]} of ${#harnesses[@]} harnesses failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: all ${#harnesses[@]} harnesses passed (${seconds} s each)"
