#!/usr/bin/env bash
# Installs everything validprof needs to build, run and test, from Debian
# packages. Idempotent: packages already present are not touched, and
# apt-get runs only when something is missing. Run as root.
# libc6-dbg: libc's separate debug file (/usr/lib/debug/.build-id), which
# names the internal functions of libc frames in stack profiles.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  # libclang-rt-dev: clang's sanitizer and libFuzzer runtimes (scripts/fuzz.sh)
  clang llvm libclang-rt-dev libbpf-dev bpftool libelf-dev zlib1g-dev
  # libdw-dev: DWARF line tables, for source lines in the pprof export
  libdw-dev
  libboost-program-options-dev libsqlite3-dev libspdlog-dev libfmt-dev
  libgtest-dev nlohmann-json3-dev libbpfcc-dev libssl-dev systemtap-sdt-dev libre2-dev
  protobuf-compiler libxml2-utils
  libc6-dbg
  sqlite3 util-linux procps
  chromium
  # prometheus: the server and promtool, real consumers of `attach --metrics`
  prometheus curl
  # golang-go: `go tool pprof`, the real consumer of `flamegraph --format pprof`
  golang-go
  # linux-perf and bpftrace: the other tracers tests/bench/side_by_side.sh
  # compares validprof's cost with (issue 13)
  linux-perf bpftrace
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages (${missing[*]}); run this script as root to install them" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
