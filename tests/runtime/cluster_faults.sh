#!/usr/bin/env bash
# Goal: crashes lose nothing. A node killed with SIGKILL catches up on
# restart; a node joining late receives everything; a file deleted while a
# node was down stays deleted when it returns; the master killed with SIGKILL
# restarts with its whole catalog. Method: master + 3 (then 4) nodes on
# loopback; kill -9 by PID; checks through HTTP ETags, disks and /api/files.
source "$(dirname "$0")/cluster_common.bash"

start_master
for n in n1 n2 n3; do start_node "$n"; done
echo "doomed" >"$WORK/n1/doomed.txt"
echo "base" >"$WORK/n1/base.txt"
wait_converged 3
everywhere 10 doomed.txt "$(sha_of "$WORK/n1/doomed.txt")" n1 n2 n3

step "kill -9 a node; new files and a delete meanwhile; restart: it catches up"
kill9 n3
for i in $(seq 1 20); do echo "while n3 was down: $i" >"$WORK/n1/during-$i.txt"; done
everywhere 10 during-20.txt "$(sha_of "$WORK/n1/during-20.txt")" n1 n2
"$DDS" rm --master "$MASTER_URL" --token "$TOKEN" doomed.txt
eventually 10 not_served n2 doomed.txt || fail "n2 still serves doomed.txt"
start_node n3
wait_converged 3
for i in $(seq 1 20); do
  everywhere 10 "during-$i.txt" "$(sha_of "$WORK/n1/during-$i.txt")" n3
done
eventually 10 test ! -e "$WORK/n3/doomed.txt" || fail "the deleted file came back on n3"
not_served n3 doomed.txt || fail "n3 serves a deleted file"

step "a fourth node joining late receives everything"
start_node n4
wait_converged 4
for f in base.txt during-1.txt during-20.txt; do
  everywhere 10 "$f" "$(sha_of "$WORK/n1/$f")" n4
done

step "kill -9 the master; restart: nothing lost"
before=$(curl -sf "$MASTER_URL/api/files")
kill9 master
echo "written while the master was down" >"$WORK/n2/masterless.txt"
start_master
wait_converged 4 60
after=$(curl -sf "$MASTER_URL/api/files")
python3 - "$before" "$after" <<'PY' || fail "catalog lost entries across the master restart"
import json, sys
before = {e["path"]: e for e in json.loads(sys.argv[1])["files"]}
after = {e["path"]: e for e in json.loads(sys.argv[2])["files"]}
lost = [p for p, e in before.items()
        if p not in after or after[p]["version"] < e["version"]]
sys.exit(1 if lost else 0)
PY
everywhere 20 masterless.txt "$(sha_of "$WORK/n2/masterless.txt")" n1 n2 n3 n4
for n in n1 n2 n3 n4; do alive "$n" || fail "$n died"; done
echo "PASS"
