#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs every test
# (release build, then the AddressSanitizer + UBSan build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
for preset in release asan; do
  scripts/build.sh "$preset"
  echo "== ctest ($preset)"
  (cd "build/$preset" && ctest --output-on-failure -j "$(nproc)" --timeout 900)
done
