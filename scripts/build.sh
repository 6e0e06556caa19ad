#!/usr/bin/env bash
# Configures and builds dds into build/<preset> (release, asan, tsan).
# Usage: scripts/build.sh [release|asan|tsan]
# tsan (ThreadSanitizer) is for checking by hand, not CI: the core runs on
# one thread; a node's HTTP threads (docs/runtime.md, "Threading model"),
# Asio's resolver thread and the tests' own threads are the others. The cluster tests' processes are killed, so give
# TSAN_OPTIONS=log_path=DIR/tsan to ctest to keep their reports.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
case "$preset" in
  release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DDDS_SANITIZE=ON) ;;
  # -Wno-tsan: GCC 12 warns (an error here) that TSan does not model the
  # atomic_thread_fence in Boost.Asio's headers, which could only cause false
  # reports across Asio's threads.
  tsan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS=-fsanitize=thread -Wno-tsan"
               -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread) ;;
  *) echo "build.sh: unknown preset '$preset' (release|asan|tsan)" >&2; exit 2 ;;
esac
cmake -S . -B "build/$preset" -G Ninja -DDDS_WERROR=ON "${flags[@]}" >/dev/null
cmake --build "build/$preset" -j "$(nproc)"
