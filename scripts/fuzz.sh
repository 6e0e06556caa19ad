#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build/fuzz and runs
# each for SECONDS (default 60), starting from its checked-in corpus
# (fuzz/corpus/TARGET, only read) and a scratch corpus that keeps what runs
# discover (build/fuzz/corpus/TARGET). Prints one line per target; exits 1
# if any target crashed, timed out or ran out of memory, after printing the
# report and the path of the input that did it.
# Usage: scripts/fuzz.sh [SECONDS]   (CI: 30; a long run: 3600)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, not '$seconds'" >&2
  exit 2
fi
targets=(fuzz_frame fuzz_http_target fuzz_meta_log)
build=build/fuzz

# Warnings stay warnings here (no DDS_WERROR): this is the only build that
# compiles the code with clang, so a clang-only warning must not fail CI.
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDDS_FUZZ=ON >/dev/null
cmake --build "$build" -j "${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" --target "${targets[@]}"

# The figure after `label:` in the last line of the log that has one.
last_figure() { grep -o "$2: *[0-9]*" "$1" | tail -n 1 | grep -o '[0-9]*$' || true; }

failed=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target"
  log="$build/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$build/logs"
  dict=()
  if [[ -f fuzz/$target.dict ]]; then dict=(-dict="fuzz/$target.dict"); fi
  status=0
  "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
    "$corpus" "fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  runs=$(last_figure "$log" 'stat::number_of_executed_units')
  rate=$(last_figure "$log" 'stat::average_exec_per_sec')
  cov=$(last_figure "$log" cov)
  summary="${runs:-?} runs, ${rate:-?} exec/s, cov ${cov:-?}"
  if ((status == 0)); then
    echo "$target: ok, $summary, ${seconds}s, $(find "$corpus" -type f | wc -l) inputs in $corpus"
    continue
  fi
  failed=1
  # From the first line of the report (sanitizer, libFuzzer or DDS_CHECK) on.
  awk '/^==[0-9]+==|runtime error:|^dds: invariant violated/ { p = 1 } p' "$log" |
    grep -v '^"' || tail -n 30 "$log"
  input=$(grep -o 'Test unit written to .*' "$log" | sed 's/^Test unit written to //' || true)
  echo "$target: FAILED (exit $status), $summary; log $log"
  echo "$target: input ${input:-not written}; reproduce: $build/fuzz/$target ${input:-INPUT}"
done
exit "$failed"
