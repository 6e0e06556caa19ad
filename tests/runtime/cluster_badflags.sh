#!/usr/bin/env bash
# Goal: `dds master` and `dds node` refuse a bad address flag (--listen,
# --http, --master, --advertise, on the command line or in a --config file),
# and missing, contradictory or unusable TLS and HTTPS flags,
# with a one-line error and exit 2, before they create anything on disk.
# Method: run each bad invocation in an empty directory, pointing every
# state and data dir inside it, then check the exit code, stderr and that the
# directory is still empty.
source "$(dirname "$0")/cluster_common.bash"

# refused FLAG ARGS...: `dds ARGS` must exit 2 with one stderr line naming
# FLAG and leave its (empty) working directory empty.
refused() {
  local flag=$1
  shift
  local dir="$WORK/run"
  rm -rf "$dir" && mkdir "$dir"
  local code=0
  (cd "$dir" && timeout 10 "$DDS" "$@") >"$WORK/out" 2>"$WORK/err" || code=$?
  [[ $code == 2 ]] || fail "dds $*: exit $code, want 2: $(cat "$WORK/err")"
  [[ $(wc -l <"$WORK/err") == 1 ]] || fail "dds $*: stderr is not one line: $(cat "$WORK/err")"
  grep -q -- "$flag" "$WORK/err" || fail "dds $*: error does not name $flag: $(cat "$WORK/err")"
  [[ -z $(ls -A "$dir") ]] || fail "dds $*: created $(ls -A "$dir")"
}

step "master: bad --listen, --http, --advertise"
refused --listen master --listen nonsense --state-dir state
refused --listen master --listen 127.0.0.1:99999 --state-dir state
refused --listen master --listen no-such-host.invalid:0 --state-dir state
refused --http master --listen :0 --http nonsense --state-dir state
refused --advertise master --listen :0 --advertise nonsense --state-dir state
refused --listen master --listen nonsense  # the default state dir, dds-master

step "node: bad --master, --listen, --http, --advertise"
refused --master node --master nonsense --data-dir data
refused --master node --master 127.0.0.1: --data-dir data
refused --listen node --master 127.0.0.1:1 --listen nonsense --data-dir data
refused --http node --master 127.0.0.1:1 --http nonsense --data-dir data
refused --advertise node --master 127.0.0.1:1 --advertise x --data-dir data \
  --state-dir state

step "no TLS credentials and no --insecure; both at once"
refused --tls-ca master --listen :0 --state-dir state
refused --tls-ca node --master 127.0.0.1:1 --data-dir data
touch "$WORK/ca.crt"
refused --insecure master --insecure --tls-ca "$WORK/ca.crt" --state-dir state
refused --tls-cert node --master 127.0.0.1:1 --data-dir data --tls-cert "$WORK/missing.crt"

step "HTTPS: a certificate without its key; a key of another certificate"
"$DDS" ca init "$WORK/ca" >/dev/null
"$DDS" ca issue a --role node --ca "$WORK/ca" --host 127.0.0.1 >/dev/null
"$DDS" ca issue b --role node --ca "$WORK/ca" >/dev/null
refused --https-key master --insecure --listen :0 --https-cert "$WORK/ca/a.crt" \
  --state-dir state
refused "mismatch" node --insecure --master 127.0.0.1:1 --data-dir data \
  --https-cert "$WORK/ca/a.crt" --https-key "$WORK/ca/b.key"
refused "HTTPS certificate" master --insecure --listen :0 --state-dir state \
  --https-cert "$WORK/ca/ca.key" --https-key "$WORK/ca/a.key"

step "a bad address in a --config file"
printf '[master]\nlisten = "nonsense"\n' >"$WORK/bad.toml"
refused --listen master --config "$WORK/bad.toml" --state-dir state
echo "PASS"
