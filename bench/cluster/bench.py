#!/usr/bin/env python3
"""Whole-cluster benchmarks on loopback: a real master and 5 real nodes.

  sync     4 KiB files written into one node's data dir, one at a time; the
           latency is until every other node serves it (HEAD ETag = digest)
  restore  a replicated 4 KiB file deleted from one node's disk; the latency
           is until that node serves it again
  big      one 1 GiB file to 4 nodes, against `cp` of 4 copies + `sync`
  many     10,000 x 4 KiB files to 4 nodes
  huge     200,000 small files into node 1 of 3; kill -9 of the master and
           a restart; a late joiner; memory per file of master and nodes
  startup  one node holding 1,000,000 small files: first start, idle CPU
           (the spread scan), restart until back in step with the master
  scrub    silent corruption (one byte, size and mtime kept) of a replicated
           1 MiB file on one node, among 64; the times until that node's
           scrub, at the default rate, detects it and until it serves the
           right bytes again
  failover three masters over a three-member etcd, three nodes, a stream
           of uploads and deletes; the leader killed with SIGKILL 10 times:
           the time until a standby leads, and until it accepts a change
           (tests/runtime/cluster_failover.py; plaintext control links)
  all      all of the above, each on a fresh cluster

Usage: bench.py DDS_BINARY
                [sync|restore|big|many|scrub|huge|startup|huge-file|http|failover|all]
                [--files N] [--dir D] [--insecure]
Control connections are mutual TLS (a CA made for the run) unless --insecure.
Only the Python standard library. See README.md for the goals.
"""
import argparse
import json
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "runtime"))
import cluster_failover  # noqa: E402
from dds_procs import dds_digest  # noqa: E402

TOKEN = "bench-token"
POLL_S = 0.0005
# The master's status costs O(nodes) to answer, so polling it every 10 ms
# does not load the cluster (a node's listing of thousands of files would).
MASTER_POLL_S = 0.01


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, poll_s=POLL_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(poll_s)
    raise SystemExit(f"bench: timed out waiting for {what}")


class Cluster:
    """A master and `nodes` nodes; node i has data dir <root>/n<i>."""

    def __init__(self, dds, root, nodes, insecure=False):
        self.dds, self.root, self.insecure = dds, root, insecure
        self.procs, self.http = {}, {}
        self.control = f"127.0.0.1:{free_port()}"
        self.master_http = f"127.0.0.1:{free_port()}"
        self.start_master()
        self.names = []
        self.conns = {}
        for i in range(1, nodes + 1):
            self.add_node(f"n{i}")
        self.wait_converged(len(self.names))

    def start_master(self):
        self._start("master", [self.dds, "master", "--listen", self.control, "--http",
                               self.master_http, "--state-dir", f"{self.root}/master",
                               "--admin-token", TOKEN] + self.tls("master", "master"))

    def kill_master(self):
        self.procs["master"].kill()
        self.procs["master"].wait()

    def add_node(self, name):
        os.makedirs(self.data(name), exist_ok=True)
        self.start_node(name)
        self.names.append(name)

    def start_node(self, name):
        self._start(name, [self.dds, "node", "--name", name, "--master", self.control,
                           "--data-dir", self.data(name), "--listen", "127.0.0.1:0",
                           "--http", "127.0.0.1:0", "--admin-token", TOKEN]
                    + self.tls(name, "node"))
        self.conns[name] = http.client.HTTPConnection(self.http[name], timeout=10)

    def stop_node(self, name):
        """A clean stop (SIGTERM), as an operator's restart would do."""
        self.procs[name].terminate()
        self.procs[name].wait()

    def cpu_seconds(self, name):
        """User + system CPU time a process has used so far."""
        with open(f"/proc/{self.procs[name].pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def total_cpu_seconds(self):
        """CPU time used so far by every process of the cluster: on a shared,
        noisy machine a steadier figure than the wall clock."""
        return sum(self.cpu_seconds(name) for name in self.procs)

    def rss(self, name):
        """Resident memory of a process, in bytes."""
        with open(f"/proc/{self.procs[name].pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def data(self, name):
        return f"{self.root}/{name}"

    def log_sizes(self):
        return {name: os.path.getsize(f"{self.root}/{name}.log") for name in self.procs}

    def stalls_since(self, sizes):
        """What the logs written since `sizes` (log_sizes) say about stalled
        event loops: nodes the master marked down, masters nodes lost, and
        the flushes (fsyncs and commits, on the loop) that took 100 ms or
        more, with the longest."""
        down, lost, slow = [], [], []
        for name, size in sizes.items():
            with open(f"{self.root}/{name}.log", "rb") as f:
                f.seek(size)
                text = f.read()
            down += [m.decode() for m in re.findall(rb"node (\S+) is down", text)]
            lost += [name] * text.count(b"lost the master")
            slow += [(int(ms), name) for ms in re.findall(rb"slow flush: (\d+) ms", text)]
        longest = f", longest {max(slow)[0]} ms on {max(slow)[1]}" if slow else ""
        return (f"{len(down)} node(s) marked down {down}, master lost {len(lost)} "
                f"time(s) {lost}, {len(slow)} slow flush(es){longest}")

    def tls(self, name, role):
        """The TLS flags of member `name`, issuing its certificate on first use."""
        if self.insecure:
            return ["--insecure"]
        ca = f"{self.root}/tls"
        if not os.path.exists(f"{ca}/ca.crt"):
            subprocess.run([self.dds, "ca", "init", ca], check=True, stdout=subprocess.DEVNULL)
        if not os.path.exists(f"{ca}/{name}.crt"):
            subprocess.run([self.dds, "ca", "issue", name, "--role", role, "--ca", ca],
                           check=True, stdout=subprocess.DEVNULL)
        return ["--tls-ca", f"{ca}/ca.crt", "--tls-cert", f"{ca}/{name}.crt",
                "--tls-key", f"{ca}/{name}.key"]

    def _start(self, name, argv):
        log = open(f"{self.root}/{name}.log", "a+b")
        log_start = log.seek(0, os.SEEK_END)
        self.procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        pattern = re.compile(rb": http (\S+:\d+)$", re.M)

        def bound():
            log.seek(log_start)
            match = pattern.search(log.read())
            if match:
                self.http[name] = match.group(1).decode().removeprefix("http://")
            return match is not None
        wait_until(bound, 10, f"{name} to log its HTTP address")

    def wait_converged(self, nodes, timeout=600):
        subprocess.run([self.dds, "wait", "--master", f"http://{self.master_http}",
                        "--nodes", str(nodes), "--timeout", str(timeout)],
                       check=True, stdout=subprocess.DEVNULL)

    def etag(self, node, path):
        conn = self.conns[node]
        try:
            conn.request("HEAD", "/data/" + path)
            response = conn.getresponse()
            response.read()
            return response.getheader("ETag") if response.status == 200 else None
        except (http.client.HTTPException, OSError):
            conn.close()
            return None

    def listing_count(self, node, directory):
        conn = self.conns[node]
        try:
            conn.request("GET", f"/data/{directory}/?format=json")
            response = conn.getresponse()
            body = response.read()
            return body.count(b'"name":') if response.status == 200 else 0
        except (http.client.HTTPException, OSError):
            conn.close()
            return 0

    def status(self):
        """The master's /api/status (O(nodes) to compute, so polling it does
        not load the cluster), or None while it does not answer."""
        conn = http.client.HTTPConnection(self.master_http, timeout=10)
        try:
            conn.request("GET", "/api/status")
            return json.loads(conn.getresponse().read())
        except (http.client.HTTPException, OSError, ValueError):
            return None
        finally:
            conn.close()

    def files_current(self):
        """Files each live node holds at their current version, by the master."""
        status = self.status()
        if status is None:
            return {}
        return {n["name"]: n["files_current"] for n in status["nodes"] if n["up"]}

    def stop(self):
        for proc in self.procs.values():
            proc.kill()
            proc.wait()


def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def quoted_digest(data):
    """The ETag a node serves `data` with."""
    return '"' + dds_digest(data) + '"'


def report(name, samples_s, goal_p50_ms=None, goal_p99_ms=None):
    ms = sorted(s * 1000 for s in samples_s)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    goals = ""
    if goal_p50_ms is not None:
        goals = f"  goal p50<={goal_p50_ms}"
        goals += f" p99<={goal_p99_ms}" if goal_p99_ms is not None else ""
    print(f"{name}: n={len(ms)} p50={p50:.1f} ms p99={p99:.1f} ms max={ms[-1]:.1f} ms{goals}")


def bench_sync(cluster, files):
    source, others = cluster.names[0], cluster.names[1:]
    samples = []
    for i in range(files):
        data = os.urandom(4096)
        path, etag = f"sync/f{i:05d}.bin", quoted_digest(data)
        start = time.monotonic()
        write_file(f"{cluster.data(source)}/{path}", data)
        for node in others:
            wait_until(lambda: cluster.etag(node, path) == etag, 30, f"{path} on {node}")
        samples.append(time.monotonic() - start)
    report("sync latency (4 KiB, 1 -> 4 nodes)", samples, 25, 100)


def bench_restore(cluster, files):
    source, victim = cluster.names[0], cluster.names[1]
    blobs = {f"restore/f{i:05d}.bin": os.urandom(4096) for i in range(files)}
    for path, data in blobs.items():
        write_file(f"{cluster.data(source)}/{path}", data)
    for path, data in blobs.items():
        wait_until(lambda: cluster.etag(victim, path) == quoted_digest(data), 60, path)
    samples = []
    for path, data in blobs.items():
        etag = quoted_digest(data)
        start = time.monotonic()
        os.remove(f"{cluster.data(victim)}/{path}")
        wait_until(lambda: cluster.etag(victim, path) == etag and
                   os.path.exists(f"{cluster.data(victim)}/{path}"), 30, f"restore {path}")
        samples.append(time.monotonic() - start)
    report("restore latency (4 KiB deleted from disk)", samples, 50)


def corrupt_one_byte(cluster, node, path):
    """Flips a byte, keeping size and mtime. The node is frozen meanwhile so
    that it cannot see the new mtime before it is reset (that would be an
    edit, not bit rot)."""
    full = f"{cluster.data(node)}/{path}"
    cluster.procs[node].send_signal(signal.SIGSTOP)
    try:
        st = os.stat(full)
        with open(full, "r+b") as f:
            f.seek(st.st_size // 2)
            byte = f.read(1)
            f.seek(st.st_size // 2)
            f.write(bytes([byte[0] ^ 0xFF]))
        os.utime(full, ns=(st.st_atime_ns, st.st_mtime_ns))
    finally:
        cluster.procs[node].send_signal(signal.SIGCONT)


def bench_scrub(cluster, corruptions):
    source, victim = cluster.names[0], cluster.names[1]
    blobs = {f"scrub/f{i:02d}.bin": os.urandom(1 << 20) for i in range(64)}
    for path, data in blobs.items():
        write_file(f"{cluster.data(source)}/{path}", data)
    cluster.wait_converged(len(cluster.names))
    log = f"{cluster.root}/{victim}.log"
    detected, repaired = [], []
    for path in list(blobs)[::max(1, len(blobs) // corruptions)][:corruptions]:
        etag = quoted_digest(blobs[path])
        log_offset = os.path.getsize(log)
        start = time.monotonic()
        corrupt_one_byte(cluster, victim, path)

        def found():
            with open(log, "rb") as f:
                f.seek(log_offset)
                return f"corruption detected {path} ".encode() in f.read()
        wait_until(found, 120, f"detection of {path}", 0.005)
        detected.append(time.monotonic() - start)
        wait_until(lambda: cluster.etag(victim, path) == etag, 60, f"repair of {path}")
        repaired.append(time.monotonic() - start)
        with open(f"{cluster.data(victim)}/{path}", "rb") as f:
            if f.read() != blobs[path]:
                raise SystemExit(f"bench: {path} served as repaired, wrong on disk")
    # core/scrub.h: a pass costs sum(max(size, 64 KiB)) / rate, plus a tick.
    pass_s = 64 * max(1 << 20, 64 << 10) / (8 << 20) + 1
    report(f"scrub detection (64 x 1 MiB, 8 MiB/s: a pass is {pass_s:.1f} s)", detected)
    report("scrub detection to repair, from the corruption", repaired)


def bench_big(cluster, size):
    source, others = cluster.names[0], cluster.names[1:]
    staging = f"{cluster.root}/big-source.bin"
    with open(staging, "wb") as f:
        for _ in range(size // (1 << 20)):
            f.write(os.urandom(1 << 20))
    digest = subprocess.run([cluster.dds, "digest", staging], check=True,
                            capture_output=True, text=True).stdout.split()[0]
    etag = '"' + digest + '"'
    os.sync()
    logs_before = cluster.log_sizes()
    cpu_before = cluster.total_cpu_seconds()
    start = time.monotonic()
    subprocess.run(["cp", staging, f"{cluster.data(source)}/big.bin"], check=True)
    for node in others:
        wait_until(lambda: cluster.etag(node, "big.bin") == etag, 600, f"big.bin on {node}")
    replicated = time.monotonic() - start
    cpu = cluster.total_cpu_seconds() - cpu_before
    stalls = cluster.stalls_since(logs_before)
    os.sync()
    start = time.monotonic()
    for i in range(len(others)):
        subprocess.run(["cp", staging, f"{cluster.root}/copy-{i}.bin"], check=True)
    subprocess.run(["sync"], check=True)
    baseline = time.monotonic() - start
    print(f"{size >> 20} MiB to {len(others)} nodes: {replicated:.2f} s (cluster CPU "
          f"{cpu:.2f} s); cp+sync of {len(others)} copies: {baseline:.2f} s; ratio "
          f"{replicated / baseline:.2f} (goal <= 2); {stalls}")


def bench_huge_file(cluster, size):
    """One very large file moved into node 1's data dir (a rename, as a user
    finishing a download would), until node 2 serves it; what the logs say
    about stalled event loops meanwhile is the point (issue 14)."""
    source, other = cluster.names[0], cluster.names[1]
    staging = f"{cluster.root}/huge-source.bin"
    block = bytearray(os.urandom(1 << 20))
    with open(staging, "wb") as f:
        for i in range(size >> 20):
            block[:8] = i.to_bytes(8, "little")  # every chunk distinct
            f.write(block)
    digest = subprocess.run([cluster.dds, "digest", staging], check=True,
                            capture_output=True, text=True).stdout.split()[0]
    os.sync()
    logs_before = cluster.log_sizes()
    start = time.monotonic()
    os.rename(staging, f"{cluster.data(source)}/huge.bin")
    wait_until(lambda: cluster.etag(other, "huge.bin") == f'"{digest}"', 3600,
               f"huge.bin on {other}")
    replicated = time.monotonic() - start
    print(f"{size >> 30} GiB file to 1 node: {replicated:.2f} s "
          f"({size / replicated / 1e6:.0f} MB/s); {cluster.stalls_since(logs_before)} "
          f"(goal: none)")


NGINX_CONF = """
daemon off;
{user}
worker_processes auto;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {root}/nginx-tmp;
    proxy_temp_path {root}/nginx-tmp;
    fastcgi_temp_path {root}/nginx-tmp;
    uwsgi_temp_path {root}/nginx-tmp;
    scgi_temp_path {root}/nginx-tmp;
    server {{
        listen 127.0.0.1:{port};
        location /data/ {{ alias {data}/; }}
    }}
}}
"""

WRK_PATHS = """
local paths = {{{paths}}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/data/" .. paths[(n % #paths) + 1])
end
"""


def wrk(url, connections, seconds, script=None):
    """wrk's figures for GETs of `url`: requests/s, p99 latency (ms), bytes/s
    and errors (socket errors plus non-2xx answers)."""
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        argv[1:1] = ["-s", script]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    scale = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[transfer.group(2)]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    return rate, p99_ms, float(transfer.group(1)) * scale, errors


def bench_http(cluster, seconds):
    """GETs from node 1's HTTP server against nginx serving the same files
    at the same URLs, alternately in one run: 4 KiB files at 64 and 256
    connections, and a 100 MiB file (issue 14)."""
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            raise SystemExit(f"bench: http needs {tool} (apt-get install nginx-light wrk)")
    source = cluster.names[0]
    small = [f"http/f{i:04d}.bin" for i in range(1000)]
    for path in small:
        write_file(f"{cluster.data(source)}/{path}", os.urandom(4096))
    write_file(f"{cluster.data(source)}/http/big.bin", os.urandom(100 << 20))
    wait_until(lambda: cluster.files_current().get(source, 0) >= len(small) + 1, 120,
               "the files held", MASTER_POLL_S)
    script = f"{cluster.root}/paths.lua"
    with open(script, "w") as f:
        f.write(WRK_PATHS.format(paths=", ".join(f'"{p}"' for p in small)))
    port = free_port()
    os.makedirs(f"{cluster.root}/nginx-tmp", exist_ok=True)
    with open(f"{cluster.root}/nginx.conf", "w") as f:
        # As root, nginx's workers would drop to www-data, which cannot read
        # the run's private temp dir.
        user = "user root;" if os.geteuid() == 0 else ""
        f.write(NGINX_CONF.format(user=user, root=cluster.root, port=port,
                                  data=cluster.data(source)))
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    nginx = subprocess.Popen([nginx_bin, "-c", f"{cluster.root}/nginx.conf", "-e",
                              f"{cluster.root}/nginx-error.log"], stderr=subprocess.DEVNULL)
    try:
        servers = {"dds": f"http://{cluster.http[source]}", "nginx": f"http://127.0.0.1:{port}"}
        wait_until(lambda: subprocess.run(["curl", "-sf", "-o", "/dev/null",
                                           f"{servers['nginx']}/data/{small[0]}"]).returncode == 0,
                   10, "nginx to answer")
        for name, connections, url, use_script in (
                ("4 KiB", 64, "/", True), ("4 KiB", 256, "/", True),
                ("100 MiB", 4, "/data/http/big.bin", False)):
            figures = {"dds": [], "nginx": []}
            for _ in range(2):
                for server in ("dds", "nginx"):
                    figures[server].append(wrk(servers[server] + url, connections, seconds,
                                               script if use_script else None))
            best = {k: max(v, key=lambda f: f[0]) for k, v in figures.items()}
            d, n = best["dds"], best["nginx"]
            if name == "100 MiB":
                print(f"{name} GETs, {connections} connections: dds {d[2] / 1e9:.2f} GB/s, "
                      f"nginx {n[2] / 1e9:.2f} GB/s: {d[2] / n[2]:.2f}x (goal >= 1); "
                      f"errors {d[3]} / {n[3]}")
            else:
                print(f"{name} GETs, {connections} connections: dds {d[0]:.0f}/s p99 "
                      f"{d[1]:.1f} ms, nginx {n[0]:.0f}/s p99 {n[1]:.1f} ms: "
                      f"{d[0] / n[0]:.2f}x the rate (goal >= 0.8), p99 {d[1] / n[1]:.1f}x "
                      f"(goal <= 2); errors {d[3]} / {n[3]}")
    finally:
        nginx.terminate()
        nginx.wait()


def bench_many(cluster, files):
    source, others = cluster.names[0], cluster.names[1:]
    blobs = [os.urandom(4096) for _ in range(files)]
    start = time.monotonic()
    for i, data in enumerate(blobs):
        write_file(f"{cluster.data(source)}/many/f{i:05d}.bin", data)
    written = time.monotonic() - start
    wait_until(lambda: all(cluster.files_current().get(n, 0) >= files for n in others), 600,
               "many on every node", MASTER_POLL_S)
    elapsed = time.monotonic() - start
    for node in others:
        if cluster.listing_count(node, "many") != files:
            raise SystemExit(f"bench: {node} does not list {files} files in many/")
    for i in range(0, files, max(1, files // 50)):
        for node in others:
            if cluster.etag(node, f"many/f{i:05d}.bin") != quoted_digest(blobs[i]):
                raise SystemExit(f"bench: many/f{i:05d}.bin wrong on {node}")
    # The baseline, on the same machine in the same run: four copies of the
    # directory with cp -a, then sync.
    os.sync()
    start = time.monotonic()
    for i in range(len(others)):
        subprocess.run(["cp", "-a", f"{cluster.data(source)}/many", f"{cluster.root}/many-{i}"],
                       check=True)
    subprocess.run(["sync"], check=True)
    baseline = time.monotonic() - start
    print(f"{files} x 4 KiB to {len(others)} nodes: {elapsed:.2f} s "
          f"(writing them took {written:.2f} s) (goal <= 4 s); cp -a+sync of "
          f"{len(others)} copies: {baseline:.2f} s; ratio {elapsed / baseline:.2f} "
          f"(goal <= 3)")


def bench_huge(cluster, files):
    """200,000 small files into node 1 of 3; kill -9 of the master and a
    restart; a late joiner; memory per file of the master and a node."""
    source = cluster.names[0]
    before = {n: cluster.rss(n) for n in ["master"] + cluster.names}
    start = time.monotonic()
    for i in range(files):
        write_file(f"{cluster.data(source)}/huge/d{i % 500:03d}/f{i:06d}.bin",
                   i.to_bytes(8, "little") * 16)
    written = time.monotonic() - start
    wait_until(lambda: all(cluster.files_current().get(n, 0) >= files for n in cluster.names),
               3600, "huge on every node", 0.5)
    converged = time.monotonic() - start
    at_once = {n: (cluster.rss(n) - before[n]) / files for n in before}
    # Processes hand free heap pages back every 5 s (runtime/memory.h).
    time.sleep(6)
    settled = {n: (cluster.rss(n) - before[n]) / files for n in before}
    print(f"huge: {files} x 128 B into {source} of {len(cluster.names)}: every node serves "
          f"them after {converged:.1f} s (writing them took {written:.1f} s)")
    print("huge: memory per file (RSS growth), 6 s after convergence: " +
          ", ".join(f"{n} {settled[n]:.0f} B" for n in settled) + " (goal <= 300 B); "
          "at convergence: " + ", ".join(f"{n} {at_once[n]:.0f} B" for n in at_once))

    cluster.kill_master()
    start = time.monotonic()
    cluster.start_master()

    def registered():
        status = cluster.status()
        return status is not None and sum(n["up"] for n in status["nodes"]) == len(cluster.names)
    wait_until(registered, 600, "every node registered", 0.01)
    back = time.monotonic() - start
    path = f"huge/d000/f{0:06d}.bin"
    redirected = False
    while not redirected:
        conn = http.client.HTTPConnection(cluster.master_http, timeout=10)
        conn.request("HEAD", "/data/" + path)
        redirected = conn.getresponse().status == 302
        conn.close()
    served = time.monotonic() - start
    cluster.wait_converged(len(cluster.names))
    waited = time.monotonic() - start
    print(f"huge: master kill -9 and restart: every node registered after {back:.2f} s, "
          f"redirects served after {served:.2f} s, dds wait passes after {waited:.2f} s")

    joiner = f"n{len(cluster.names) + 1}"
    start = time.monotonic()
    cluster.add_node(joiner)
    base = cluster.rss(joiner)
    wait_until(lambda: cluster.files_current().get(joiner, 0) >= files, 3600,
               f"{joiner} to hold everything", 0.1)
    joined = time.monotonic() - start
    print(f"huge: late joiner {joiner} holds all {files} files after {joined:.1f} s "
          f"(its memory: {(cluster.rss(joiner) - base) / files:.0f} B a file over its start)")


def bench_startup(cluster, files):
    """A node holding `files` small files: its first start (hash and report
    everything), the CPU it uses while idle (heartbeats, the spread scan,
    the scrub), and a restart (load the index, list the disk, register)."""
    node = "n1"
    for i in range(files):
        write_file(f"{cluster.data(node)}/start/d{i % 1000:03d}/f{i:07d}.bin",
                   i.to_bytes(8, "little") * 16)
    start = time.monotonic()
    cluster.add_node(node)
    wait_until(lambda: cluster.files_current().get(node, 0) >= files, 7200,
               f"{node} to report {files} files", 0.5)
    print(f"startup: {files} files, first start (hash and report each): "
          f"{time.monotonic() - start:.1f} s")
    idle_s = 60
    cpu = {n: cluster.cpu_seconds(n) for n in ("master", node)}
    time.sleep(idle_s)
    used = {n: (cluster.cpu_seconds(n) - cpu[n]) / idle_s * 100 for n in cpu}
    print(f"startup: idle for {idle_s} s (heartbeats, the spread scan, the scrub): "
          f"node {used[node]:.1f}% of a core, master {used['master']:.1f}%")
    cluster.stop_node(node)
    # Down at the master first, so that "back in step" is the new process's.
    wait_until(lambda: node not in cluster.files_current(), 60, f"{node} marked down", 0.1)
    start = time.monotonic()
    cluster.start_node(node)
    serving = time.monotonic() - start
    wait_until(lambda: cluster.files_current().get(node, 0) >= files, 3600,
               f"{node} to be back in step", 0.05)
    print(f"startup: restart (load the index, list the disk, register): serving HTTP after "
          f"{serving:.2f} s, back in step with the master after {time.monotonic() - start:.2f} s; "
          f"node RSS / files {cluster.rss(node) / files:.0f} B")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dds")
    parser.add_argument("which", nargs="?", default="all",
                        choices=["sync", "restore", "big", "many", "scrub", "huge", "startup",
                                 "huge-file", "http", "failover", "all"])
    parser.add_argument("--files", type=int, default=200, help="files for sync/restore")
    parser.add_argument("--corruptions", type=int, default=16, help="corruptions for scrub")
    parser.add_argument("--many", type=int, default=10000, help="files for many")
    parser.add_argument("--huge", type=int, default=200000, help="files for huge")
    parser.add_argument("--startup", type=int, default=1000000, help="files for startup")
    parser.add_argument("--big-mib", type=int, default=1024, help="size for big")
    parser.add_argument("--huge-file-gib", type=int, default=10, help="size for huge-file")
    parser.add_argument("--http-seconds", type=int, default=10, help="each wrk run of http")
    parser.add_argument("--kills", type=int, default=10, help="leader kills for failover")
    parser.add_argument("--dir", default=None, help="work directory (default: a temp dir)")
    parser.add_argument("--insecure", action="store_true",
                        help="plaintext control connections (default: mutual TLS)")
    args = parser.parse_args()
    # A timeout's SIGTERM must still stop the cluster (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    runs = {
        "sync": lambda c: bench_sync(c, args.files),
        "restore": lambda c: bench_restore(c, args.files),
        "big": lambda c: bench_big(c, args.big_mib << 20),
        "many": lambda c: bench_many(c, args.many),
        "scrub": lambda c: bench_scrub(c, args.corruptions),
        "huge": lambda c: bench_huge(c, args.huge),
        "startup": lambda c: bench_startup(c, args.startup),
        "huge-file": lambda c: bench_huge_file(c, args.huge_file_gib << 30),
        "http": lambda c: bench_http(c, args.http_seconds),
    }
    # startup adds its node itself
    nodes = {"huge": 3, "startup": 0, "huge-file": 2, "http": 1}
    if args.which in ("failover", "all"):
        results = cluster_failover.run(os.path.abspath(args.dds), args.kills, seed=1)
        print("failover: " + cluster_failover.summary(results))
    for name in (runs if args.which == "all" else [] if args.which == "failover"
                 else [args.which]):
        root = tempfile.mkdtemp(prefix=f"dds-bench-{name}-", dir=args.dir)
        cluster = Cluster(os.path.abspath(args.dds), root, nodes.get(name, 5), args.insecure)
        try:
            runs[name](cluster)
        finally:
            cluster.stop()
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
