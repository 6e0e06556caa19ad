#!/usr/bin/env bash
# Configures and builds dds into build/<preset> (release, asan).
# Usage: scripts/build.sh [release|asan]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
case "$preset" in
  release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DDDS_SANITIZE=ON) ;;
  *) echo "build.sh: unknown preset '$preset' (release|asan)" >&2; exit 2 ;;
esac
cmake -S . -B "build/$preset" -G Ninja "${flags[@]}" >/dev/null
cmake --build "build/$preset" -j "$(nproc)"
