#!/usr/bin/env bash
# Goal: the takeover of issue 9 fails against a default `dds cluster`.
# Before TLS, a process started with no credential at all as node1 of a
# running `dds cluster --nodes 2 --sample-files` became node1 within a
# second: its README.txt (other content, later mtime) replaced the
# cluster's everywhere, its injected.html reached every node, and the
# master sent node1's users to it. Now the master refuses it (one log line
# naming the peer and the reason), with no certificate and with one of
# another CA, and nothing changes.
# Method: the real `dds cluster` (its own CA in DIR/tls); intruders as in
# the issue. End check: every node's files by hash, and the master's view
# of node1.
source "$(dirname "$0")/cluster_common.bash"

# `dds cluster` is stopped with SIGTERM, so that it stops its children.
CLUSTER_PID=""
stop_cluster() {
  [[ -n $CLUSTER_PID ]] || return 0
  kill -TERM "$CLUSTER_PID" 2>/dev/null || true
  eventually 20 gone "$CLUSTER_PID" || kill -9 "$CLUSTER_PID" 2>/dev/null || true
  CLUSTER_PID=""
}
trap 'stop_cluster; cleanup' EXIT

step "a default dds cluster of two nodes with sample files"
"$DDS" cluster --nodes 2 --dir "$WORK/c" --sample-files >"$WORK/cluster.out" \
  2>"$WORK/cluster.log" &
CLUSTER_PID=$!
disown
announced() { grep -q "Ctrl-C stops the cluster" "$WORK/cluster.out"; }
eventually 30 announced || fail "the cluster did not come up"
control=$(awk '$1 == "master" {print $NF}' "$WORK/cluster.out")
MASTER_URL=$(awk '$1 == "master" {print $2}' "$WORK/cluster.out")
[[ $control == 127.0.0.1:* && $MASTER_URL == http://* ]] || fail "$(cat "$WORK/cluster.out")"
wait_converged 2
readme=$(sha_of "$WORK/c/node1/README.txt")
[[ $(sha_of "$WORK/c/node2/README.txt") == "$readme" ]] || fail "not replicated"
node1_http() {
  curl -sf "$MASTER_URL/api/status" | python3 -c '
import json, sys
print(next(n["http_url"] for n in json.load(sys.stdin)["nodes"] if n["name"] == "node1"))'
}
node1_url=$(node1_http)

intrude "$WORK/cluster.log" node1 "$control" "no credential at all" --insecure
"$DDS" ca init "$WORK/other" >/dev/null
"$DDS" ca issue node1 --role node --ca "$WORK/other" >/dev/null
intrude "$WORK/cluster.log" node1 "$control" "a certificate of another CA" \
  --tls-ca "$WORK/other/ca.crt" \
  --tls-cert "$WORK/other/node1.crt" --tls-key "$WORK/other/node1.key"

step "nothing changed"
wait_converged 2
[[ $(node1_http) == "$node1_url" ]] || fail "the master now sends node1's users elsewhere"
for node in node1 node2; do
  [[ $(sha_of "$WORK/c/$node/README.txt") == "$readme" ]] || fail "$node's README.txt changed"
  [[ ! -e $WORK/c/$node/injected.html ]] || fail "injected.html reached $node"
done
stop_cluster
echo "PASS"
