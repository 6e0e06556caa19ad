#!/usr/bin/env python3
"""Failover test (docs/ha.md): a three-member etcd cluster on loopback, three
masters (`dds master --etcd`) and three nodes that know all three masters.

The cluster starts as one master without etcd, which records some uploads
and deletes; it is then converted: restarted with `--etcd`, it leads, and
the two other masters, started with empty state dirs, must copy its catalog
(the log alone does not hold what came before it) and follow from there.

While a writer uploads new files and deletes acknowledged ones through the
masters' HTTP API (any master: a standby answers 307 to the leader), the
leader is killed with SIGKILL, again and again, and restarted as a standby.
After each kill a standby must lead within 10 s, and at the end nothing
acknowledged may be lost: every upload answered 201 is in the catalog and on
every node with its content, unless a delete of it was acknowledged; every
acknowledged delete stays deleted. A request that got no answer may have
happened or not: either is accepted. Once all is quiet, the leader must
trim the log out of etcd but for its newest record (every master has
applied it). Then a fourth master, new, joins: behind the trimmed log, it
must copy the leader's catalog over HTTP, exit, and once restarted (as by
its supervisor) follow the log from the copy. Last, a fifth master whose
state dir holds a catalog of its own must refuse the leader's copy, say so,
and keep its own.

Also the library behind `bench/cluster/bench.py failover`: for each kill,
the time until a master leads again and until the first change is accepted.

Usage: cluster_failover.py DDS [--kills N] [--seed N]
With DDS_FAILOVER_KEEP=1 in the environment a failed run's directory is kept.
"""

import argparse
import base64
import collections
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from dds_procs import (ClusterFailure, Proc, dds_digest, dds_digest_file, die_with_parent,
                       eventually, free_port)

TOKEN = "failover-token"
MASTERS = 3
NODES = 3
LEADER_GOAL_S = 10  # the bound on a standby taking over
SETTLE_S = 120
REQUEST_TIMEOUT_S = 5
CHANGES_BETWEEN = 30  # accepted under each leader before it is killed


class Etcd:
    """A three-member etcd cluster on loopback ports, in `work`."""

    def __init__(self, work, members=3):
        self.work = work
        self.members = [(f"e{i}", free_port(), free_port()) for i in range(1, members + 1)]
        self.procs = []
        self.endpoints = [f"http://127.0.0.1:{client}" for _, client, _ in self.members]

    def start(self):
        cluster = ",".join(f"{name}=http://127.0.0.1:{peer}" for name, _, peer in self.members)
        for name, client, peer in self.members:
            log = open(os.path.join(self.work, f"{name}.log"), "ab")
            self.procs.append(subprocess.Popen(
                [os.environ.get("DDS_ETCD_BINARY", "etcd"), "--name", name, "--data-dir", os.path.join(self.work, name),
                 "--listen-client-urls", f"http://127.0.0.1:{client}",
                 "--advertise-client-urls", f"http://127.0.0.1:{client}",
                 "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                 "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                 "--initial-cluster", cluster, "--initial-cluster-state", "new"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent))
            log.close()
        eventually(60, self._unhealthy, "etcd cluster start")

    def _unhealthy(self):
        for url in self.endpoints:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if json.load(r).get("health") != "true":
                        return f"{url} not healthy yet"
            except (OSError, ValueError) as e:
                return f"{url}: {e}"
        return None

    def log_records(self, prefix="/dds/default/log/"):
        """How many log records etcd holds, and the last one's index (its
        JSON gateway: keys in base64)."""
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        body = json.dumps({"key": base64.b64encode(prefix.encode()).decode(),
                           "range_end": base64.b64encode(end.encode()).decode(),
                           "limit": 1, "sort_order": "DESCEND",
                           "sort_target": "KEY"}).encode()
        with urllib.request.urlopen(f"{self.endpoints[0]}/v3/kv/range", data=body,
                                    timeout=5) as r:
            answer = json.load(r)
        kvs = answer.get("kvs", [])
        last = int(base64.b64decode(kvs[0]["key"])[len(prefix):]) if kvs else 0
        return int(answer.get("count", 0)), last

    def applied(self, master, prefix="/dds/default/applied/"):
        """How far `master` reported it applied the log (0: no report)."""
        body = json.dumps({"key": base64.b64encode((prefix + master).encode()).decode()})
        with urllib.request.urlopen(f"{self.endpoints[0]}/v3/kv/range",
                                    data=body.encode(), timeout=5) as r:
            kvs = json.load(r).get("kvs", [])
        return int(base64.b64decode(kvs[0]["value"])) if kvs else 0

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()


@dataclass
class Upload:
    path: str
    data: bytes
    acked: bool = False
    deleted: str = ""  # "" never asked; "acked"; "unknown" (no answer)


class Writer(threading.Thread):
    """Uploads new files and deletes acknowledged ones, one request at a time,
    through whichever master answers; records what was acknowledged, and
    when each acknowledgement came."""

    def __init__(self, cluster, seed):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.rng = random.Random(seed)
        self.uploads = []
        # (asked, answered): monotonic times of each acknowledged change
        self.ack_times = []
        self.answers = collections.Counter()  # (method, status or None)
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.error = None

    def run(self):
        try:
            while not self.stop_flag.is_set():
                deletable = [u for u in self.uploads if u.acked and not u.deleted]
                if deletable and self.rng.random() < 0.3:
                    self.delete(self.rng.choice(deletable))
                else:
                    self.upload()
                time.sleep(0.02)  # a steady stream, not a flood
        except Exception as e:  # surfaced by the main thread
            self.error = e

    def upload(self):
        n = len(self.uploads)
        u = Upload(f"w/{n // 100:03d}/f{n:05d}.bin",
                   self.rng.randbytes(self.rng.choice([10, 1000, 70000])))
        self.uploads.append(u)
        asked = time.monotonic()
        code = self.cluster.request("PUT", "/data/" + u.path, u.data)
        self.answers["PUT", code] += 1
        if code == 201:
            u.acked = True
            self.acked(asked)

    def delete(self, u):
        asked = time.monotonic()
        code = self.cluster.request("DELETE", "/data/" + u.path)
        self.answers["DELETE", code] += 1
        if code == 200:
            u.deleted = "acked"
            self.acked(asked)
        elif code is None:
            u.deleted = "unknown"
        # 404: the master does not list it yet (the node's report of the
        # upload is on its way): left for later.

    def acked(self, asked):
        with self.lock:
            self.ack_times.append((asked, time.monotonic()))

    def first_ack_after(self, t):
        """When the first change asked after `t` was acknowledged: one asked
        before (of the old leader, answered just before its kill) does not
        show the new leader taking changes."""
        with self.lock:
            return next((answered for asked, answered in self.ack_times if asked > t), None)


class FailoverCluster:
    def __init__(self, dds, work):
        self.dds = dds
        self.work = work
        self.etcd = Etcd(work)
        self.masters = []
        self.nodes = []

    def start(self, writer, log):
        """A single master with some history, converted (docs/ha.md,
        "Running it"): it leads, then the others join with empty state
        dirs and copy its catalog."""
        self.etcd.start()
        controls = []
        for i in range(1, MASTERS + 1):
            control = f"127.0.0.1:{free_port()}"
            controls.append(control)
            self.masters.append(self.new_master(f"m{i}", control))
        first = self.masters[0]
        self.masters[0] = self.alone(first)
        self.masters[0].start()
        self.start_nodes(controls)
        while sum(u.acked for u in writer.uploads) < 10:
            writer.upload()
        for u in [u for u in writer.uploads if u.acked][:3]:
            eventually(30, lambda: writer.delete(u) or (None if u.deleted else "not listed yet"),
                       "a delete on the single master")
        self.masters[0].stop()
        self.masters[0] = first
        first.start()
        self.wait_for_leader(30)
        eventually(30, lambda: None if self.etcd.log_records()[0] else "nothing logged",
                   "the converted master's first batch")
        for m in self.masters[1:]:
            join_by_copy(self, m, self.etcd.log_records()[1])
        log(f"converted: {first.name} leads over its old catalog "
            f"({sum(u.acked for u in writer.uploads)} uploads); the others copied it")

    def alone(self, master):
        """`master` as the only master: without its etcd flags."""
        i = master.argv.index("--etcd")
        argv = master.argv[:i] + master.argv[i + 4:]  # --etcd URLS --name NAME
        return Proc(master.name, argv, master.log_path)

    def start_nodes(self, controls):
        for i in range(1, NODES + 1):
            self.nodes.append(Proc(f"n{i}", [
                self.dds, "node", "--insecure", "--name", f"n{i}",
                "--master", ",".join(controls),
                "--data-dir", os.path.join(self.work, f"n{i}"),
                "--http", "127.0.0.1:0", "--admin-token", TOKEN],
                os.path.join(self.work, f"n{i}.log")))
        for n in self.nodes:
            n.start()

    def new_master(self, name, control):
        return Proc(name, [
            self.dds, "master", "--insecure", "--etcd", ",".join(self.etcd.endpoints),
            "--name", name, "--listen", control, "--http", f"127.0.0.1:{free_port()}",
            "--state-dir", os.path.join(self.work, name), "--admin-token", TOKEN],
            os.path.join(self.work, f"{name}.log"))

    def stop(self):
        for p in self.nodes + self.masters:
            p.stop()
        self.etcd.stop()

    def leader(self):
        """The master that answers /api/status itself (a standby redirects)."""
        for m in self.masters:
            if not m.alive():
                continue
            try:
                req = urllib.request.Request(f"http://{m.http}/api/status")
                opener = urllib.request.build_opener(NoRedirect)
                with opener.open(req, timeout=2) as r:
                    if r.status == 200:
                        return m
            except (OSError, urllib.error.HTTPError):
                continue
        return None

    def wait_for_leader(self, seconds):
        eventually(seconds, lambda: None if self.leader() else "no master leads",
                   "a leader")
        return self.leader()

    def request(self, method, target, body=None):
        """One change through the masters: the first that answers, a 307
        followed once. The status code, or None if the answer was lost (the
        change may have happened or not); 502 if no master could take it."""
        order = [m for m in self.masters if m.alive() and m.http]
        random.shuffle(order)
        for m in order:
            url = f"http://{m.http}{target}"
            for _ in range(2):  # the master asked, then the leader it names
                req = urllib.request.Request(url, data=body, method=method,
                                             headers={"Authorization": f"Bearer {TOKEN}"})
                try:
                    with urllib.request.build_opener(NoRedirect).open(
                            req, timeout=REQUEST_TIMEOUT_S) as r:
                        return r.status
                except urllib.error.HTTPError as e:
                    if e.code == 307 and e.headers.get("Location"):
                        url = e.headers["Location"]
                        continue
                    if e.code in (502, 503):  # no leader yet, or no node: next
                        break
                    return e.code
                except urllib.error.URLError as e:
                    if isinstance(e.reason, ConnectionRefusedError):
                        break  # nothing happened there
                    return None
                except OSError:  # cut off, or no answer in time
                    return None
        time.sleep(0.05)
        return 502

    def catalog(self):
        files, after = {}, ""
        while True:
            leader = self.wait_for_leader(30)
            url = f"http://{leader.http}/api/files?limit=10000&after={after}"
            with urllib.request.urlopen(url, timeout=30) as r:
                page = json.load(r)
            for f in page["files"]:
                files[f["path"]] = f
            after = page["next"]
            if not after:
                return files


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def kill_leader(cluster, writer, kills, log):
    """Kills the leader `kills` times; returns [(to_leader_s, to_change_s)]."""
    results = []
    for k in range(kills):
        # Changes flow under this leader first.
        before = len(writer.ack_times)
        eventually(60, lambda: None if len(writer.ack_times) >= before + CHANGES_BETWEEN else
                   f"fewer than {CHANGES_BETWEEN} changes accepted", "changes before the kill")
        leader = cluster.wait_for_leader(30)
        t0 = time.monotonic()
        leader.kill9()
        new = None
        while time.monotonic() - t0 < 60:
            new = cluster.leader()
            if new:
                break
            time.sleep(0.02)
        to_leader = time.monotonic() - t0
        if new is None or to_leader > LEADER_GOAL_S:
            raise ClusterFailure(f"kill {k + 1}: no master led within {LEADER_GOAL_S} s "
                                 f"(waited {to_leader:.1f} s)")
        eventually(60, lambda: None if writer.first_ack_after(t0) else "no change accepted",
                   f"kill {k + 1}: a change after the new leader")
        to_change = writer.first_ack_after(t0) - t0
        log(f"kill {k + 1}: {leader.name} killed; {new.name} leads after {to_leader:.2f} s, "
            f"first change accepted after {to_change:.2f} s")
        results.append((to_leader, to_change))
        leader.start()  # back as a standby
        if writer.error:
            raise writer.error
    return results


def check_nothing_lost(cluster, writer):
    """Every acknowledged upload, unless deleted, is listed and on every node;
    no acknowledged delete is undone."""
    def problem():
        catalog = cluster.catalog()
        for u in writer.uploads:
            entry = catalog.get(u.path)
            live = entry is not None and not entry["tombstone"]
            if u.deleted == "acked" and live:
                return f"{u.path}: deleted (acknowledged), listed again"
            if u.acked and not u.deleted and not live:
                return f"{u.path}: uploaded (acknowledged), not in the catalog"
            for n in cluster.nodes:
                on_disk = os.path.join(cluster.work, n.name, u.path)
                if live and not os.path.exists(on_disk):
                    return f"{u.path}: listed, missing on {n.name}"
                if not live and os.path.exists(on_disk) and (u.acked or u.deleted):
                    return f"{u.path}: not listed, still on {n.name}"
                if live and entry["hash"] != dds_digest_file(on_disk):
                    return f"{u.path}: on {n.name} not as listed"
            if live and u.acked and entry["hash"] != dds_digest(u.data):
                return f"{u.path}: listed with other content than uploaded"
        return None
    eventually(SETTLE_S, problem, "everything acknowledged, everywhere")


def join_by_copy(cluster, master, written):
    """`master`, started with an empty state dir, copies the leader's
    catalog, exits, and once restarted (as by its supervisor) follows the
    log at least through `written`."""
    master.start()
    eventually(60, lambda: None if not master.alive() else "still running",
               f"{master.name}, which cannot follow the log alone, stops once it has "
               "copied the catalog")
    if "copied the catalog" not in master.log_text():
        raise ClusterFailure(f"{master.name} stopped without copying the catalog:\n" +
                             master.log_text()[-2000:])
    master.start()
    eventually(60, lambda: None if cluster.etcd.applied(master.name) >= written else
               f"{master.name} reports {cluster.etcd.applied(master.name)}, not {written}",
               f"{master.name} following the log from the copy")


def add_late_master(cluster, written, log):
    """A master new to the cluster, behind the trimmed log: it copies the
    leader's catalog, exits, and once restarted follows the log."""
    leader = cluster.wait_for_leader(30)
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        try:
            urllib.request.urlopen(urllib.request.Request(
                f"http://{leader.http}/replica/catalog", headers=headers), timeout=10)
            raise ClusterFailure("the leader gave its catalog without the admin token")
        except urllib.error.HTTPError as e:
            if e.code != 401:
                raise ClusterFailure(f"/replica/catalog without the token: {e.code}, not 401")
    late = cluster.new_master(f"m{MASTERS + 1}", f"127.0.0.1:{free_port()}")
    cluster.masters.append(late)
    join_by_copy(cluster, late, written)
    log(f"{late.name}, new after the trim, copied the catalog and follows the log "
        f"(applied through {cluster.etcd.applied(late.name)})")


def add_foreign_master(cluster, log):
    """A master whose state dir holds another cluster's catalog (a single
    master's of its own), started into this cluster behind the trimmed log:
    it refuses the leader's catalog rather than replace its own, says so
    once, and stays up following nothing."""
    foreign = cluster.new_master(f"m{MASTERS + 2}", f"127.0.0.1:{free_port()}")
    alone = cluster.alone(foreign)
    alone.start()  # a catalog, and an epoch, of its own
    alone.stop()
    cluster.masters.append(foreign)
    foreign.start()
    eventually(60, lambda: None if "another cluster's" in foreign.log_text() else
               "no refusal logged", f"{foreign.name} refusing another cluster's catalog")
    # Its HTTP answers after the refusal: it did not stop over it.
    try:
        urllib.request.urlopen(f"http://{foreign.http}/api/status", timeout=5)
    except urllib.error.HTTPError as e:
        if e.code not in (307, 503):
            raise ClusterFailure(f"{foreign.name} answered {e.code} to /api/status")
    except OSError as e:
        raise ClusterFailure(f"{foreign.name} does not answer after the refusal: {e}")
    if not foreign.alive():
        raise ClusterFailure(f"{foreign.name} exited ({foreign.popen.returncode}):\n" +
                             foreign.log_text()[-2000:])
    if os.path.exists(os.path.join(cluster.work, foreign.name, "incoming.db")):
        raise ClusterFailure(f"{foreign.name} kept the leader's catalog")
    log(f"{foreign.name}, with a catalog of its own, refused the leader's and stays out")


def run(dds, kills, seed, log=print):
    work = tempfile.mkdtemp(prefix="dds-failover-")
    cluster = FailoverCluster(dds, work)
    writer = Writer(cluster, seed)
    ok = False
    try:
        cluster.start(writer, log)
        writer.start()
        results = kill_leader(cluster, writer, kills, log)
        writer.stop_flag.set()
        writer.join(60)
        if writer.error:
            raise writer.error
        check_nothing_lost(cluster, writer)
        acked = sum(u.acked for u in writer.uploads)
        deleted = sum(u.deleted == "acked" for u in writer.uploads)
        log(f"{len(writer.uploads)} uploads asked, {acked} acknowledged, "
            f"{deleted} acknowledged deletes; nothing acknowledged lost")
        # The leader trims what every master has applied (every 10 s), but
        # for the newest record.
        written = cluster.etcd.log_records()[1]
        eventually(60, lambda: None if cluster.etcd.log_records()[0] == 1 else
                   "%d of %d log records still in etcd" % cluster.etcd.log_records(),
                   "the log trimmed once every master applied it")
        log(f"the log trimmed: etcd holds 1 of the {written} records written")
        add_late_master(cluster, written, log)
        add_foreign_master(cluster, log)
        log("answers: " + ", ".join(f"{m} {c}: {n}" for (m, c), n in
                                     sorted(writer.answers.items(), key=str)))
        ok = True
        return results
    finally:
        writer.stop_flag.set()
        cluster.stop()
        if ok or not os.environ.get("DDS_FAILOVER_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept {work}")


def summary(results):
    leader = [r[0] for r in results]
    change = [r[1] for r in results]
    return (f"time to a new leader: p50 {statistics.median(leader):.2f} s, "
            f"max {max(leader):.2f} s; to the first accepted change: "
            f"p50 {statistics.median(change):.2f} s, max {max(change):.2f} s "
            f"({len(results)} kills)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dds")
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"seed {args.seed}", flush=True)
    try:
        results = run(os.path.abspath(args.dds), args.kills, args.seed,
                      log=lambda line: print(line, flush=True))
    except ClusterFailure as e:
        print(f"FAILED: {e}", flush=True)
        return 1
    print(summary(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
