#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs every test
# (release build, then the AddressSanitizer + UBSan build), then each fuzz
# target for 30 s (scripts/fuzz.sh), enough to replay the corpus and catch a
# parser that now breaks quickly, not a long search.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
for preset in release asan; do
  scripts/build.sh "$preset"
  echo "== ctest ($preset)"
  (cd "build/$preset" && ctest --output-on-failure -j "$(nproc)" --timeout 900)
done
echo "== fuzz (30 s per target)"
scripts/fuzz.sh 30
