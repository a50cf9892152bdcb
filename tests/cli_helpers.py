"""Running `python -m gil_tui ...` from the tests, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_env() -> dict[str, str]:
    """The test's environment, with this checkout importable."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH")]))
    return out


def run_cli(command: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gil_tui", command, *args],
        capture_output=True, text=True, timeout=timeout, env=cli_env(), cwd=ROOT,
    )


def one_clear_line(stderr: str) -> str:
    """A failure is one line on stderr, never a traceback."""
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def wait_for_child(pid: int, script_suffix: str, timeout: float = 15.0):
    """The child process of `pid` whose command line runs a file ending in
    `script_suffix` (a psutil.Process), waiting up to `timeout` s; None if none came."""
    import time

    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(pid).children():
            try:
                if any(arg.endswith(script_suffix) for arg in child.cmdline()):
                    return child
            except psutil.Error:
                pass
        time.sleep(0.05)
    return None


def in_terminal(*args: str, env: dict[str, str] | None = None):
    """`gil-tui ARGS` with a 100x30 pseudo-terminal as its terminal; returns (proc, drawn)
    where drawn is a list of the bytes it drew, filled by a thread."""
    import pty
    import threading

    master, slave = pty.openpty()
    term_env = dict(cli_env() if env is None else env)
    term_env.update(TERM="xterm-256color", COLUMNS="100", LINES="30")
    proc = subprocess.Popen([sys.executable, "-m", "gil_tui", *args], stdin=slave,
                            stdout=slave, stderr=slave, env=term_env, cwd=ROOT,
                            start_new_session=True)
    os.close(slave)
    drawn: list[bytes] = []

    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            drawn.append(data)
        os.close(master)

    threading.Thread(target=drain, daemon=True).start()
    return proc, drawn
