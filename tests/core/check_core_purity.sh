#!/usr/bin/env bash
# Fails if core/ reaches for anything outside its Env: I/O, threads, clocks,
# nondeterministic randomness, or unordered containers (whose iteration order
# could leak into behaviour).
set -euo pipefail
core="$1"
pattern='#include <(thread|mutex|future|filesystem|fstream|random|unordered_map|unordered_set)>|boost/asio|boost/beast|system_clock|steady_clock|high_resolution_clock|random_device|std::rand|(^|[^_[:alnum:]])time\(|getenv|fopen|<unistd.h>|<sys/'
if grep -nE "$pattern" "$core"/*.h "$core"/*.cc; then
  echo "core_purity: core/ must act only through its Env (see lines above)" >&2
  exit 1
fi
echo "core_purity: 1 passed, 0 failed"
