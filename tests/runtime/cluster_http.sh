#!/usr/bin/env bash
# Goal: the HTTP surfaces behave as docs/http.md says, and hostile input
# neither leaks files nor hurts the process. Method: master + 2 nodes on
# loopback, probed with curl (--path-as-is for traversal attempts), the dds
# client verbs, and raw garbage written to the control and HTTP ports.
source "$(dirname "$0")/cluster_common.bash"

mkdir -p "$WORK/n1/dir/sub"
printf 'hello, world\n' >"$WORK/n1/hello.txt"
printf 'deep\n' >"$WORK/n1/dir/sub/deep.txt"
echo "outside the data dir" >"$WORK/secret.txt"
start_master
start_node n1
start_node n2
wait_converged 2
N1="http://${HTTP[n1]}"
sha=$(sha_of "$WORK/n1/hello.txt")
everywhere 10 hello.txt "$sha" n1 n2

step "node: file, headers, Range, ETag and 304"
[[ $(curl -sf "$N1/data/hello.txt") == "hello, world" ]] || fail "GET body"
headers=$(curl -sfI "$N1/data/hello.txt" | tr -d '\r')
grep -qi '^content-type: text/plain' <<<"$headers" || fail "Content-Type: $headers"
grep -qi '^accept-ranges: bytes' <<<"$headers" || fail "Accept-Ranges"
grep -qi '^last-modified: ' <<<"$headers" || fail "Last-Modified"
[[ $(curl -sf -H 'Range: bytes=7-11' "$N1/data/hello.txt") == "world" ]] || fail "Range body"
expect_code 206 -H 'Range: bytes=7-11' "$N1/data/hello.txt"
expect_code 416 -H 'Range: bytes=100-' "$N1/data/hello.txt"
expect_code 304 -H "If-None-Match: \"$sha\"" "$N1/data/hello.txt"
expect_code 200 -H 'If-None-Match: "other"' "$N1/data/hello.txt"
expect_code 404 "$N1/data/missing.txt"

step "node: listings"
curl -sf "$N1/data/" | grep -q 'Directory listing for /data/' || fail "root listing"
curl -sf "$N1/data/dir/sub/" | grep -q 'Directory listing for /data/dir/sub/' || fail "sub listing"
curl -sf "$N1/data/dir/sub/?format=json" | grep -q '"name":"deep.txt"' || fail "JSON listing"
expect_code 301 "$N1/data/dir"

step "node: traversal attempts get 400 or 404 and no file"
for target in /data/../secret.txt /data/%2e%2e/secret.txt /data/..%2fsecret.txt \
  /data/%2e%2e%2fsecret.txt /data//etc/passwd /data/%2fetc%2fpasswd /data/a%00b \
  "/data/$(head -c 3000 /dev/zero | tr '\0' a)" /../secret.txt /data/.dds-state/x; do
  code=$(http_code --path-as-is "$N1$target")
  [[ $code == 400 || $code == 404 ]] || fail "$target gave $code"
  ! curl -s --path-as-is "$N1$target" | grep -q "outside the data dir" || fail "$target leaked"
done

step "master: status, files, mirrors, redirect"
curl -sf "$MASTER_URL/api/status" | grep -q '"converged":true' || fail "/api/status"
curl -sf "$MASTER_URL/api/files" | grep -q '"path":"hello.txt"' || fail "/api/files"
curl -sf "$MASTER_URL/mirrors" | grep -q "http://${HTTP[n2]}/data/" || fail "/mirrors"
location=$(curl -sI "$MASTER_URL/data/hello.txt" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
[[ $location == "http://${HTTP[n1]}/data/hello.txt" || $location == "http://${HTTP[n2]}/data/hello.txt" ]] ||
  fail "redirect to '$location'"
[[ $(curl -sfL "$MASTER_URL/data/hello.txt") == "hello, world" ]] || fail "redirect target body"
expect_code 404 "$MASTER_URL/data/nothing-here"
expect_code 400 --path-as-is "$MASTER_URL/data/../secret.txt"

step "master: admin token on upload and delete"
echo "uploaded" >"$WORK/upload.txt"
expect_code 401 -T "$WORK/upload.txt" "$MASTER_URL/data/up/loaded.txt"
expect_code 401 -T "$WORK/upload.txt" -H "Authorization: Bearer wrong" "$MASTER_URL/data/up/loaded.txt"
expect_code 201 -T "$WORK/upload.txt" -H "Authorization: Bearer $TOKEN" "$MASTER_URL/data/up/loaded.txt"
everywhere 10 up/loaded.txt "$(sha_of "$WORK/upload.txt")" n1 n2
expect_code 401 -X DELETE "$MASTER_URL/data/up/loaded.txt"
expect_code 200 -X DELETE -H "Authorization: Bearer $TOKEN" "$MASTER_URL/data/up/loaded.txt"
expect_code 404 -X DELETE -H "Authorization: Bearer $TOKEN" "$MASTER_URL/data/up/loaded.txt"
for n in n1 n2; do eventually 10 not_served "$n" up/loaded.txt || fail "$n serves a deleted file"; done

step "client verbs: put, ls, status, rm, exit codes"
"$DDS" put --master "$MASTER_URL" --token "$TOKEN" "$WORK/upload.txt" via/put.txt >/dev/null
everywhere 10 via/put.txt "$(sha_of "$WORK/upload.txt")" n1 n2
"$DDS" ls --master "$MASTER_URL" | grep -q ' via/put.txt$' || fail "dds ls"
"$DDS" status --master "$MASTER_URL" | grep -qE '^n2 +up ' || fail "dds status"
set +e
"$DDS" put --master "$MASTER_URL" --token wrong "$WORK/upload.txt" x.txt 2>/dev/null
[[ $? == 1 ]] || fail "put with a wrong token should exit 1"
"$DDS" put --master "$MASTER_URL" --token "$TOKEN" "$WORK/does-not-exist" 2>/dev/null
[[ $? == 2 ]] || fail "put of a missing file should exit 2"
"$DDS" status --master "http://127.0.0.1:$(free_port)" 2>/dev/null
[[ $? == 1 ]] || fail "status against nothing should exit 1"
set -e
"$DDS" rm --master "$MASTER_URL" --token "$TOKEN" via/put.txt >/dev/null

step "garbage on the control and HTTP ports: the processes survive"
control_n1=$(bound_address "$WORK/n1.log" control)
for address in "$MASTER_CONTROL" "$control_n1" "${HTTP[n1]}" "${MASTER_URL#http://}"; do
  python3 - "$address" <<'PY'
import os, socket, sys
host, port = sys.argv[1].rsplit(":", 1)
for payload in (os.urandom(65536), b"\xff" * 16 + os.urandom(1024), b"GET / HTTP/9.9\r\n\r\n",
                b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n"):
    try:
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(payload)
            s.settimeout(2)
            try:
                s.recv(4096)
            except OSError:
                pass
    except OSError:
        pass
PY
done
for p in master n1 n2; do alive "$p" || fail "$p died from garbage"; done
expect_code 200 "$N1/healthz"
expect_code 200 "$MASTER_URL/healthz"
echo "x" >"$WORK/n1/after-garbage.txt"
everywhere 10 after-garbage.txt "$(sha_of "$WORK/n1/after-garbage.txt")" n1 n2
echo "PASS"
