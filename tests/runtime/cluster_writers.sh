#!/usr/bin/env bash
# Goal: the data directory as people write to it. Writers' scratch files
# (rsync's temp names, an editor's swap and backup files) never reach the
# catalog or another node; `rsync -a --delete` into a source node keeps
# every node equal to the source tree; a rename on a source is a move
# (mirrors rename, they do not pull), on a mirror it is damage (both names
# stay); `dds mv` renames everywhere; the cluster-wide ignore patterns are
# set with `dds ignore` and leave ignored files on the disks; a file whose
# name dds refuses is reported (log, status, metrics), not silently skipped.
# Method: master, 2 mirrors and a source on loopback; the end state is
# checked on every disk and in the catalog (`dds ls`), and every file
# served is checked against its ETag.
source "$(dirname "$0")/cluster_common.bash"
NODES=(n1 n2 src)

# files_under NODE DIR: the regular files below NODE's DIR, relative, sorted.
files_under() { (cd "$WORK/$1/$2" && find . -type f -printf '%P\n' | LC_ALL=C sort); }
catalog() { "$DDS" ls --master "$MASTER_URL" | awk '{print $NF}' | LC_ALL=C sort; }
# same_files NODE DIR EXPECTED: NODE's DIR holds exactly the EXPECTED list.
same_files() { [[ $(files_under "$1" "$2") == "$3" ]]; }
no_scratch_in_catalog() {
  local scratch
  scratch=$(catalog | grep -E '(^|/)(\.[^/]*\.[A-Za-z0-9]{6}|\.[^/]*\.sw[pox]|[^/]*~)$' || true)
  [[ -z $scratch ]] || fail "scratch files in the catalog: $scratch"
}

# tree_is DIR: every node's DIR holds exactly the files of $WORK/build, with
# their content.
tree_is() {
  local expected
  expected=$(cd "$WORK/build" && find . -type f -printf '%P\n' | LC_ALL=C sort)
  wait_converged 3
  for n in "${NODES[@]}"; do
    eventually 15 same_files "$n" "$1" "$expected" || fail "$n/$1 holds $(files_under "$n" "$1")"
  done
  while read -r f; do
    everywhere 10 "$1/$f" "$(sha_of "$WORK/build/$f")" "${NODES[@]}"
  done <<<"$expected"
  no_scratch_in_catalog
}

start_master
start_node n1
start_node n2
start_node src --source
wait_converged 3

step "rsync -a into the source: temp files never replicate"
mkdir -p "$WORK/build"
for i in $(seq 1 20); do head -c 300000 /dev/urandom >"$WORK/build/f$i.bin"; done
rsync -a "$WORK/build/" "$WORK/src/up/"
tree_is up

step "rsync -a --delete into the source: deletes, renames, edits, additions"
rm "$WORK/build/f1.bin" "$WORK/build/f2.bin"
mkdir -p "$WORK/build/sub"
mv "$WORK/build/f4.bin" "$WORK/build/sub/f4.bin"
head -c 100000 /dev/urandom >"$WORK/build/f5.bin"
head -c 200000 /dev/urandom >"$WORK/build/new.bin"
rsync -a --delete "$WORK/build/" "$WORK/src/up/"
tree_is up

step "a rename on the source is a move: mirrors rename their copy"
mv "$WORK/src/up/f6.bin" "$WORK/src/up/sub/f6-renamed.bin"
mv "$WORK/build/f6.bin" "$WORK/build/sub/f6-renamed.bin"
tree_is up
grep -q "n1: moved up/sub/f6-renamed.bin from up/f6.bin" "$WORK/n1.log" ||
  fail "n1 did not rename its copy of up/f6.bin"

step "a rename on a mirror is not a delete: both names stay"
mv "$WORK/n1/up/f7.bin" "$WORK/n1/up/f7-renamed.bin"
cp "$WORK/build/f7.bin" "$WORK/build/f7-renamed.bin"
tree_is up

step "dds mv: every node renames its copy"
"$DDS" mv --master "$MASTER_URL" --token "$TOKEN" up/f8.bin up/sub/f8-moved.bin
mv "$WORK/build/f8.bin" "$WORK/build/sub/f8-moved.bin"
tree_is up
for n in n1 n2 src; do
  grep -q "$n: moved up/sub/f8-moved.bin from up/f8.bin" "$WORK/$n.log" ||
    fail "$n did not rename its copy of up/f8.bin"
done

step "an editor's save: swap file, backup, write, rename into place"
mkdir -p "$WORK/n2/notes"
echo "first draft" >"$WORK/n2/notes/todo.txt"
everywhere 10 notes/todo.txt "$(sha_of "$WORK/n2/notes/todo.txt")" "${NODES[@]}"
echo "swap" >"$WORK/n2/notes/.todo.txt.swp"
cp "$WORK/n2/notes/todo.txt" "$WORK/n2/notes/todo.txt~"
echo "second draft" >"$WORK/n2/notes/#todo.txt#"
echo "second draft" >"$WORK/n2/notes/.todo.txt.tmp"
mv "$WORK/n2/notes/.todo.txt.tmp" "$WORK/n2/notes/todo.txt"
rm "$WORK/n2/notes/.todo.txt.swp" "$WORK/n2/notes/#todo.txt#"
sha=$(sha_of "$WORK/n2/notes/todo.txt")
everywhere 10 notes/todo.txt "$sha" "${NODES[@]}"
wait_converged 3
same_files n1 notes "todo.txt" || fail "n1/notes holds $(files_under n1 notes)"
[[ -f $WORK/n2/notes/todo.txt~ ]] || fail "dds touched the editor's backup on n2"
no_scratch_in_catalog

step "dds ignore: a new pattern takes files out of the catalog, not off the disks"
for n in "${NODES[@]}"; do
  [[ -f $WORK/$n/up/f3.bin ]] || fail "$n lacks up/f3.bin"
done
"$DDS" ignore add --master "$MASTER_URL" --token "$TOKEN" 'up/f3.*'
"$DDS" ignore ls --master "$MASTER_URL" | grep -qx 'up/f3\.\*' || fail "ignore ls lacks the pattern"
not_in_catalog() { ! catalog | grep -qx "$1"; }
eventually 10 not_in_catalog up/f3.bin || fail "up/f3.bin still in the catalog"
for n in "${NODES[@]}"; do
  eventually 10 not_served "$n" up/f3.bin || fail "$n still serves an ignored file"
done
wait_converged 3
for n in "${NODES[@]}"; do
  [[ -f $WORK/$n/up/f3.bin ]] || fail "dds deleted the ignored up/f3.bin on $n"
done
rm "$WORK/n2/up/f3.bin"  # not restored: ignored
echo "new and ignored" >"$WORK/n1/up/f3.txt"
expect_code 400 -X PUT --data-binary x -H "Authorization: Bearer $TOKEN" "http://${HTTP[n1]}/data/up/f3.x"
wait_converged 3
[[ ! -e $WORK/n2/up/f3.bin && ! -e $WORK/n2/up/f3.txt ]] || fail "an ignored file reached n2"
[[ -f $WORK/src/up/f3.bin ]] || fail "the source lost its ignored up/f3.bin"
expect_code 400 -H "Authorization: Bearer $TOKEN" -X POST "$MASTER_URL/api/ignore?add=%23bad"
expect_code 401 -X POST "$MASTER_URL/api/ignore?add=x"

step "removing the pattern: the files it covered are reported again"
"$DDS" ignore rm --master "$MASTER_URL" --token "$TOKEN" 'up/f3.*'
everywhere 15 up/f3.txt "$(sha_of "$WORK/n1/up/f3.txt")" "${NODES[@]}"
everywhere 15 up/f3.bin "$(sha_of "$WORK/n1/up/f3.bin")" "${NODES[@]}"

step "a large write still in progress: not reported, nor served, before it is done"
# served_whole NODE PATH: whatever NODE serves for PATH hashes to its ETag.
served_whole() {
  local code etag
  code=$(curl -s -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' "http://${HTTP[$1]}/data/$2")
  [[ $code == 200 ]] || return 0
  etag=$(tr -d '\r' <"$WORK/headers" | awk -F': ' 'tolower($1) == "etag" {print $2}')
  [[ $etag == "\"$(sha_of "$WORK/body")\"" ]] || fail "$1 served $2 not matching its ETag"
}
# Into a new directory, so the watcher's walk of it may find the file at its
# first bytes; the writer pauses (100 ms) less than the settle time (250 ms).
(
  mkdir -p "$WORK/n1/big"
  for _ in $(seq 1 12); do head -c 1048576 /dev/urandom; sleep 0.1; done >"$WORK/n1/big/slow.bin"
) &
writer=$!
while kill -0 "$writer" 2>/dev/null; do
  for n in "${NODES[@]}"; do served_whole "$n" big/slow.bin; done
done
wait "$writer"
everywhere 15 big/slow.bin "$(sha_of "$WORK/n1/big/slow.bin")" "${NODES[@]}"
[[ $("$DDS" ls --master "$MASTER_URL" big/ | awk '{print $2}') == v1 ]] ||
  fail "a partial big/slow.bin was recorded: $("$DDS" ls --master "$MASTER_URL" big/)"

step "a name dds cannot take is reported once, counted, and left alone"
printf 'x' >"$WORK/n1/up/line"$'\n'"break.txt"
refused_logged() { grep -q 'not replicated, path "up/line?break.txt": control character' "$WORK/n1.log"; }
eventually 5 refused_logged || fail "the refused name was not logged"
refused_counted() {
  curl -sf "$MASTER_URL/api/status" | grep -q '"name":"n1"[^}]*"refused_names":1' &&
    curl -sf "http://${HTTP[n1]}/metrics" | grep -qx 'dds_node_refused_names 1'
}
eventually 10 refused_counted || fail "the refused name is not counted"
"$DDS" status --master "$MASTER_URL" | grep -q "1 files with names dds refuses" ||
  fail "dds status does not show the refused name"
[[ $(grep -c 'not replicated, path "up/line?break.txt"' "$WORK/n1.log") == 1 ]] ||
  fail "the refused name was logged more than once"
[[ ! -e $WORK/n2/up/line$'\n'break.txt ]] || fail "the refused name reached n2"
echo "PASS"
