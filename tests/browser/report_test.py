"""ddsim --report in headless Chromium: the page a reader opens after a run.

scenarios/partition.toml is run twice: as shipped (it passes) and with
--test-fault hide-deletions (a node's disk hides a deletion from it, so the
cluster never converges: Liveness fails at the end). Each report is opened
from its file:// URL and checked as a reader would look at it: a lane per
process, partitions as bands, a mark's hover text, the verdict, and for the
failed run the violation and the same reproduce command ddsim printed. A
swarm failure's report is of its shrunk reproducer; an unwritable path is
one line and exit 2. Screenshots: report-pass.png, report-fail.png.

Usage: report_test.py PATH/TO/ddsim
"""

import os
import pathlib
import subprocess
import sys
import tempfile

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from browser import eventually, open_browser, screenshot

SCENARIO = str(pathlib.Path(__file__).resolve().parents[2] / "scenarios" / "partition.toml")
PROCESSES = ["master", "n1", "n2", "n3", "n4", "n5", "n6"]


def ddsim(*args, expect):
    run = subprocess.run([DDSIM, *args], capture_output=True, text=True, timeout=240)
    assert run.returncode == expect, (args, run.returncode, run.stdout[-2000:], run.stderr)
    return run


def printed(stdout, prefix):
    """The rest of ddsim's last output line starting with `prefix`."""
    lines = [line.strip() for line in stdout.splitlines() if line.strip().startswith(prefix)]
    assert lines, f"no line {prefix!r} in {stdout[-2000:]}"
    return lines[-1][len(prefix):].strip()


def title_of(element):
    return element.find_element(By.TAG_NAME, "title").get_attribute("textContent")


def hover(driver, element):
    """Points at `element` and returns the hover box's text once it shows."""
    ActionChains(driver).move_to_element(element).perform()
    box = driver.find_element(By.ID, "hover")
    return eventually(5, lambda: box.is_displayed() and box.text, "the hover box")


def check_lanes_and_bands(driver):
    lanes = driver.find_elements(By.CSS_SELECTOR, "svg .lane")
    names = [lane.get_attribute("data-process") for lane in lanes]
    assert names == ["cluster", *PROCESSES], names
    for name in PROCESSES:
        up = driver.find_elements(By.CSS_SELECTOR, f'.lane[data-process="{name}"] .up')
        assert up, f"{name} has no up bar"
    # The scripted split cuts n4..n6 off from the master from 10 s to 40 s.
    bands = driver.find_elements(By.CSS_SELECTOR, '.band.partition[data-process="n5"]')
    titles = [title_of(band) for band in bands]
    assert any(t.startswith("partition 10.000s to 40.000s: n5 cut off") for t in titles), titles
    # n1 stays on the master's side of that split.
    n1 = driver.find_elements(By.CSS_SELECTOR, '.band.partition[data-process="n1"]')
    assert not any("10.000s to 40.000s" in title_of(band) for band in n1)


def check_passing(driver, path):
    driver.get(path.as_uri())
    verdict = driver.find_element(By.ID, "verdict")
    assert "pass" in verdict.get_attribute("class").split(), verdict.get_attribute("class")
    assert verdict.text.startswith("Passed: all invariants held"), verdict.text
    assert not driver.find_elements(By.ID, "violation")
    assert not driver.find_elements(By.ID, "reproduce")
    assert title_of(driver.find_element(By.ID, "convergence")).startswith("converged at ")
    check_lanes_and_bands(driver)
    # The scripted write on n1 at 12 s: its mark, and its text on hover.
    writes = driver.find_elements(By.CSS_SELECTOR, '.lane[data-process="n1"] .mark.write')
    mark = next(m for m in writes if m.get_attribute("data-t") == "12.000s")
    assert title_of(mark).startswith("12.000s  write n1 side-a/report.txt"), title_of(mark)
    text = hover(driver, mark)
    assert text == " ".join(title_of(mark).split()), (text, title_of(mark))  # as rendered
    screenshot(driver, "report-pass")


def check_failing(driver, path, reproduce):
    driver.get(path.as_uri())
    verdict = driver.find_element(By.ID, "verdict")
    assert "fail" in verdict.get_attribute("class").split()
    assert verdict.text.startswith("FAILED: Liveness at "), verdict.text
    assert driver.find_element(By.ID, "reproduce").text == reproduce
    violation = driver.find_element(By.ID, "violation")
    assert title_of(violation).startswith("Liveness FAILED at "), title_of(violation)
    check_lanes_and_bands(driver)
    assert driver.find_elements(By.CSS_SELECTOR, '.lane[data-process="cluster"] .mark.network')
    text = hover(driver, violation.find_element(By.TAG_NAME, "path"))
    assert text.startswith("Liveness FAILED at "), text
    screenshot(driver, "report-fail")


def check_swarm(driver, folder):
    """A swarm failure writes the report of its shrunk reproducer."""
    report = folder / "swarm.html"
    repro = folder / "repro.toml"
    run = ddsim("--swarm", "--seed", "1", "--test-fault", "corrupt-publish", "--quiet",
                "--repro", str(repro), "--report", str(report), expect=1)
    assert printed(run.stdout, "report:") == str(report)
    driver.get(report.as_uri())
    shrunk = folder / "repro-shrunk.toml"
    assert driver.find_element(By.ID, "reproduce").text == f"ddsim {shrunk}"
    assert str(shrunk) in driver.title


def check_bad_path(folder):
    run = ddsim(SCENARIO, "--report", str(folder / "no-such-dir" / "r.html"), expect=2)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "--report: cannot write" in lines[0], run.stderr


def main():
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        check_bad_path(folder)
        passing, failing = folder / "pass.html", folder / "fail.html"
        run = ddsim(SCENARIO, "--quiet", "--report", str(passing), expect=0)
        assert printed(run.stdout, "report:") == str(passing)
        run = ddsim(SCENARIO, "--quiet", "--test-fault", "hide-deletions",
                    "--report", str(failing), expect=1)
        reproduce = printed(run.stdout, "reproduce:")
        driver = open_browser()
        try:
            check_passing(driver, passing)
            check_failing(driver, failing, reproduce)
            check_swarm(driver, folder)
        finally:
            driver.quit()
    print("report pages: ok")


if __name__ == "__main__":
    DDSIM = os.path.abspath(sys.argv[1])
    main()
