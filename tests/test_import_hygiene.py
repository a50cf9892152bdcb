"""The engine, the worker and the headless commands never import Textual or rich.

Each module is imported in a fresh interpreter, so what another test imported
cannot hide a stray import.  The module list is discovered with pkgutil: a new
engine or worker module is covered without editing this file.
"""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import gil_tui.engine
import gil_tui.worker

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("textual", "rich")
HEADLESS_COMMANDS = ("gil_tui.commands.bench", "gil_tui.commands.interpreters",
                     "gil_tui.commands.compare", "gil_tui.commands.results",
                     "gil_tui.commands.watch", "gil_tui.commands.costs",
                     "gil_tui.commands.demo", "gil_tui.commands.lessons",
                     "gil_tui.commands.live", "gil_tui.commands.app")


def _walk(package) -> list[str]:
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        names.append(info.name)
    return names


MODULES = _walk(gil_tui.engine) + _walk(gil_tui.worker) + ["gil_tui.cli", "gil_tui.paths"]

CHECK = """
import importlib, sys
importlib.import_module(sys.argv[1])
{extra}
bad = sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})
print(" ".join(bad))
"""


def imported_forbidden(module: str, extra: str = "") -> list[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    script = CHECK.format(extra=extra, forbidden=FORBIDDEN)
    done = subprocess.run(
        [sys.executable, "-c", script, module],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, f"importing {module} failed:\n{done.stderr}"
    return done.stdout.split()


def test_the_walk_finds_the_engine_modules():
    assert "gil_tui.engine.system.interpreters" in MODULES
    assert "gil_tui.engine.system.monitor" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_module_does_not_import_the_ui(module):
    assert imported_forbidden(module) == []


@pytest.mark.parametrize("module", HEADLESS_COMMANDS)
def test_headless_command_does_not_import_the_ui(module):
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} does not exist yet")
    assert imported_forbidden(module) == []


def test_building_the_cli_parser_does_not_import_the_ui():
    # every subcommand module is imported to build the parser, the app's included
    extra = "sys.modules['gil_tui.cli'].build_parser()"
    assert imported_forbidden("gil_tui.cli", extra) == []
