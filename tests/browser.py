"""Headless Chromium (Debian's chromium + chromium-driver) driven by selenium, for the
`gil-tui serve` test, and reading the text of textual-serve's terminal.

textual-serve's page draws the terminal with xterm.js on a canvas (no text in the
DOM) and keeps its ``Terminal`` object in a closure. :func:`find_terminal` finds it
through the DevTools protocol -- ``Runtime.queryObjects`` lists the page's objects,
and the one with ``terminal`` and ``websocket_url`` is textual-serve's session -- and
stores it as ``window.__gilTerminal``; :func:`screen_text` then reads its buffer
(``buffer.active.getLine(y).translateToString(true)``) line by line.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Callable

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return (f"{path} is missing: `apt-get install -y chromium chromium-driver` "
                    f"(.ci/run installs {package} in CI)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is missing: pip install -e '.[test]'"
    return None


def start_chromium(profile: str, width: int = 1400, height: int = 860):
    """A headless Chromium with a fresh profile (the caller quits it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


FIND = """function () {
  const session = this.find(o => { try { return !!(o && o.terminal && 'websocket_url' in o); }
                                   catch (e) { return false; } });
  window.__gilTerminal = session ? session.terminal : undefined;
  return !!session;
}"""

READ = """const t = window.__gilTerminal;
if (!t) { return null; }
const buffer = t.buffer.active, lines = [];
for (let y = 0; y < t.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  lines.push(line ? line.translateToString(true) : '');
}
return lines.join('\\n');"""


def find_terminal(driver) -> bool:
    """Expose textual-serve's xterm.js Terminal as ``window.__gilTerminal``."""
    proto = driver.execute_cdp_cmd("Runtime.evaluate", {"expression": "Object.prototype"})
    found = driver.execute_cdp_cmd(
        "Runtime.queryObjects", {"prototypeObjectId": proto["result"]["objectId"]})
    done = driver.execute_cdp_cmd("Runtime.callFunctionOn", {
        "objectId": found["objects"]["objectId"], "functionDeclaration": FIND,
        "returnByValue": True})
    for handle in (found["objects"]["objectId"], proto["result"]["objectId"]):
        driver.execute_cdp_cmd("Runtime.releaseObject", {"objectId": handle})
    return bool(done["result"].get("value"))


def screen_text(driver) -> str:
    """The terminal's visible lines, as text."""
    return driver.execute_script(READ) or ""


def wait_for(what: str, check: Callable[[], object], timeout: float, explain=lambda: ""):
    """Poll ``check`` until it returns something true; fail with ``explain()`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{explain()}")
        time.sleep(0.2)


def new_profile() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="gil-tui-chromium-")
