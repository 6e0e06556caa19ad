#!/usr/bin/env bash
# Goal: `ddsim --shard I/N` splits a sweep into N disjoint shards that
# together run every seed once, each shard reports its own lowest failing
# seed, and a bad shard is refused with one line and exit 2.
# Method: swarm seeds 1..10 in three shards, then shards of a sweep with a
# deliberately broken node (--test-fault), through the real ddsim binary.
set -euo pipefail
DDSIM="${1:?usage: $0 PATH_TO_DDSIM}"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

seen=()
for i in 0 1 2; do
  # Exit 4 is a pass too: a shard of three seeds may leave a kind of fault
  # it drew without effect (fault coverage, docs/scenarios.md).
  code=0
  out=$("$DDSIM" --swarm --seeds 1..10 --shard "$i/3" --jobs 2) || code=$?
  [[ $code == 0 || $code == 4 ]] || fail "shard $i/3 exited $code: $out"
  grep -q "verdict: all invariants held for swarm seeds .* (shard $i/3 of 1..10)" <<<"$out" ||
    fail "shard $i/3: $out"
  mapfile -t mine < <(grep -oE '^seed [0-9]+' <<<"$out" | awk '{print $2}')
  for seed in "${mine[@]}"; do
    (((seed - 1) % 3 == i)) || fail "shard $i/3 ran seed $seed"
  done
  seen+=("${mine[@]}")
done
[[ $(printf '%s\n' "${seen[@]}" | sort -n | tr '\n' ' ') == "1 2 3 4 5 6 7 8 9 10 " ]] ||
  fail "the shards did not cover 1..10 once each: ${seen[*]}"

repro=$(mktemp -d)
trap 'rm -rf "$repro"' EXIT
for i in 0 1; do
  code=0
  out=$("$DDSIM" --swarm --seeds 1..6 --shard "$i/2" --test-fault corrupt-publish --quiet \
    --jobs 2 --repro "$repro/r$i.toml" --shrink-runs 3) || code=$?
  [[ $code == 1 ]] || fail "shard $i/2 with a broken node exited $code"
  grep -q "first failing seed: $((i + 1)) " <<<"$out" || fail "shard $i/2: $out"
done

for bad in 3/3 x/2 1/0 "1/"; do
  code=0
  err=$("$DDSIM" --swarm --seeds 1..10 --shard "$bad" 2>&1 >/dev/null) || code=$?
  [[ $code == 2 && $(wc -l <<<"$err") == 1 ]] || fail "--shard $bad: exit $code: $err"
done
code=0
"$DDSIM" --swarm --seeds 5..6 --shard 2/3 >/dev/null 2>&1 || code=$?
[[ $code == 2 ]] || fail "an empty shard exited $code"
echo "PASS"
