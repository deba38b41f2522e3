#!/usr/bin/env bash
# The test command: set-up, build, then every test (unit, privileged
# integration, end-to-end). Privileged tests skip with a stated reason when
# not run as root. This is what .ci/run runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VALIDPROF_BUILD_DIR:-$top/build}
"$top/scripts/setup.sh"
"$top/scripts/build.sh"
cd "$build"
ctest --output-on-failure --parallel "$(nproc)"
