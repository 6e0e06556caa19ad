#!/usr/bin/env bash
# Goal: the users' side over HTTPS. Master and nodes serve HTTPS with
# certificates from the cluster CA (`dds ca issue --host`); the client verbs
# and curl verify them; an upload is forwarded to a node over HTTPS; a user
# who came over HTTPS is redirected only to HTTPS mirrors, never to a node
# that serves plain HTTP; plaintext on an HTTPS port is refused with one log
# line and changes nothing; SIGHUP serves a new certificate without a
# restart.
# Method: real processes on loopback (mutual TLS between them as usual), n1
# and n2 on HTTPS, n3 on plain HTTP. End check: every node's copy by hash.
source "$(dirname "$0")/cluster_common.bash"

CA="$WORK/tls/ca.crt"
https_flags() {
  [[ -f $WORK/tls/web-$1.crt ]] ||
    "$DDS" ca issue "web-$1" --role node --host 127.0.0.1 --ca "$WORK/tls" >/dev/null
  echo --https-cert "$WORK/tls/web-$1.crt" --https-key "$WORK/tls/web-$1.key"
}

start_https_node() {
  local name=$1
  mkdir -p "$WORK/$name"
  local flags
  flags="$(tls_flags "$name" node) $(https_flags "$name")"
  # shellcheck disable=SC2086 # flags and paths without spaces
  "$DDS" node --name "$name" --master "$MASTER_CONTROL" --data-dir "$WORK/$name" \
    --listen 127.0.0.1:0 --http 127.0.0.1:0 --admin-token "$TOKEN" $flags \
    >>"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  disown
  eventually 10 log_has_bound "$WORK/$name.log" http || fail "$name did not bind HTTP"
  HTTP[$name]=$(grep -E ": http https://" "$WORK/$name.log" | tail -n 1 | awk '{print $NF}')
}

step "a master and two nodes on HTTPS, one node on plain HTTP"
MASTER_CONTROL="127.0.0.1:$(free_port)"
MASTER_URL="https://127.0.0.1:$(free_port)"
flags="$(tls_flags master master) $(https_flags master)"
# shellcheck disable=SC2086 # flags and paths without spaces
"$DDS" master --listen "$MASTER_CONTROL" --http "${MASTER_URL#https://}" \
  --state-dir "$WORK/master" --admin-token "$TOKEN" $flags >>"$WORK/master.log" 2>&1 &
PID[master]=$!
disown
eventually 10 curl -sf --cacert "$CA" -o /dev/null "$MASTER_URL/healthz" ||
  fail "master HTTPS not up"
start_https_node n1
start_https_node n2
start_node n3
[[ ${HTTP[n1]} == https://127.0.0.1:* && ${HTTP[n3]} != https://* ]] ||
  fail "unexpected front ends: ${HTTP[n1]} ${HTTP[n3]}"
export DDS_TLS_CA="$CA"
wait_converged 3

step "the client verbs verify the master; without the CA they refuse"
"$DDS" status --master "$MASTER_URL" | grep -q "https://127.0.0.1" || fail "status"
code=0
DDS_TLS_CA="" "$DDS" status --master "$MASTER_URL" 2>"$WORK/err" >/dev/null || code=$?
[[ $code == 1 ]] || fail "status without the CA exited $code"
grep -q "certificate verify failed" "$WORK/err" || fail "unclear refusal: $(cat "$WORK/err")"

step "an upload through the master reaches a node over HTTPS, then every node"
head -c 300000 /dev/urandom >"$WORK/up.bin"
sha=$(sha_of "$WORK/up.bin")
"$DDS" put --master "$MASTER_URL" --token "$TOKEN" "$WORK/up.bin" up.bin >/dev/null
wait_converged 3
for node in n1 n2 n3; do
  [[ $(sha_of "$WORK/$node/up.bin") == "$sha" ]] || fail "$node's copy of up.bin differs"
done

step "over HTTPS the master redirects only to HTTPS mirrors"
for _ in 1 2 3 4 5 6; do
  location=$(curl -s --cacert "$CA" -o /dev/null -w '%{redirect_url}' "$MASTER_URL/data/up.bin")
  [[ $location == "${HTTP[n1]}/data/up.bin" || $location == "${HTTP[n2]}/data/up.bin" ]] ||
    fail "redirected to $location"
done
curl -sfL --cacert "$CA" -o "$WORK/down.bin" "$MASTER_URL/data/up.bin" ||
  fail "the redirected download failed"
[[ $(sha_of "$WORK/down.bin") == "$sha" ]] || fail "the redirected download differs"
curl -sf --cacert "$CA" "$MASTER_URL/mirrors" | grep -q "${HTTP[n3]}" &&
  fail "/mirrors over HTTPS lists a plain HTTP mirror"

step "plaintext on an HTTPS port is refused with one line, and nothing changes"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://${MASTER_URL#https://}/api/status" || true)
[[ $code == 000 ]] || fail "plaintext got an answer: $code"
refused() { grep -q "https: handshake with 127.0.0.1:[0-9]* failed: http request" "$WORK/master.log"; }
eventually 10 refused || fail "the master did not log the plaintext request"
curl -sf --cacert "$CA" -o /dev/null "$MASTER_URL/healthz" || fail "master HTTPS down"

step "SIGHUP serves a new certificate from a new CA to new connections"
"$DDS" ca init "$WORK/ca2" >/dev/null
"$DDS" ca issue web-n1 --role node --host 127.0.0.1 --ca "$WORK/ca2" --out "$WORK/tls" \
  --force >/dev/null
kill -HUP "${PID[n1]}"
reloaded() { grep -q "SIGHUP: HTTPS credentials reloaded" "$WORK/n1.log"; }
eventually 10 reloaded || fail "n1 did not reload its HTTPS certificate"
curl -sf --cacert "$WORK/ca2/ca.crt" -o /dev/null "${HTTP[n1]}/healthz" ||
  fail "n1 does not serve the new certificate"
curl -sf --cacert "$CA" -o /dev/null "${HTTP[n1]}/healthz" &&
  fail "n1 still serves the old certificate"
alive n1 || fail "n1 died"

step "every node still holds every file"
for node in n1 n2 n3; do
  [[ $(sha_of "$WORK/$node/up.bin") == "$sha" ]] || fail "$node's copy of up.bin changed"
done
echo "PASS"
