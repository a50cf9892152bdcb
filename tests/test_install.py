"""Installs the way users install: the wheel in a fresh venv, `pipx install .`, `uv tool install .`.

Each test installs gil-tui away from this checkout (no PYTHONPATH, run from another
folder) and runs it from there, so a lesson, a worker script or the CSS missing from
the wheel fails here rather than on a user's machine.  Slow and online (the
dependencies come from the package index): run with ``-m slow``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gil_tui"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

# Opens the real app headless from the installed package: the CSS must load and parse.
APP_CHECK = """
import asyncio
from gil_tui.ui.app import make_app

async def main():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        print("app ok", app.screen.query_one("#main-tabs").active)

asyncio.run(main())
"""


def clean_env(home: Path) -> dict[str, str]:
    """The environment without this checkout on the path, with a private GIL_TUI_HOME."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "GIL_TUI_FORCE_TUI")}
    env["GIL_TUI_HOME"] = str(home)
    return env


def sh(argv: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600
       ) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, (f"{' '.join(map(str, argv))} exited {done.returncode}\n"
                                  f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def source_files() -> set[str]:
    """Every file of the package in this checkout, relative to it (no caches)."""
    return {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def check_installed(gil_tui: Path, python: Path, workdir: Path, env: dict[str, str],
                    expected: set[str]) -> None:
    """The installed `gil-tui` (and its Python) work and hold every file in ``expected``
    (the package's files, listed before the build)."""
    where = sh([python, "-c", "import gil_tui, pathlib; print(pathlib.Path(gil_tui.__file__)"
                ".parent)"], workdir, env).stdout.strip()
    installed = Path(where)
    assert ROOT not in installed.parents, f"imported from the checkout: {installed}"
    have = {p.relative_to(installed).as_posix() for p in installed.rglob("*") if p.is_file()}
    missing = sorted(expected - have)
    assert not missing, f"missing from the install: {missing}"
    for must in ("lessons", "worker/bench_worker.py", "worker/costs_worker.py", "ui/app.tcss"):
        assert (installed / must).exists(), must
    assert any((installed / "lessons").glob("*.md"))
    assert any((installed / "worker" / "demo_scripts").iterdir())

    version = sh([python, "-c", "import importlib.metadata as m; print(m.version('gil-tui'))"],
                 workdir, env).stdout.strip()
    assert sh([gil_tui, "--version"], workdir, env).stdout.strip() == f"gil-tui {version}"
    lessons = sh([gil_tui, "lessons"], workdir, env).stdout
    assert len(lessons.splitlines()) >= 5, lessons
    bench = sh([gil_tui, "bench", "--workload", "sleep", "--mode", "threads", "--delay-ms",
                "10", "--json"], workdir, env, timeout=120).stdout
    result = json.loads(bench)
    assert result["spec"]["workload"] == "sleep" and result["wall_s"] > 0
    assert sh([python, "-c", APP_CHECK], workdir, env, timeout=120).stdout.startswith("app ok")


def test_the_wheel_in_a_fresh_venv_has_everything(tmp_path):
    env = clean_env(tmp_path / "home")
    expected = source_files()
    wheels = tmp_path / "wheels"
    sh([sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-w", wheels], tmp_path, env)
    [wheel] = wheels.glob("gil_tui-*.whl")
    venv.create(tmp_path / "venv", with_pip=True, clear=True)
    bin_dir = tmp_path / "venv" / "bin"
    sh([bin_dir / "python", "-m", "pip", "install", "-q", wheel], tmp_path, env)
    check_installed(bin_dir / "gil-tui", bin_dir / "python", tmp_path, env, expected)


def tool_venv(tmp_path: Path, tool: str, env: dict[str, str]) -> Path:
    """A throwaway venv holding pipx or uv (never the project's venv); its bin folder."""
    venv.create(tmp_path / f"{tool}-venv", with_pip=True, clear=True)
    bin_dir = tmp_path / f"{tool}-venv" / "bin"
    sh([bin_dir / "python", "-m", "pip", "install", "-q", tool], tmp_path, env)
    return bin_dir


def test_pipx_install_dot(tmp_path):
    env = clean_env(tmp_path / "home")
    tools = tool_venv(tmp_path, "pipx", env)
    env.update(PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(tmp_path / "bin"),
               PIPX_MAN_DIR=str(tmp_path / "man"))
    expected = source_files()
    sh([tools / "pipx", "install", "."], ROOT, env)
    python = tmp_path / "pipx" / "venvs" / "gil-tui" / "bin" / "python"
    check_installed(tmp_path / "bin" / "gil-tui", python, tmp_path, env, expected)


def test_uv_tool_install_dot(tmp_path):
    env = clean_env(tmp_path / "home")
    tools = tool_venv(tmp_path, "uv", env)
    env.update(UV_TOOL_DIR=str(tmp_path / "uv-tools"), UV_TOOL_BIN_DIR=str(tmp_path / "bin"),
               UV_CACHE_DIR=str(tmp_path / "uv-cache"))
    expected = source_files()
    sh([tools / "uv", "tool", "install", "."], ROOT, env)
    python = tmp_path / "uv-tools" / "gil-tui" / "bin" / "python"
    check_installed(tmp_path / "bin" / "gil-tui", python, tmp_path, env, expected)
