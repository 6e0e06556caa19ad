#!/usr/bin/env bash
# Goal: the replication contract on real processes, real disks and real
# sockets: files present at start converge; a new or changed file on one node
# reaches all; a file deleted from a disk comes back; an explicit delete
# removes it everywhere. Method: master + 3 nodes on loopback, checks through
# each node's HTTP (HEAD ETag = content digest) and its disk, bounded polls.
source "$(dirname "$0")/cluster_common.bash"
NODES=(n1 n2 n3)

step "three nodes start with files already in their data dirs"
for n in "${NODES[@]}"; do
  mkdir -p "$WORK/$n/docs"
  echo "written on $n" >"$WORK/$n/docs/$n.txt"
done
head -c 3000000 /dev/urandom >"$WORK/n1/big.bin"  # several transfer chunks
start_master
for n in "${NODES[@]}"; do start_node "$n"; done
wait_converged 3
for n in "${NODES[@]}"; do
  everywhere 10 "docs/$n.txt" "$(sha_of "$WORK/$n/docs/$n.txt")" "${NODES[@]}"
done
everywhere 10 big.bin "$(sha_of "$WORK/n1/big.bin")" "${NODES[@]}"

step "a file written into one node's data dir reaches the others"
echo "fresh content" >"$WORK/n2/fresh.txt"
everywhere 10 fresh.txt "$(sha_of "$WORK/n2/fresh.txt")" "${NODES[@]}"

step "a changed file becomes a new version everywhere"
echo "changed on n3" >"$WORK/n3/docs/n1.txt"
everywhere 10 docs/n1.txt "$(sha_of "$WORK/n3/docs/n1.txt")" "${NODES[@]}"

step "a file deleted from a node's disk comes back"
sha=$(sha_of "$WORK/n1/big.bin")
rm "$WORK/n1/big.bin"
eventually 10 test -f "$WORK/n1/big.bin" || fail "big.bin not restored on n1"
everywhere 10 big.bin "$sha" "${NODES[@]}"

step "an explicit delete removes the file everywhere"
"$DDS" rm --master "$MASTER_URL" --token "$TOKEN" fresh.txt
for n in "${NODES[@]}"; do
  eventually 10 not_served "$n" fresh.txt || fail "$n still serves fresh.txt"
  eventually 10 test ! -e "$WORK/$n/fresh.txt" || fail "fresh.txt still on $n's disk"
done
wait_converged 3
echo "PASS"
