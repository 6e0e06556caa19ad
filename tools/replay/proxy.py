"""TCP proxies in front of every control and peer port of a replayed
cluster, so the runner can cut the links between groups of processes
(a partition) and restore them (heal), as the simulator's network does.

Connections are end-to-end TLS, so a proxy cannot read who dials it: it asks
the kernel. The dialer's socket is the one in /proc/net/tcp whose local port
is the accepted connection's peer port; the process holding that socket
(/proc/PID/fd) is the dialer. Only the cluster's own processes are searched.
"""

import os
import socket
import threading


def _socket_inode(local_port, remote_port):
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                local, remote = fields[1], fields[2]
                if (int(local.rsplit(":", 1)[1], 16) == local_port
                        and int(remote.rsplit(":", 1)[1], 16) == remote_port):
                    return fields[9]
    return None


def _holder(inode, pid_names):
    target = f"socket:[{inode}]"
    for pid, name in pid_names.items():
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return name
        except OSError:
            continue  # it exited meanwhile
    return None


class _Link:
    """One proxied connection: two sockets and the two threads copying."""

    def __init__(self, dialer, target, client, upstream):
        self.dialer, self.target = dialer, target
        self._sockets = (client, upstream)

    def start(self):
        client, upstream = self._sockets
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(1 << 16):
                sink.sendall(data)
        except OSError:
            pass
        self.close()

    def closed(self):
        return self._sockets[0].fileno() == -1

    def close(self):
        for s in self._sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)  # wakes the other pump
            except OSError:
                pass
            s.close()


class Proxies:
    def __init__(self, pid_names):
        """pid_names(): PID -> process name of the cluster's live processes."""
        self._pid_names = pid_names
        self._lock = threading.Lock()
        self._side = {}  # process name -> group; unnamed processes are in group 0
        self._links = []
        self._listeners = []

    def add(self, name, port):
        """A proxy to 127.0.0.1:port, the listening port of process `name`;
        returns the address the others should dial instead."""
        listener = socket.create_server(("127.0.0.1", 0))
        self._listeners.append(listener)
        threading.Thread(target=self._accept, args=(listener, name, port), daemon=True).start()
        return f"127.0.0.1:{listener.getsockname()[1]}"

    def partition(self, side):
        """Cuts every link between processes on different sides (a dict of
        name -> side; {} heals) and refuses such links from now on."""
        with self._lock:
            self._side = dict(side)
            cut = [link for link in self._links if self._crosses(link.dialer, link.target)]
            self._links = [link for link in self._links if link not in cut]
        for link in cut:
            link.close()

    def close(self):
        for listener in self._listeners:
            listener.close()
        self.partition({})
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            link.close()

    def _crosses(self, a, b):
        return self._side.get(a, 0) != self._side.get(b, 0)

    def _accept(self, listener, target, port):
        front = listener.getsockname()[1]
        while True:
            try:
                client, peer = listener.accept()
            except OSError:
                return  # closed
            inode = _socket_inode(peer[1], front)
            dialer = _holder(inode, self._pid_names()) if inode else None
            with self._lock:
                refused = self._crosses(dialer, target)
            if refused:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()  # the process is down: so is its proxy
                continue
            link = _Link(dialer, target, client, upstream)
            with self._lock:  # a partition may have begun meanwhile
                refused = self._crosses(dialer, target)
                if not refused:
                    self._links = [old for old in self._links if not old.closed()]
                    self._links.append(link)
            if refused:
                link.close()
            else:
                link.start()
