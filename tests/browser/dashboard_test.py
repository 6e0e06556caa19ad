#!/usr/bin/env python3
"""The master's dashboard in headless Chromium, against a real TLS cluster
(a master and two nodes on loopback):

  * it shows both nodes up, their certificates' expiry, the catalog's size
    and convergence, and reads the same as plain tables without JavaScript;
  * a node killed with SIGKILL shows as down, without reloading the page,
    within the master's failure timeout (plus the check and refresh
    periods), and the event list says so;
  * restarted, it shows as up again and the cluster converges.

Screenshots: dashboard-up.png, dashboard-down.png, dashboard-back.png,
dashboard-nojs.png in $DDS_SCREENSHOT_DIR.

Usage: dashboard_test.py DDS
"""

import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runtime"))

from browser import open_browser, screenshot  # noqa: E402
from dds_procs import Proc, eventually, free_port, tls_flags  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

FILES = 12
NODE_TIMEOUT_S = 5  # the master's default: no heartbeat for this long is down
FAILURE_CHECK_S = 1  # how often the master looks
REFRESH_S = 1  # the page's own period
DOWN_WITHIN_S = NODE_TIMEOUT_S + FAILURE_CHECK_S + REFRESH_S + 2  # + a loaded machine


def cell(driver, node, css):
    """Text of a cell in node's row ('' while the page swaps its tables)."""
    try:
        return driver.find_element(By.CSS_SELECTOR, f'tr[data-node="{node}"] {css}').text
    except WebDriverException:
        return ""


def page_problem(driver, want_states, converged):
    states = {n: cell(driver, n, "td.state") for n in want_states}
    if states != want_states:
        return f"states {states}"
    text = driver.find_element(By.ID, "converged").text
    if converged and text != "converged":
        return f"summary says {text!r}"
    return None


class Cluster:
    def __init__(self, dds, work):
        self.work = work
        control = f"127.0.0.1:{free_port()}"
        ca = f"{work}/tls"
        self.master = Proc("master", [
            dds, "master", "--listen", control, "--http", f"127.0.0.1:{free_port()}",
            "--state-dir", f"{work}/master"] + tls_flags(dds, ca, "master", "master"),
            f"{work}/master.log")
        self.nodes = {}
        for name in ("n1", "n2"):
            os.makedirs(f"{work}/{name}")
            self.nodes[name] = Proc(name, [
                dds, "node", "--master", control, "--data-dir", f"{work}/{name}",
                "--http", "127.0.0.1:0"] + tls_flags(dds, ca, name, "node"),
                f"{work}/{name}.log")
        for i in range(FILES):
            with open(f"{work}/n1/file{i:02}.txt", "w") as f:
                f.write(f"file {i}\n" * (i + 1))

    def start(self):
        self.master.start()
        for node in self.nodes.values():
            node.start()

    def stop(self):
        for proc in [*self.nodes.values(), self.master]:
            proc.stop()


def check_without_javascript(url):
    """The page read with JavaScript off: the same tables, as rendered."""
    driver = open_browser(javascript=False)
    try:
        driver.get(url)
        rows = driver.find_elements(By.CSS_SELECTOR, "#nodes tr.node")
        assert len(rows) == 2, f"without JavaScript: {len(rows)} node rows"
        assert "n1" in rows[0].text and "up" in rows[0].text, rows[0].text
        print("without JavaScript:", screenshot(driver, "dashboard-nojs"))
    finally:
        driver.quit()


def run(dds, work):
    cluster = Cluster(dds, work)
    cluster.start()
    url = f"http://{cluster.master.http}/"
    driver = open_browser()
    try:
        driver.get(url)
        # Marks this page: it must still be there when the node goes down,
        # which proves the page updated itself rather than being reloaded.
        driver.execute_script("window.ddsTestMark = 1;")
        eventually(60, lambda: page_problem(driver, {"n1": "up", "n2": "up"}, True),
                   "both nodes up and converged")
        catalog = driver.find_element(By.ID, "catalog").text
        assert catalog.startswith(f"{FILES} files"), catalog
        expiry = cell(driver, "n1", "td.cert")
        assert "UTC" in expiry, f"n1's certificate expiry: {expiry!r}"
        print("up:", screenshot(driver, "dashboard-up"))
        check_without_javascript(url)

        cluster.nodes["n2"].popen.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        eventually(DOWN_WITHIN_S, lambda: page_problem(driver, {"n1": "up", "n2": "down"},
                                                       False), "n2 down on the page")
        took = time.monotonic() - killed
        events = driver.find_element(By.ID, "events").text
        assert "node n2 is down" in events, events
        assert driver.execute_script("return window.ddsTestMark;") == 1, "page was reloaded"
        print(f"n2 shown down {took:.1f} s after SIGKILL (bound {DOWN_WITHIN_S} s)")
        print("down:", screenshot(driver, "dashboard-down"))

        cluster.nodes["n2"].popen.wait()
        cluster.nodes["n2"].start()
        restarted = time.monotonic()
        eventually(60, lambda: page_problem(driver, {"n1": "up", "n2": "up"}, True),
                   "n2 back up and converged")
        print(f"n2 shown up again {time.monotonic() - restarted:.1f} s after its restart")
        print("back:", screenshot(driver, "dashboard-back"))
    finally:
        driver.quit()
        cluster.stop()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.rsplit("\n\n", 1)[1])
    # A runner's SIGTERM unwinds like Ctrl-C, so every process gets stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    work = tempfile.mkdtemp(prefix="dds-dashboard-")
    try:
        run(os.path.realpath(sys.argv[1]), work)
        print("PASS")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
