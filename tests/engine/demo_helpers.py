"""What the demo tests share: pyenv interpreters and the no-orphans check (``groups``).

Every process a demo starts runs in its own process group; the ``groups`` fixture
records each group and, after the test, asserts that none of them has a live
process left (psutil), multiprocessing children, fork servers and resource
trackers included. A test module uses it with ``from tests.engine.demo_helpers
import groups  # noqa: F401``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from gil_tui.engine.system import processes as demo_proc

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"


def pyenv_python(version: str) -> str:
    """The pyenv interpreter ``version`` (``3.13`` or an exact ``3.13.0``); skip if missing."""
    exact = PYENV / version / "bin" / "python"
    if version.count(".") == 2:
        if not exact.exists():
            pytest.skip(f"no pyenv Python {version} on this machine")
        return str(exact)
    matches = sorted(PYENV.glob(f"{version}.*/bin/python"))
    if not matches:
        pytest.skip(f"no pyenv Python {version} on this machine")
    return str(matches[0])


def live_members(pgid: int) -> list[psutil.Process]:
    found = []
    for pid in psutil.pids():
        try:
            if os.getpgid(pid) == pgid and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                found.append(psutil.Process(pid))
        except (OSError, psutil.Error):
            pass
    return found


@pytest.fixture
def groups(monkeypatch):
    """Record the process group of every script a demo starts; none may survive the test."""
    started: list[int] = []
    real_popen = subprocess.Popen

    class Recording(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if kwargs.get("start_new_session"):
                started.append(self.pid)

    real_exec = asyncio.create_subprocess_exec

    async def recording_exec(*args, **kwargs):
        proc = await real_exec(*args, **kwargs)
        started.append(proc.pid)
        return proc

    monkeypatch.setattr(demo_proc.subprocess, "Popen", Recording)
    monkeypatch.setattr(asyncio, "create_subprocess_exec", recording_exec)
    yield started
    deadline = time.monotonic() + 1.0
    left = [p for pgid in started for p in live_members(pgid)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for pgid in started for p in live_members(pgid)]
    assert not left, f"processes left behind: {left}"
