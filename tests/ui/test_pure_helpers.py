"""The UI's pure helpers never import Textual: their rules are tested (and could be used)
without an app. Each module is imported in a fresh interpreter, as in
tests/test_import_hygiene.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PURE = (
    "gil_tui.ui.text",
    "gil_tui.ui.selection",
    "gil_tui.ui.services",
    "gil_tui.ui.run_gate",
    "gil_tui.ui.tabs.live.controls",
    "gil_tui.ui.tabs.live.runs",
    "gil_tui.ui.tabs.live.sampling",
    "gil_tui.ui.tabs.compare.canvas",
    "gil_tui.ui.tabs.compare.choice",
    "gil_tui.ui.tabs.compare.copying",
    "gil_tui.ui.tabs.compare.history",
    "gil_tui.ui.tabs.compare.jobs",
    "gil_tui.ui.tabs.compare.rows",
    "gil_tui.ui.tabs.interpreters.rows",
)

CHECK = """
import importlib, sys
importlib.import_module(sys.argv[1])
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] == "textual")))
"""


@pytest.mark.parametrize("module", PURE)
def test_pure_helper_does_not_import_textual(module: str) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", CHECK, module], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
