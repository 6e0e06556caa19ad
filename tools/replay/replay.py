#!/usr/bin/env python3
"""Replays a scenario's actions on real processes: a master and nodes on
loopback (mutual TLS, as `dds cluster` runs them), each action carried out
at its time, then checks the end state the simulator checks: the cluster
converges within the scenario's bound, and every live node holds every live
catalog entry with the catalog's hash and no deleted path.

The actions replayed are explicit ones: a scenario with random actions or
[faults] is first run in the simulator (`--ddsim DDSIM`), and the actions
that simulated run carried out, with their targets and times, are replayed
(`ddsim SCENARIO --script OUT.toml` writes them; so can you).

Supported actions and what they do here (docs/scenarios.md, "Replay"):
  crash / restart            SIGKILL the node / start it again on its disk
  master_crash / _restart    the same for the master
  join, add_node             a new node with an empty data directory
  write, modify              write the file into the node's data directory
                             (in place with in_place = true)
  delete                     unlink it from the node's data directory
  corrupt                    flip a byte, keeping its size and mtime
  remove                     DELETE /data/PATH on the master (admin token)
  partition / heal           cut connections between the groups: every
                             control and peer port sits behind a TCP proxy
                             the runner starts and advertises
  move                       rename the file in the node's data directory
  slow_write                 the file grows in 4 steps over `takes`
  temp_write                 written to .NAME.XXXXXX, renamed 20 ms later
[cluster] sources start those nodes with --source.
Skipped, with a line saying so: read, loss_spike, delay_spike, calm,
disk_full, disk_free (the kernel decides those on real processes), and
lose_writes / in_publish_window on crash (a SIGKILL'd process loses nothing
the page cache holds). [master] and [node] timing settings are the real
processes' defaults; [network] is loopback.

Usage: replay.py DDS SCENARIO.toml [--ddsim DDSIM] [--keep]
"""

import argparse
import json
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "runtime"))
from dds_procs import (ClusterFailure, Proc, dds_digest_file, eventually,  # noqa: E402
                       free_port, tls_flags)
from proxy import Proxies  # noqa: E402

TOKEN = "replay-token"
SKIPPED = {"read", "loss_spike", "delay_spike", "calm", "disk_full", "disk_free"}
# What an action must name to be replayed as it was simulated.
NEEDS = {"crash": ["node"], "restart": ["node"], "join": ["node"], "add_node": ["node"],
         "write": ["node"], "modify": ["node", "path"], "delete": ["node", "path"],
         "corrupt": ["node", "path"], "remove": ["path"], "partition": ["groups"],
         "move": ["node", "path"], "slow_write": ["node"], "temp_write": ["node"]}
SLOW_WRITE_STEPS = 4  # as the simulator's slow_write (sim/actions.h)
TEMP_RENAME_AFTER_S = 0.02  # temp_write: the temp name lives this long
SETTLE_MARGIN_S = 30  # real processes start, connect and hash: slower than virtual ones


def parse_duration(text):
    """Scenario durations ("5s", "465ms", "25151527us", "2m", "1h") in seconds."""
    if isinstance(text, (int, float)):
        raise ClusterFailure(f"duration {text!r} needs a unit")
    for unit, scale in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        number = text[:-len(unit)]
        if text.endswith(unit) and number.replace(".", "", 1).isdigit():
            return float(number) * scale
    raise ClusterFailure(f"bad duration {text!r}")


def parse_size(value):
    if isinstance(value, int):
        return value
    for unit, scale in (("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1), ("", 1)):
        number = value[:-len(unit)] if unit else value
        if value.endswith(unit) and number.isdigit():
            return int(number) * scale
    raise ClusterFailure(f"bad size {value!r}")


class Replay:
    def __init__(self, dds, scenario, work):
        self.dds = dds
        self.work = work
        self.rng = random.Random(scenario.get("cluster", {}).get("seed", 1))
        cluster = scenario.get("cluster", {})
        if cluster.get("masters", 1) != 1:
            raise ClusterFailure("several masters (cluster.masters) are not replayed: "
                                 "tests/runtime/cluster_failover.py runs them on real "
                                 "processes, with etcd")
        self.file_size = parse_size(cluster.get("file_size", 4096))
        self.sources = set(cluster.get("sources", []))
        self.growing = {}  # (node, path) -> the whole content a slow_write is writing
        self.workload = scenario.get("workload", {})
        self.expect_s = parse_duration(scenario.get("expect", {}).get("converged_within", "60s"))
        self.actions = sorted(self.schedule(scenario.get("action", [])), key=lambda a: a["_at"])
        self.proxies = Proxies(self.pid_names)
        master_port = free_port()
        self.master_front = self.proxies.add("master", master_port)
        self.master_url = f"http://127.0.0.1:{free_port()}"
        self.master = Proc("master", [
            dds, "master", "--listen", f"127.0.0.1:{master_port}", "--http",
            self.master_url[len("http://"):], "--state-dir", f"{work}/master",
            "--admin-token", TOKEN] + self.tls("master", "master"), f"{work}/master.log")
        self.nodes = {}
        for i in range(1, cluster.get("nodes", 3) + 1):
            self.new_node(f"n{i}")
        self.log = []

    # ---- set-up ------------------------------------------------------------

    def tls(self, name, role):
        return tls_flags(self.dds, f"{self.work}/tls", name, role)

    def new_node(self, name):
        port = free_port()
        front = self.proxies.add(name, port)
        data = f"{self.work}/{name}"
        os.makedirs(data, exist_ok=True)
        self.nodes[name] = Proc(name, [
            self.dds, "node", "--master", self.master_front, "--data-dir", data, "--listen",
            f"127.0.0.1:{port}", "--advertise", front, "--http", "127.0.0.1:0",
            "--admin-token", TOKEN] + (["--source"] if name in self.sources else [])
            + self.tls(name, "node"), f"{self.work}/{name}.log")
        return self.nodes[name]

    def schedule(self, actions):
        """The script's actions with their times, and the undo each implies
        (restart_after, heal_after, restore_after) as an action of its own."""
        for a in actions:
            missing = [key for key in NEEDS.get(a["do"], ()) if key not in a]
            if missing:
                raise ClusterFailure(
                    f"a {a['do']} action without {', '.join(missing)}: replay needs explicit "
                    "targets (ddsim SCENARIO --script OUT.toml makes them)")
            a = dict(a)
            a["_at"] = parse_duration(a["at"])
            if a["do"] == "slow_write":
                a.setdefault("path", f"gen/s{int(a['_at'] * 1e6)}.bin")
                step = parse_duration(a.get("takes", "1s")) / SLOW_WRITE_STEPS
                for k in range(2, SLOW_WRITE_STEPS + 1):
                    yield {"do": "slow_write_step", "node": a["node"], "path": a["path"],
                           "_part": k, "_at": a["_at"] + step * (k - 1)}
            yield a
            undo = {"crash": "restart", "master_crash": "master_restart", "partition": "heal"}
            for key in ("restart_after", "heal_after"):
                if key in a and a["do"] in undo:
                    yield {"do": undo[a["do"]], "node": a.get("node", ""),
                           "_at": a["_at"] + parse_duration(a[key])}

    def place_workload(self):
        """The scenario's starting files, named as the simulator names them."""
        w = self.workload
        names = list(self.nodes)
        lo, hi = parse_size(w.get("size_min", 4096)), parse_size(w.get("size_max", 4096))
        if "size" in w:
            lo = hi = parse_size(w["size"])
        for i in range(1, w.get("files", 0) + 1):
            path = f"{w.get('prefix', 'data/')}f{i:05}.bin"
            data = self.rng.randbytes(self.rng.randint(lo, hi))
            for name in self.rng.sample(names, min(w.get("copies", 1), len(names))):
                self.write_file(name, path, data, in_place=False)

    def pid_names(self):
        """PID -> process name, for the proxies to tell who dials them."""
        return {p.popen.pid: p.name for p in [self.master, *self.nodes.values()] if p.alive()}

    # ---- actions -----------------------------------------------------------

    def run(self):
        self.place_workload()
        self.master.start()
        for node in self.nodes.values():
            node.start()
        start = time.monotonic()
        for a in self.actions:
            delay = start + a["_at"] - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # the script's schedule, not a wait for a state
            self.note(a, self.carry_out(a))
        self.settle()

    def note(self, a, what):
        line = f"{a['_at']:9.3f}s  {a['do']} {what}"
        self.log.append(line)
        print(line, flush=True)

    def carry_out(self, a):
        kind = a["do"]
        if kind in SKIPPED:
            return "skipped: not modelled on real processes"
        handler = getattr(self, "do_" + kind, None)
        if handler is None:
            raise ClusterFailure(f"unknown action {kind!r}")
        return handler(a)

    def node_path(self, a):
        return os.path.join(self.work, a["node"], a["path"])

    def do_crash(self, a):
        node = self.nodes.get(a["node"])
        if node is None or not node.alive():
            return f"skipped: {a['node']} is not running"
        node.kill9()
        return a["node"] + (" (lose_writes: nothing lost on a SIGKILL)" if a.get("lose_writes") else "")

    def do_restart(self, a):
        node = self.nodes.get(a["node"])
        if node is None or node.alive():
            return f"skipped: {a['node']} is running"
        node.start()
        return a["node"]

    def do_master_crash(self, a):
        if not self.master.alive():
            return "skipped: the master is down"
        self.master.kill9()
        return "master"

    def do_master_restart(self, a):
        if self.master.alive():
            return "skipped: the master is running"
        self.master.start()
        return "master"

    def do_join(self, a):
        if a["node"] in self.nodes:
            return f"skipped: {a['node']} exists"
        self.new_node(a["node"]).start()
        return a["node"]

    do_add_node = do_join

    def do_write(self, a):
        node = a["node"]
        path = a.get("path") or f"gen/w{len(self.log)}.bin"
        full = os.path.join(self.work, node, path)
        if a["do"] == "modify" and not os.path.exists(full):
            return f"skipped: {node} has no {path}"
        if "content" in a:
            data = a["content"].encode()
        else:
            default = os.path.getsize(full) if os.path.exists(full) else self.file_size
            data = self.rng.randbytes(parse_size(a.get("size", default)))
        self.write_file(node, path, data, a.get("in_place", False))
        return f"{node} {path} ({len(data)} bytes)"

    do_modify = do_write

    def write_file(self, node, path, data, in_place):
        full = os.path.join(self.work, node, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if in_place and os.path.exists(full):
            with open(full, "r+b") as f:
                f.write(data)
                f.truncate()
            return
        temp = os.path.join(os.path.dirname(full), ".replay-" + os.path.basename(full))
        with open(temp, "wb") as f:
            f.write(data)
        os.rename(temp, full)  # appears whole, as a writer that renames makes it

    def do_move(self, a):
        full = self.node_path(a)
        to = a.get("to") or a["path"] + ".moved"
        target = os.path.join(self.work, a["node"], to)
        if not os.path.exists(full) or os.path.exists(target):
            return f"skipped: {a['node']} has no {a['path']}, or {to} exists"
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.rename(full, target)
        return f"{a['node']} {a['path']} -> {to}"

    def do_temp_write(self, a):
        node = a["node"]
        path = a.get("path") or f"gen/t{len(self.log)}.bin"
        full = os.path.join(self.work, node, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        suffix = "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(6))
        temp = os.path.join(os.path.dirname(full), f".{os.path.basename(full)}.{suffix}")
        data = self.rng.randbytes(parse_size(a.get("size", self.file_size)))
        with open(temp, "wb") as f:
            f.write(data)
        time.sleep(TEMP_RENAME_AFTER_S)  # rsync's pace, not a wait for a state
        os.rename(temp, full)
        return f"{node} {path} (via {os.path.basename(temp)})"

    def do_slow_write(self, a):
        data = self.rng.randbytes(parse_size(a.get("size", self.file_size)))
        self.growing[(a["node"], a["path"])] = data
        return self.grow(a["node"], a["path"], 1) + f" of {len(data)} bytes"

    def do_slow_write_step(self, a):
        return self.grow(a["node"], a["path"], a["_part"])

    def grow(self, node, path, part):
        """The slow writer's file holds `part` quarters of its content."""
        data = self.growing[(node, path)]
        full = os.path.join(self.work, node, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "r+b" if part > 1 and os.path.exists(full) else "wb") as f:
            f.write(data[:len(data) * part // SLOW_WRITE_STEPS])
        return f"{node} {path} step {part}/{SLOW_WRITE_STEPS}"

    def do_delete(self, a):
        full = self.node_path(a)
        if not os.path.exists(full):
            return f"skipped: {a['node']} has no {a['path']}"
        os.unlink(full)
        return f"{a['node']} {a['path']}"

    def do_corrupt(self, a):
        full = self.node_path(a)
        if not os.path.exists(full) or os.path.getsize(full) == 0:
            return f"skipped: {a['node']} has no {a['path']}, or it is empty"
        st = os.stat(full)
        with open(full, "r+b") as f:
            f.seek(self.rng.randrange(st.st_size))
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 0xFF]))
        os.utime(full, ns=(st.st_atime_ns, st.st_mtime_ns))  # silent: same size and mtime
        return f"{a['node']} {a['path']} (silently)"

    def do_remove(self, a):
        if not self.master.alive():
            return "skipped: the master is down"
        url = f"{self.master_url}/data/{urllib.parse.quote(a['path'])}"
        request = urllib.request.Request(url, method="DELETE",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return f"{a['path']}: {r.status}"
        except urllib.error.HTTPError as e:
            return f"{a['path']}: {e.code} (as the simulator skips it)"

    def do_partition(self, a):
        groups = a.get("groups", [])
        side = {name: g + 1 for g, group in enumerate(groups) for name in group}
        self.proxies.partition(side)
        return " | ".join(",".join(g) for g in groups)

    def do_heal(self, a):
        self.proxies.partition({})
        return "every link restored"

    # ---- the end state -------------------------------------------------------

    def get_json(self, path):
        with urllib.request.urlopen(self.master_url + path, timeout=10) as r:
            return json.load(r)

    def catalog(self):
        entries, after = [], ""
        while True:
            page = self.get_json(f"/api/files?limit=10000&after={urllib.parse.quote(after)}")
            entries += page["files"]
            after = page["next"]
            if not after:
                return entries

    def problem(self):
        try:
            status = self.get_json("/api/status")
            if not status["converged"]:
                return "the master does not report convergence"
            entries = self.catalog()
        except (OSError, ValueError, KeyError) as e:
            return f"master: {e}"
        live = [n for n, p in self.nodes.items() if p.alive()]
        for entry in entries:
            for name in live:
                full = os.path.join(self.work, name, entry["path"])
                if entry["tombstone"]:
                    if os.path.exists(full):
                        return f"{name} still holds deleted {entry['path']}"
                elif not os.path.exists(full):
                    return f"{name} lacks {entry['path']}"
                elif dds_digest_file(full) != entry["hash"]:
                    return f"{name}'s {entry['path']} differs from the catalog"
        return None

    def settle(self):
        self.proxies.partition({})
        began = time.monotonic()
        eventually(self.expect_s + SETTLE_MARGIN_S, self.problem, "did not converge")
        entries = [e for e in self.catalog() if not e["tombstone"]]
        print(f"converged {time.monotonic() - began:.1f} s after the last action: "
              f"{len(entries)} live files on {sum(p.alive() for p in self.nodes.values())} "
              f"live nodes, hashes match the catalog", flush=True)

    def stop(self):
        for proc in [*self.nodes.values(), self.master]:
            proc.stop()
        self.proxies.close()


def is_script(scenario):
    """No random actions and no fault rates ([faults] may keep its bounds)."""
    bounds = {"safety_phase", "max_down", "keep_a_copy"}
    return "random" not in scenario and set(scenario.get("faults", {})) <= bounds


def load_script(path, ddsim, work):
    """The scenario's explicit actions: the file itself if it is a script,
    else the actions its simulated run carried out."""
    try:
        with open(path, "rb") as f:
            scenario = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ClusterFailure(f"{path}: {e}")
    if is_script(scenario):
        return scenario
    if not ddsim:
        raise ClusterFailure(f"{path} has random actions or [faults]: give --ddsim, or replay "
                             f"a script made with ddsim {path} --script OUT.toml")
    script = f"{work}/script.toml"
    run = subprocess.run([ddsim, path, "--script", script, "--quiet"], capture_output=True,
                         text=True)
    if run.returncode not in (0, 4):  # 4: held, but some fault never fired
        raise ClusterFailure(f"the simulated run of {path} did not pass (exit "
                             f"{run.returncode}):\n{run.stdout}{run.stderr}")
    with open(script, "rb") as f:
        return tomllib.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dds", help="path to the dds binary")
    parser.add_argument("scenario", help="a scenario script (TOML)")
    parser.add_argument("--ddsim", help="ddsim binary: runs a scenario with random actions "
                        "or [faults] first, and replays what that run did")
    parser.add_argument("--keep", action="store_true", help="keep the run's directory")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    work = tempfile.mkdtemp(prefix="dds-replay-")
    print(f"== replay {args.scenario} in {work}", flush=True)
    replay = None
    try:
        scenario = load_script(args.scenario, args.ddsim, work)
        replay = Replay(os.path.realpath(args.dds), scenario, work)
        replay.run()
        print("PASS")
    except ClusterFailure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        for proc in [replay.master, *replay.nodes.values()] if replay else []:
            print(f"---- {proc.name}.log (last 20 lines)", file=sys.stderr)
            print("\n".join(proc.log_text().splitlines()[-20:]), file=sys.stderr)
        sys.exit(1)
    finally:
        if replay:
            replay.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
