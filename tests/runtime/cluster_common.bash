# Shared helpers for the cluster tests: start real `dds master` / `dds node`
# processes on loopback, with mutual TLS under a CA made for the test (in
# $WORK/tls), find their bound addresses in their logs, poll with deadlines
# (never fixed sleeps), and clean up by PID on exit.
# Usage: source it from a test script whose $1 is the dds binary.
set -euo pipefail

DDS="$(realpath "${1:?usage: $0 PATH_TO_DDS}")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dds-cluster-test.XXXXXX")"
TOKEN="test-token-$$"
declare -A PID=()       # process name -> pid
declare -A HTTP=()      # process name -> "host:port" of its HTTP server
MASTER_CONTROL=""       # "127.0.0.1:port", fixed for the whole test
MASTER_URL=""           # "http://127.0.0.1:port"

cleanup() {
  local status=$?
  for name in "${!PID[@]}"; do kill -9 "${PID[$name]}" 2>/dev/null || true; done
  if ((status != 0)); then
    for log in "$WORK"/*.log; do
      [[ -f $log ]] || continue
      echo "---- $(basename "$log") (last 25 lines)" >&2
      tail -n 25 "$log" >&2
    done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

step() { echo "== $*"; }

# eventually SECONDS COMMAND...: runs COMMAND until it succeeds, polling every
# 20 ms; fails the test after SECONDS.
eventually() {
  local limit=$1
  shift
  local deadline=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.02
  done
}

# A free port below Linux's ephemeral range (32768 up): a port the kernel
# hands out for binding to 0 can be taken by any outgoing connection before
# the process meant to listen on it starts (dds_procs.py does the same).
free_port() {
  python3 -c '
import random, socket
while True:
    port = random.SystemRandom().randrange(15000, 32000)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            print(port)
            break
        except OSError:
            pass'
}

# bound_address LOG WHAT: the "host:port" a process logged as "<label>: WHAT
# host:port" (see runtime/log.h LogBound).
log_has_bound() { grep -qE ": $2 [^ ]+:[0-9]+$" "$1" 2>/dev/null; }
bound_address() {
  eventually 10 log_has_bound "$1" "$2" || fail "no '$2' address in $1"
  grep -E ": $2 [^ ]+:[0-9]+$" "$1" | tail -n 1 | awk '{print $NF}' | sed 's|^http://||'
}

# tls_flags NAME ROLE: the TLS flags of member NAME, issuing its certificate
# (and the test's CA) on first use. Every member trusts the bundle
# $WORK/trust.crt, at first the test CA's certificate alone.
tls_flags() {
  local name=$1 role=$2
  [[ -f $WORK/tls/ca.crt ]] || "$DDS" ca init "$WORK/tls" >/dev/null
  [[ -f $WORK/trust.crt ]] || cp "$WORK/tls/ca.crt" "$WORK/trust.crt"
  [[ -f $WORK/tls/$name.crt ]] ||
    "$DDS" ca issue "$name" --role "$role" --ca "$WORK/tls" >/dev/null
  echo --tls-ca "$WORK/trust.crt" --tls-cert "$WORK/tls/$name.crt" \
    --tls-key "$WORK/tls/$name.key"
}

# start_master: on fixed ports (chosen once), so that a restart keeps them.
start_master() {
  if [[ -z $MASTER_CONTROL ]]; then
    MASTER_CONTROL="127.0.0.1:$(free_port)"
    MASTER_URL="http://127.0.0.1:$(free_port)"
  fi
  : >"$WORK/master.log"
  local tls
  tls=$(tls_flags master master)
  # shellcheck disable=SC2086 # $tls is flags and paths without spaces
  "$DDS" master --listen "$MASTER_CONTROL" --http "${MASTER_URL#http://}" \
    --state-dir "$WORK/master" --admin-token "$TOKEN" $tls >>"$WORK/master.log" 2>&1 &
  PID[master]=$!
  disown
  HTTP[master]=$(bound_address "$WORK/master.log" http)
  eventually 10 curl -sf -o /dev/null "$MASTER_URL/healthz" || fail "master HTTP not up"
}

# start_node NAME [FLAGS...]: data dir $WORK/NAME (kept across restarts),
# free ports, FLAGS added (--source, say).
start_node() {
  local name=$1
  shift
  mkdir -p "$WORK/$name"
  : >"$WORK/$name.log"
  local tls
  tls=$(tls_flags "$name" node)
  # shellcheck disable=SC2086 # $tls is flags and paths without spaces
  "$DDS" node --name "$name" --master "$MASTER_CONTROL" --data-dir "$WORK/$name" \
    --listen 127.0.0.1:0 --http 127.0.0.1:0 --admin-token "$TOKEN" $tls "$@" \
    >>"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  disown
  HTTP[$name]=$(bound_address "$WORK/$name.log" http)
}

# Processes are disowned (no job noise); bash still reaps them, so "gone"
# means the kernel has released the process and its locks.
gone() { ! kill -0 "$1" 2>/dev/null; }

kill9() {
  kill -9 "${PID[$1]}"
  eventually 10 gone "${PID[$1]}" || fail "$1 survived kill -9"
  unset "PID[$1]"
}

alive() { kill -0 "${PID[$1]}" 2>/dev/null; }

# wait_converged NODES [SECONDS]: `dds wait` until converged with NODES up.
wait_converged() {
  "$DDS" wait --master "$MASTER_URL" --nodes "$1" --timeout "${2:-30}" >/dev/null ||
    fail "cluster did not converge with $1 nodes"
}

# A file's dds digest: the ETag nodes serve it with (core/entry.h).
sha_of() { "$DDS" digest "$1" | awk '{print $1}'; }

# serves NODE PATH SHA: NODE's HTTP answers HEAD /data/PATH with ETag "SHA".
serves() {
  local etag
  etag=$(curl -sfI "http://${HTTP[$1]}/data/$2" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "etag" {print $2}') || return 1
  [[ $etag == "\"$3\"" ]]
}

# not_served NODE PATH: NODE answers 404 for it.
not_served() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://${HTTP[$1]}/data/$2") == 404 ]]
}

# everywhere SECONDS PATH SHA NODES...: every node serves PATH with SHA, and
# its disk copy has that content.
everywhere() {
  local limit=$1 path=$2 sha=$3
  shift 3
  for node in "$@"; do
    eventually "$limit" serves "$node" "$path" "$sha" || fail "$node does not serve $path ($sha)"
    # A publish is served as soon as the node records it, and renamed into
    # place by the flush a moment later (docs/runtime.md, group commit).
    eventually 5 on_disk "$node" "$path" "$sha" || fail "$node's disk copy of $path differs"
  done
}

# on_disk NODE PATH SHA: the file is in place in NODE's data dir, with SHA.
on_disk() { [[ -f $WORK/$1/$2 && $(sha_of "$WORK/$1/$2") == "$3" ]]; }

# http_code [CURL ARGS...]: the status code curl sees.
http_code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

expect_code() {
  local want=$1
  shift
  local got
  got=$(http_code "$@")
  [[ $got == "$want" ]] || fail "curl $* gave $got, expected $want"
}

# How many connections the master's log LOG shows it refused (TLS handshake
# failures and admission refusals).
refusals_in() { grep -c "closed: .*\(TLS handshake\|refused\)" "$1" || true; }

# intrude LOG NAME CONTROL WHAT ARGS...: starts `dds node ARGS` named NAME
# against the master at CONTROL, with a data dir holding a newer README.txt
# and an injected.html (issue 9's intruder), waits for the master's log LOG
# to show one more refusal, and stops it.
intrude() {
  local log=$1 name=$2 control=$3 what=$4
  shift 4
  step "an intruder named $name: $what"
  rm -rf "$WORK/intruder" && mkdir -p "$WORK/intruder"
  echo "taken over" >"$WORK/intruder/README.txt"
  touch -d '+1 hour' "$WORK/intruder/README.txt"
  echo "<script>alert(1)</script>" >"$WORK/intruder/injected.html"
  local before
  before=$(refusals_in "$log")
  "$DDS" node --name "$name" --master "$control" --data-dir "$WORK/intruder" \
    --listen 127.0.0.1:0 --http 127.0.0.1:0 "$@" >"$WORK/intruder.log" 2>&1 &
  PID[intruder]=$!
  disown
  more_refusals() { (($(refusals_in "$log") > before)); }
  eventually 15 more_refusals || fail "the master did not refuse $what"
  kill9 intruder
  grep "closed: .*\(TLS handshake\|refused\)" "$log" | tail -n 1
}
