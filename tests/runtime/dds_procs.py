"""Real dds processes for the Python tests (cluster_chaos.py, the browser
tests): start, find the HTTP address each logs, SIGKILL, restart; free
loopback ports; member certificates under a CA made for the run; dds's
file digest, the ETag nodes serve.

Every child dies with the test (PR_SET_PDEATHSIG), so a runner's timeout
leaves no process behind; tests stop their processes by PID.
"""

import ctypes
import hashlib
import os
import random
import signal
import socket
import subprocess
import time
from dataclasses import dataclass


class ClusterFailure(Exception):
    pass


CHUNK_BYTES = 1 << 20  # core/entry.h, kChunkBytes


def dds_digest(data):
    """dds's digest of `data` in hex (core/entry.h, FileDigest): its SHA-256
    up to one chunk; beyond, the SHA-256 of its chunks' SHA-256s."""
    if len(data) <= CHUNK_BYTES:
        return hashlib.sha256(data).hexdigest()
    chunks = hashlib.sha256()
    for offset in range(0, len(data), CHUNK_BYTES):
        chunks.update(hashlib.sha256(data[offset:offset + CHUNK_BYTES]).digest())
    return chunks.hexdigest()


def dds_digest_file(path):
    """dds_digest of a file's content, read a chunk at a time."""
    with open(path, "rb") as f:
        first = f.read(CHUNK_BYTES)
        rest = f.read(CHUNK_BYTES)
        if not rest:
            return hashlib.sha256(first).hexdigest()
        chunks = hashlib.sha256(hashlib.sha256(first).digest())
        while rest:
            chunks.update(hashlib.sha256(rest).digest())
            rest = f.read(CHUNK_BYTES)
        return chunks.hexdigest()


def die_with_parent():
    """Runs in each child: SIGKILL it if the test dies (a runner's timeout)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port():
    """A free port below Linux's ephemeral range (32768 up), so that while a
    process is down no outgoing connection can be given its port."""
    while True:
        port = random.SystemRandom().randrange(15000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


def eventually(seconds, check, what):
    """Polls check() until it returns a falsy problem; raises with the last.
    For states that other processes reach in their own time: there is no
    event to wait on from outside them."""
    deadline = time.monotonic() + seconds
    while True:
        problem = check()
        if not problem:
            return
        if time.monotonic() > deadline:
            raise ClusterFailure(f"{what}: {problem}")
        time.sleep(0.05)


def tls_flags(dds, ca, name, role):
    """Mutual TLS flags for member `name` (role node or master), issued by a
    CA in directory `ca`, made on first use."""
    if not os.path.exists(f"{ca}/ca.crt"):
        subprocess.run([dds, "ca", "init", ca], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([dds, "ca", "issue", name, "--role", role, "--ca", ca], check=True,
                   stdout=subprocess.DEVNULL)
    return ["--tls-ca", f"{ca}/ca.crt", "--tls-cert", f"{ca}/{name}.crt", "--tls-key",
            f"{ca}/{name}.key"]


@dataclass
class Proc:
    """One dds process, restartable, with its log appended across restarts."""
    name: str
    argv: list
    log_path: str
    popen: subprocess.Popen = None
    http: str = ""  # host:port of its HTTP server while it runs

    def start(self):
        offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        eventually(30, lambda: None if self._bound_http(offset) else "no HTTP address logged",
                   f"{self.name} start")
        self.http = self._bound_http(offset)

    def _bound_http(self, offset):
        if self.popen.poll() is not None:
            raise ClusterFailure(f"{self.name} exited with {self.popen.returncode} at start")
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            for line in log.read().decode(errors="replace").splitlines():
                if ": http http://" in line:
                    return line.rsplit("http://", 1)[1].strip()
        return ""

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def kill9(self):
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()  # reaped: its ports, locks and files are released
        self.popen = None
        self.http = ""

    def stop(self):
        """SIGTERM, then SIGKILL if it lingers; a no-op if it is not running."""
        if not self.alive():
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self.popen = None
        self.http = ""

    def log_text(self, start=0):
        with open(self.log_path, "rb") as log:
            log.seek(start)
            return log.read().decode(errors="replace")
