"""Headless Chromium for the browser tests: Debian's chromium and
chromedriver (installed by scripts/setup.sh), driven through Selenium
(Debian's python3-selenium). Nothing is downloaded.

Screenshots go to $DDS_SCREENSHOT_DIR (CTest sets it to the build tree's
screenshots/ folder), so a run leaves them for a reader to look at.
"""

import os
import sys

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runtime"))
from dds_procs import eventually as until_no_problem  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def open_browser(width=1280, height=900, javascript=True):
    """A headless Chromium window of the given size."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def screenshot(driver, name):
    """Saves the window as NAME.png in $DDS_SCREENSHOT_DIR; returns the path."""
    folder = os.environ.get("DDS_SCREENSHOT_DIR", ".")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name + ".png")
    driver.save_screenshot(path)
    return path


def eventually(seconds, check, what):
    """Polls the page until check() returns a true value, and returns it. A
    check that throws (an element replaced while the page updates) counts
    as not yet."""
    found = []

    def problem():
        try:
            value = check()
        except WebDriverException as error:
            return f"page mid-update: {error.msg}"
        if value:
            found.append(value)
            return None
        return f"got {value!r}"

    until_no_problem(seconds, problem, what)
    return found[-1]
