#!/usr/bin/env bash
# Goal: certificates rotate under a running cluster, CA included, without a
# restart: after SIGHUP every process uses the files' new credentials for
# its new connections, and the cluster keeps converging; a reload that
# fails keeps the current credentials. Method: a TLS cluster of real
# processes (cluster_common.bash: all trust $WORK/trust.crt); a second CA;
# trust both, SIGHUP; re-issue every certificate from the new CA, SIGHUP;
# trust the new CA only, SIGHUP. Then a node killed and restarted must be let
# in by the reloaded master, and a new file must reach every node, over new
# node-to-node connections made with the reloaded credentials.
source "$(dirname "$0")/cluster_common.bash"

MEMBERS=(master n1 n2)
start_master
start_node n1
start_node n2
echo one >"$WORK/n1/one.txt"
everywhere 30 one.txt "$(sha_of "$WORK/n1/one.txt")" n1 n2

reloads() { grep -c "TLS: credentials reloaded" "$WORK/$1.log" || true; }

# hang_up: SIGHUP to every member; waits until each has reloaded once more.
hang_up() {
  local name want
  for name in "${MEMBERS[@]}"; do
    want=$(($(reloads "$name") + 1))
    kill -HUP "${PID[$name]}"
    reloaded() { (($(reloads "$1") >= $2)); }
    eventually 10 reloaded "$name" "$want" || fail "$name did not reload its credentials"
  done
}

step "a reload that fails keeps the current credentials"
mv "$WORK/tls/n1.key" "$WORK/n1.key.aside"
kill -HUP "${PID[n1]}"
failed_reload() { grep -q "TLS credentials not reloaded" "$WORK/n1.log"; }
eventually 10 failed_reload || fail "n1 did not report its failed reload"
mv "$WORK/n1.key.aside" "$WORK/tls/n1.key"
alive n1 || fail "a failed reload stopped n1"

step "trust the old and the new CA"
"$DDS" ca init "$WORK/tls2" >/dev/null
cat "$WORK/tls/ca.crt" "$WORK/tls2/ca.crt" >"$WORK/trust.crt"
hang_up

step "every member gets a certificate of the new CA"
"$DDS" ca issue master --role master --ca "$WORK/tls2" --out "$WORK/tls" --force >/dev/null
for n in n1 n2; do
  "$DDS" ca issue "$n" --role node --ca "$WORK/tls2" --out "$WORK/tls" --force >/dev/null
done
hang_up

step "trust the new CA only"
cp "$WORK/tls2/ca.crt" "$WORK/trust.crt"
hang_up

step "new connections use the new credentials"
kill9 n2
start_node n2
echo two >"$WORK/n1/two.txt"
everywhere 30 two.txt "$(sha_of "$WORK/n1/two.txt")" n1 n2
wait_converged 2
! grep -q "closed: \(TLS handshake\|refused\)" "$WORK"/*.log ||
  fail "a connection was refused: $(grep -h "closed: \(TLS handshake\|refused\)" "$WORK"/*.log)"
echo "PASS"
