#!/usr/bin/env bash
# The main job on the bundled demo: set-up, build, `validprof record` of an
# agent-like hook session (scripts/demo-hooks.sh), then the report.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VALIDPROF_BUILD_DIR:-$top/build}
db=${VALIDPROF_DB:-$top/demo.db}
"$top/scripts/setup.sh"
"$top/scripts/build.sh"
VALIDCORE="$build/userspace/validcore/validcore" \
  "$build/userspace/cli/validprof" record --usdt --stacks --sql --db "$db" -- "$top/scripts/demo-hooks.sh"
"$build/userspace/cli/validprof" report --db "$db"
