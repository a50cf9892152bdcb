"""`gil-tui costs` as a user runs it: a subprocess, its stdout, stderr and exit code."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import one_clear_line, run_cli

ROOT = Path(__file__).resolve().parents[1]
PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"


def costs(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return run_cli("costs", *args, timeout=timeout)


def test_json_is_one_object_with_every_start_method():
    done = costs("--repeat", "2", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["v"] == 1 and data["kind"] == "costs" and data["repeat"] == 2
    assert data["python"] == sys.executable
    assert [p["method"] for p in data["processes"]] == multiprocessing.get_all_start_methods()
    thread = data["thread"]
    for key in ("median_s", "min_s", "max_s", "p10_s", "p90_s", "first_s", "rss_bytes"):
        assert isinstance(thread[key], float), key
    for proc in data["processes"]:
        assert proc["median_s"] > thread["median_s"] and proc["ratio"] > 1


def test_the_text_table():
    done = costs("--repeat", "1")
    assert done.returncode == 0, done.stderr
    assert "thread" in done.stdout and "process (spawn)" in done.stdout
    assert "vs thread" in done.stdout and "memory each" in done.stdout


def test_a_missing_interpreter_exits_1_with_one_line(tmp_path):
    done = costs("--python", str(tmp_path / "nope"))
    assert done.returncode == 1
    assert one_clear_line(done.stderr).startswith("gil-tui costs: ")
    assert "no such file" in done.stderr


def test_too_old_a_python_exits_1_with_one_line():
    python = PYENV / "3.6.15" / "bin" / "python"
    if not python.exists():
        pytest.skip("no CPython 3.6 here")
    done = costs("--python", str(python))
    assert done.returncode == 1
    assert ">= 3.8" in one_clear_line(done.stderr)


@pytest.mark.parametrize("value", ["0", "x", "100000"])
def test_a_bad_repeat_exits_2(value):
    done = costs("--repeat", value)
    assert done.returncode == 2 and done.stdout == ""
