#!/usr/bin/env bash
# Goal: only members get in. A process that claims node n1's name without a
# certificate, with a certificate of another CA, with an expired one, or
# with another member's certificate, a connection that never finishes its
# handshake, and garbage sent after a good handshake, change
# nothing: the master keeps n1 at its own address, every node keeps its
# files, the master stays up, and each refusal is one log line naming the
# peer and the reason (the takeover of issue 9: before TLS, a newcomer
# named n1 replaced README.txt everywhere and injected a file).
# Method: a TLS cluster of real processes on loopback; each intruder holds
# a README.txt with other content and a later mtime, and injected.html.
# End check: every node's files by hash, and the master's view of n1.
source "$(dirname "$0")/cluster_common.bash"

start_master
start_node n1
start_node n2
echo "the original README" >"$WORK/n1/README.txt"
readme=$(sha_of "$WORK/n1/README.txt")
everywhere 30 README.txt "$readme" n1 n2
wait_converged 2

n1_http() {
  curl -sf "$MASTER_URL/api/status" | python3 -c '
import json, sys
print(next(n["http_address"] for n in json.load(sys.stdin)["nodes"] if n["name"] == "n1"))'
}
n1_address=$(n1_http)

intrude "$WORK/master.log" n1 "$MASTER_CONTROL" "no certificate" --insecure
"$DDS" ca init "$WORK/other-ca" >/dev/null
"$DDS" ca issue n1 --role node --ca "$WORK/other-ca" >/dev/null
intrude "$WORK/master.log" n1 "$MASTER_CONTROL" "a certificate of another CA" \
  --tls-ca "$WORK/other-ca/ca.crt" \
  --tls-cert "$WORK/other-ca/n1.crt" --tls-key "$WORK/other-ca/n1.key"

step "an intruder with member n3's certificate, named n1, is refused at start"
"$DDS" ca issue n3 --role node --ca "$WORK/tls" >/dev/null
code=0
"$DDS" node --name n1 --master "$MASTER_CONTROL" --data-dir "$WORK/intruder3" \
  --tls-ca "$WORK/tls/ca.crt" --tls-cert "$WORK/tls/n3.crt" --tls-key "$WORK/tls/n3.key" \
  2>"$WORK/err" || code=$?
[[ $code == 2 ]] || fail "an n3 certificate ran as n1 (exit $code)"
grep -q "is for n3, not n1" "$WORK/err" || fail "unclear refusal: $(cat "$WORK/err")"
[[ ! -e $WORK/intruder3 ]] || fail "the refused node created its data dir"

# handshake_then WHAT CERT KEY PATTERN: a TLS client (openssl s_client)
# presenting CERT connects to the master and sends garbage; the master must
# log one line matching PATTERN.
handshake_then() {
  step "$1"
  printf 'GET / HTTP/1.1\r\n\r\n\x00\xff garbage' |
    timeout 10 openssl s_client -quiet -no_ign_eof -connect "$MASTER_CONTROL" \
      -CAfile "$WORK/tls/ca.crt" -cert "$2" -key "$3" >/dev/null 2>&1 || true
  logged() { grep -q "$4" "$WORK/master.log"; }
  eventually 10 logged "$@" || fail "the master did not refuse: $1"
  grep "$4" "$WORK/master.log" | tail -n 1
}

openssl req -new -key "$WORK/tls/n1.key" -subj "/CN=n1/OU=dds-node" \
  -out "$WORK/n1.csr" 2>/dev/null
openssl x509 -req -in "$WORK/n1.csr" -CA "$WORK/tls/ca.crt" -CAkey "$WORK/tls/ca.key" \
  -days -1 -out "$WORK/expired.crt" 2>/dev/null
handshake_then "n1's key with an expired certificate of the cluster CA" \
  "$WORK/expired.crt" "$WORK/tls/n1.key" "closed: TLS handshake: .*certificate has expired"
"$DDS" ca issue n4 --role node --ca "$WORK/tls" >/dev/null
handshake_then "member n4's certificate, then garbage instead of a hello" \
  "$WORK/tls/n4.crt" "$WORK/tls/n4.key" "closed: .*\(hello\|frame\)"

step "a connection that never finishes its handshake is closed"
exec 3<>"/dev/tcp/${MASTER_CONTROL%:*}/${MASTER_CONTROL#*:}"
stalled() { grep -q "closed: TLS handshake not completed in time" "$WORK/master.log"; }
eventually 15 stalled || fail "a stalled handshake was not closed"
exec 3>&-

step "status shows each member's certificate expiry"
"$DDS" status --master "$MASTER_URL" >"$WORK/status"
grep -qE "^n1 .* 20[0-9]{2}-[0-9]{2}-[0-9]{2} " "$WORK/status" || fail "no expiry for n1: $(cat "$WORK/status")"
grep -qE "master certificate until 20[0-9]{2}-" "$WORK/status" || fail "no expiry for the master"
! grep -q "expires soon" "$WORK/status" || fail "a fresh certificate is flagged"

step "nothing changed"
alive master || fail "the master died"
[[ $(n1_http) == "$n1_address" ]] || fail "the master now sends n1's users elsewhere"
wait_converged 2
for node in n1 n2; do
  [[ $(sha_of "$WORK/$node/README.txt") == "$readme" ]] || fail "$node's README.txt changed"
  [[ ! -e $WORK/$node/injected.html ]] || fail "injected.html reached $node"
  serves "$node" README.txt "$readme" || fail "$node does not serve the original README.txt"
done
echo "PASS"
