#!/usr/bin/env python3
"""Chaos test: a real 5-node cluster under writes, edits and deletes while
master and nodes are killed with SIGKILL (some in the middle of a transfer),
restarted, and their disks damaged (silent corruption, deleted files).

At the end every process is restarted and the cluster must settle into
exactly what was written: every live file on every node's disk with the last
written content, served over HTTP with that ETag, listed by the master; no
deleted file back; no partial download left in .dds-stage. During the run,
HTTP reads must never return bytes that differ from their ETag unless the
file was corrupted on disk and the node has not detected it yet.

Every random choice comes from --seed, printed first, so a failing run can be
re-run (timing still varies, so a re-run explores the same actions, not the
same interleaving).

Rules the workload keeps so that "what was written" is well defined:
  * each path has one home node, the only one that writes it, one write at a
    time (a second writer would make conflict copies, tested elsewhere);
  * disk damage hits only non-home copies: damage to a copy whose change the
    master has not acknowledged yet is indistinguishable from an edit;
  * silent corruption hits only running nodes (frozen with SIGSTOP while the
    bytes change): a copy installed just before a SIGKILL, whose index
    record never reached the disk, is on restart an unknown file, and
    damaged it would be indistinguishable from a user's edit too;
  * a path is deleted (`DELETE /data/...` on the master) only once the master
    lists its last write, and deleted paths are never reused.

Usage: cluster_chaos.py DDS [--seed N] [--steps N] [--runs N]
With DDS_CHAOS_KEEP=1 in the environment a failed run's directory is kept.
"""

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from dds_procs import Proc, dds_digest, dds_digest_file, eventually, free_port, tls_flags

NODES = 5
TOKEN = "chaos-token"
SCRUB_RATE = "32M"  # fast enough that corruption is found within the run
STAGE_DIR = ".dds-stage"
STATE_DIR = ".dds-state"
SETTLE_SECONDS = 240  # the whole end phase; generous for sanitizer builds


class ChaosFailure(Exception):
    pass


@dataclass
class FileModel:
    home: str
    sha: str = ""
    deleted: bool = False
    versions: dict = field(default_factory=dict)  # sha -> every content written
    in_place: bool = False  # written in place: a node may hold a partial write


class Chaos:
    def __init__(self, dds, seed, steps, work):
        self.rng = random.Random(seed)
        self.seed = seed
        self.steps = steps
        self.work = work
        self.files = {}  # path -> FileModel
        self.next_file = 0
        self.restart_at = {}  # dead process name -> step at which it returns
        self.corrupted = {}  # (node, path) -> its log's size when corrupted
        self.counts = {}
        self.history = []
        self.step = 0
        self.dds = dds
        master_control = f"127.0.0.1:{free_port()}"
        self.master_url = f"http://127.0.0.1:{free_port()}"
        self.master = Proc("master", [
            dds, "master", "--listen", master_control, "--http",
            self.master_url[len("http://"):], "--state-dir", f"{work}/master",
            "--admin-token", TOKEN
        ] + self.tls("master", "master"), f"{work}/master.log")
        self.nodes = {}
        for i in range(1, NODES + 1):
            name = f"n{i}"
            self.nodes[name] = Proc(name, [
                dds, "node", "--name", name, "--master", master_control, "--data-dir",
                f"{work}/{name}", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                "--scrub-rate", SCRUB_RATE, "--admin-token", TOKEN
            ] + self.tls(name, "node"), f"{work}/{name}.log")
        os.makedirs(f"{work}/tmp")

    def tls(self, name, role):
        return tls_flags(self.dds, f"{self.work}/tls", name, role)

    # ---- the run ----------------------------------------------------------

    def run(self):
        self.master.start()
        for proc in self.nodes.values():
            proc.start()
        actions = [(self.write_new, 14), (self.edit, 14), (self.delete, 6),
                   (self.read, 20), (self.kill_node, 5), (self.kill_master, 2),
                   (self.kill_mid_transfer, 4), (self.corrupt, 7), (self.unlink, 7)]
        for step in range(self.steps):
            self.step = step
            self.restart_due(step)
            self.check_no_crash()
            action = self.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
            done = action()
            if done:
                self.history.append(f"{step}: {done}")
                self.counts[action.__name__] = self.counts.get(action.__name__, 0) + 1
            time.sleep(self.rng.uniform(0, 0.04))  # the workload's pace, not a wait
        self.settle()

    def restart_due(self, step):
        for name, when in sorted(self.restart_at.items()):
            if step >= when:
                del self.restart_at[name]
                self.proc(name).start()
                self.history.append(f"{step}: restart {name}")

    def check_no_crash(self):
        for proc in [self.master, *self.nodes.values()]:
            if proc.popen is not None and proc.popen.poll() is not None:
                raise ChaosFailure(f"{proc.name} died on its own (exit {proc.popen.returncode})")

    def proc(self, name):
        return self.master if name == "master" else self.nodes[name]

    def live_nodes(self):
        return [n for n, p in self.nodes.items() if p.alive()]

    def live_paths(self):
        return sorted(p for p, f in self.files.items() if not f.deleted)

    # ---- workload ---------------------------------------------------------

    def content(self):
        # Mostly small files; some span several 1 MiB chunks so transfers take
        # long enough to be interrupted.
        if self.rng.random() < 0.2:
            size = self.rng.randint(1 << 20, 5 << 20)
        else:
            size = self.rng.randint(1, 16 << 10)
        return self.rng.randbytes(size)

    def write(self, path, data):
        """Writes like a user on the home node's disk, running or not."""
        model = self.files[path]
        target = f"{self.work}/{model.home}/{path}"
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if self.rng.random() < 0.5:
            model.in_place = True
            with open(target, "wb") as f:
                f.write(data)
        else:
            tmp = f"{self.work}/tmp/{os.path.basename(path)}"
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, target)
        model.sha = dds_digest(data)
        model.versions[model.sha] = data

    def write_new(self):
        if len(self.live_paths()) >= 60:
            return None
        self.next_file += 1
        folder = self.rng.choice(["", "a/", "a/b/", "c/"])
        path = f"{folder}f{self.next_file}.bin"
        self.files[path] = FileModel(home=self.rng.choice(sorted(self.nodes)))
        data = self.content()
        self.write(path, data)
        return f"write {path} ({len(data)} bytes) on {self.files[path].home}"

    def edit(self):
        paths = self.live_paths()
        if not paths:
            return None
        path = self.rng.choice(paths)
        data = self.content()
        self.write(path, data)
        return f"edit {path} ({len(data)} bytes) on {self.files[path].home}"

    def master_catalog(self):
        """The master's live entries, path -> hash."""
        with urllib.request.urlopen(f"{self.master_url}/api/files", timeout=30) as r:
            return {e["path"]: e["hash"] for e in json.load(r)["files"] if not e["tombstone"]}

    def delete(self):
        if not self.master.alive():
            return None
        listed = self.master_catalog()
        settled = [p for p in self.live_paths() if listed.get(p) == self.files[p].sha]
        if not settled:
            return None
        path = self.rng.choice(settled)
        request = urllib.request.Request(f"{self.master_url}/data/{path}", method="DELETE",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            if r.status != 200:
                raise ChaosFailure(f"DELETE {path}: {r.status}")
        self.files[path].deleted = True
        return f"delete {path}"

    def read(self):
        """An HTTP client read, whole or a byte range, directly or through the
        master's redirect. Every 200 body must hash to its ETag, and every 206
        body must be that range of the content its ETag names."""
        nodes, paths = self.live_nodes(), self.live_paths()
        if not nodes or not paths:
            return None
        path = self.rng.choice(paths)
        via_master = self.master.alive() and self.rng.random() < 0.3
        base = self.master_url if via_master else f"http://{self.nodes[self.rng.choice(nodes)].http}"
        headers = {}
        if self.rng.random() < 0.5:
            first = self.rng.randint(0, 64 << 10)
            headers["Range"] = f"bytes={first}-{first + self.rng.randint(0, 2 << 20)}"
        offsets = {n: os.path.getsize(p.log_path) for n, p in self.nodes.items()}
        try:
            request = urllib.request.Request(f"{base}/data/{path}", headers=headers)
            with urllib.request.urlopen(request, timeout=30) as r:
                body, etag, url = r.read(), r.headers.get("ETag", ""), r.geturl()
                status, content_range = r.status, r.headers.get("Content-Range", "")
        except urllib.error.HTTPError as e:
            # Not there yet, no live holder, or a range past the end.
            if e.code in (404, 503, 416):
                return f"read {path}: {e.code}"
            raise ChaosFailure(f"GET {base}/data/{path}: {e.code}")
        except (urllib.error.URLError, ConnectionError):
            return None  # the master's chosen mirror may have just died
        node = next((n for n, p in self.nodes.items() if p.http and p.http in url), "?")
        model = self.files[path]
        if not model.in_place and etag.strip('"') not in model.versions:
            raise ChaosFailure(f"{node} served {path} with ETag {etag}, never written")
        if status == 200:
            got = dds_digest(body)
            if f'"{got}"' != etag:
                self.check_excused_corrupt_read(node, path, got, offsets.get(node, 0))
        elif status == 206:
            content = model.versions.get(etag.strip('"'))
            if content is None:  # a partial in-place write the node hashed
                return f"read {path} from {node}: range of an unknown version"
            first, last = map(int, content_range.split(" ")[1].split("/")[0].split("-"))
            if body != content[first:last + 1]:
                self.check_excused_corrupt_read(node, path, dds_digest(body), offsets.get(node, 0))
        else:
            raise ChaosFailure(f"GET {url}: unexpected {status}")
        key = f"reads checked ({status})"
        self.counts[key] = self.counts.get(key, 0) + 1
        return f"read {path} from {node}" + (" via master" if via_master else "")

    def check_excused_corrupt_read(self, node, path, got, log_offset_at_read):
        """Corrupt bytes may be served only before the scrub has found them."""
        if (node, path) not in self.corrupted:
            raise ChaosFailure(f"{node} served bytes of {path} that match no ETag, never corrupted")
        corrupted_at = self.corrupted[(node, path)]
        found = self.proc(node).log_text(corrupted_at)[:log_offset_at_read - corrupted_at]
        if f"corruption detected {path} " in found:
            raise ChaosFailure(f"{node} served corrupt {path} after detecting the corruption")
        self.counts["corrupt read before detection"] = (
            self.counts.get("corrupt read before detection", 0) + 1)

    # ---- faults -----------------------------------------------------------

    def schedule_restart(self, name):
        self.restart_at[name] = self.step + self.rng.randint(1, 25)

    def kill_node(self, name=None):
        nodes = self.live_nodes()
        if len(nodes) <= 2 and name is None:
            return None  # keep some holders up so the run makes progress
        name = name or self.rng.choice(nodes)
        self.nodes[name].kill9()
        self.schedule_restart(name)
        return f"kill -9 {name}"

    def kill_master(self):
        if not self.master.alive():
            return None
        self.master.kill9()
        self.schedule_restart("master")
        return "kill -9 master"

    def staging(self, name):
        try:
            return bool(os.listdir(f"{self.work}/{name}/{STAGE_DIR}"))
        except FileNotFoundError:
            return False

    def kill_mid_transfer(self):
        """Starts a multi-chunk file and kills a node while it downloads it."""
        nodes = self.live_nodes()
        if len(nodes) < 3 or len(self.live_paths()) >= 60:
            return None
        self.next_file += 1
        path = f"big/f{self.next_file}.bin"
        home = self.rng.choice(nodes)
        self.files[path] = FileModel(home=home)
        self.write(path, self.rng.randbytes(self.rng.randint(3 << 20, 8 << 20)))
        others = [n for n in nodes if n != home]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pulling = [n for n in others if self.staging(n)]
            if pulling:
                victim = self.rng.choice(pulling)
                self.counts["kill while staging"] = self.counts.get("kill while staging", 0) + 1
                return f"write {path} on {home}; " + self.kill_node(victim) + " mid-transfer"
            time.sleep(0.002)
        return f"write {path} on {home}; no transfer seen to interrupt"

    def damage_target(self, running_only=False):
        """A (node, path) whose copy may be damaged: not the path's home, on disk."""
        nodes = self.live_nodes() if running_only else sorted(self.nodes)
        candidates = [(n, p) for p in self.live_paths() for n in nodes
                      if n != self.files[p].home and os.path.isfile(f"{self.work}/{n}/{p}")]
        return self.rng.choice(candidates) if candidates else None

    def corrupt(self):
        """Silent corruption: bytes change, size and mtime do not."""
        target = self.damage_target(running_only=True)
        if target is None:
            return None
        node, path = target
        proc = self.nodes[node]
        # Freeze the node so it cannot see the file between the write and the
        # mtime reset (which would look like an edit rather than bit rot).
        proc.popen.send_signal(signal.SIGSTOP)
        try:
            full = f"{self.work}/{node}/{path}"
            st = os.stat(full)
            if st.st_size == 0:
                return None  # a partial in-place write, replicated as written
            with open(full, "r+b") as f:
                offset = self.rng.randrange(st.st_size)
                f.seek(offset)
                byte = f.read(1)
                f.seek(offset)
                f.write(bytes([byte[0] ^ 0xFF]))
            os.utime(full, ns=(st.st_atime_ns, st.st_mtime_ns))
        except FileNotFoundError:
            return None  # replaced by a newer version meanwhile
        finally:
            proc.popen.send_signal(signal.SIGCONT)
        self.corrupted[(node, path)] = os.path.getsize(proc.log_path)
        return f"corrupt {path} on {node} at byte {offset}"

    def unlink(self):
        target = self.damage_target()
        if target is None:
            return None
        node, path = target
        try:
            os.unlink(f"{self.work}/{node}/{path}")
        except FileNotFoundError:
            return None
        return f"unlink {path} on {node}"

    # ---- the end ----------------------------------------------------------

    def settle(self):
        for name in sorted(self.restart_at):
            self.proc(name).start()
            self.history.append(f"end: restart {name}")
        self.restart_at.clear()
        started = time.monotonic()
        eventually(SETTLE_SECONDS, self.problems, "did not settle")
        self.check_no_crash()
        self.counts["settle seconds"] = round(time.monotonic() - started, 1)

    def problems(self):
        """What still differs from the expected end state (None when all holds)."""
        self.check_no_crash()
        expected = {p: self.files[p].sha for p in self.live_paths()}
        for name in sorted(self.nodes):
            problem = self.disk_problem(name, expected) or self.http_problem(name, expected)
            if problem:
                return problem
        return self.master_problem(expected)

    def disk_problem(self, name, expected):
        root = f"{self.work}/{name}"
        if self.staging(name):
            return f"{name} has files left in {STAGE_DIR}"
        found = {}
        for folder, dirs, names in os.walk(root):
            if folder == root:
                dirs[:] = [d for d in dirs if d not in (STAGE_DIR, STATE_DIR)]
            for n in names:
                full = os.path.join(folder, n)
                found[os.path.relpath(full, root)] = full
        if set(found) != set(expected):
            extra = sorted(set(found) - set(expected))
            missing = sorted(set(expected) - set(found))
            return f"{name}: extra files {extra[:5]}, missing {missing[:5]}"
        for path, full in found.items():
            try:
                if dds_digest_file(full) != expected[path]:
                    return f"{name}: {path} has the wrong content"
            except FileNotFoundError:  # the node is still at work
                return f"{name}: {path} vanished while being checked"
        return None

    def http_problem(self, name, expected):
        base = f"http://{self.nodes[name].http}/data/"
        for path, sha in expected.items():
            request = urllib.request.Request(base + path, method="HEAD")
            try:
                with urllib.request.urlopen(request, timeout=30) as r:
                    if r.headers.get("ETag") != f'"{sha}"':
                        return f"{name} serves {path} with ETag {r.headers.get('ETag')}"
            except urllib.error.HTTPError as e:
                return f"{name}: HEAD {path}: {e.code}"
        return None

    def master_problem(self, expected):
        listed = self.master_catalog()
        if listed != expected:
            wrong = sorted(p for p in set(listed) | set(expected)
                           if listed.get(p) != expected.get(p))
            return f"master's catalog differs at {wrong[:5]}"
        with urllib.request.urlopen(f"{self.master_url}/api/status", timeout=30) as r:
            status = json.load(r)
        if not status["converged"] or sum(n["up"] for n in status["nodes"]) != NODES:
            return "master does not report all nodes up and converged"
        return None

    def stop_all(self):
        for proc in [self.master, *self.nodes.values()]:
            if proc.alive():
                proc.kill9()

    def report(self):
        detected = sum(p.log_text().count(": corruption detected ") for p in self.nodes.values())
        restored = sum(p.log_text().count(": lost from disk ") for p in self.nodes.values())
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return (f"{counts}; logged: {detected} corruptions detected, "
                f"{restored} lost files restored")


def run_once(dds, seed, steps):
    work = tempfile.mkdtemp(prefix="dds-chaos-")
    chaos = Chaos(dds, seed, steps, work)
    print(f"== chaos seed {seed} ({steps} steps) in {work}", flush=True)
    try:
        chaos.run()
        print(f"PASS seed {seed}: {chaos.report()}", flush=True)
        return True
    except Exception as failure:  # a crash of the test itself shows the same context
        print(f"FAIL seed {seed}: {failure}", file=sys.stderr)
        print("---- actions (last 60)", file=sys.stderr)
        for line in chaos.history[-60:]:
            print(line, file=sys.stderr)
        for proc in [chaos.master, *chaos.nodes.values()]:
            print(f"---- {proc.name}.log (last 30 lines)", file=sys.stderr)
            print("\n".join(proc.log_text().splitlines()[-30:]), file=sys.stderr)
        print(f"re-run: {sys.argv[0]} {dds} --seed {seed} --steps {steps}", file=sys.stderr)
        if os.environ.get("DDS_CHAOS_KEEP"):
            with open(f"{work}/actions.txt", "w") as f:
                f.write("\n".join(chaos.history) + "\n")
            print(f"kept {work} (DDS_CHAOS_KEEP): logs, disks, actions.txt", file=sys.stderr)
            work = None
        return False
    finally:
        chaos.stop_all()
        if work:
            shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dds", help="path to the dds binary")
    parser.add_argument("--seed", type=int, help="first seed (default: from the clock)")
    parser.add_argument("--steps", type=int, default=200, help="actions per run")
    parser.add_argument("--runs", type=int, default=1, help="runs, with seeds seed, seed+1, ...")
    args = parser.parse_args()
    # A runner's SIGTERM unwinds like Ctrl-C, so every process gets stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    seed = args.seed if args.seed is not None else int(time.time())
    dds = os.path.realpath(args.dds)
    failed = [s for s in range(seed, seed + args.runs) if not run_once(dds, s, args.steps)]
    if failed:
        print(f"FAILED seeds: {failed}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
