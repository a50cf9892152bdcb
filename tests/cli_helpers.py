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
