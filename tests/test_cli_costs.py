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
    assert done.stdout.count("\n") == 1
    data = json.loads(done.stdout)
    assert data["v"] == 1 and data["kind"] == "costs" and data["repeat"] == 2
    assert data["python"] == sys.executable
    methods = multiprocessing.get_all_start_methods()
    assert [p["method"] for p in data["processes"]] == methods
    assert [p["method"] for p in data["script"]["processes"]] == methods
    assert data["script"]["imports"] == "json, decimal, asyncio"
    assert all(p["start"] == "script" for p in data["script"]["processes"])
    assert [t["size_bytes"] for t in data["transfer"]["sizes"]] == [1_000_000, 10_000_000]
    assert data["transfer"]["payload"] == "bytes" and data["transfer"]["channel"] == "Pipe"
    sub = data["subinterpreter"]
    if sys.version_info < (3, 12):
        assert sub["cost"] is None and sub["reason"] == "needs 3.12+"
    else:
        assert sub["cost"]["median_s"] > 0 and sub["api"]
    thread = data["thread"]
    for key in ("median_s", "min_s", "max_s", "p10_s", "p90_s", "first_s", "rss_bytes"):
        assert isinstance(thread[key], float), key
    for proc in data["processes"]:
        # the ratio is the process median over the thread median (which one is
        # larger is the machine's business: a busy moment can slow either)
        assert isinstance(proc["median_s"], float) and proc["median_s"] > 0
        assert proc["ratio"] == pytest.approx(proc["median_s"] / thread["median_s"], rel=1e-6)


def test_the_text_table_fits_80_columns():
    done = costs("--repeat", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) < 80 for line in lines), done.stdout
    header = next(line for line in lines if line.split()[:1] == ["median"])
    assert header.split() == ["median", "p90", "first", "x", "thread", "RSS", "each", "private"]
    assert "process, from -c (nothing for a child to import again)" in lines
    assert "process, from a script importing json, decimal, asyncio" in lines
    assert "a bytes object sent to a process and back (Pipe)" in lines
    assert any(line.startswith("subinterpreter ") for line in lines)
    for method in multiprocessing.get_all_start_methods():
        assert sum(line.split()[:1] == [method] for line in lines) == 2, method
    assert any(line.startswith("  10 MB ") for line in lines)


def test_demo_costs_is_the_same_measurement():
    done = run_cli("demo", "costs", "--json", "-o", "repeat=1", "-o", "script_repeat=1",
                   "-o", "transfer_rounds=1", "-o", "memory_rounds=1", "-o", "idle_threads=2",
                   timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["name"] == "costs" and data["ok"] is True and data["duration_s"] > 0
    assert data["data"]["kind"] == "costs" and data["data"]["table"]["rows"]
    text = run_cli("demo", "costs", "-o", "repeat=1", "-o", "script_repeat=1",
                   "-o", "transfer_rounds=1", "-o", "memory_rounds=1", timeout=120)
    assert text.returncode == 0, text.stderr
    sections = text.stdout.split("What was seen:")[0]  # the summary is wrapped by `demo`
    assert all(len(line) < 80 for line in sections.splitlines()), text.stdout
    assert "== Measured here, just now" in text.stdout
    assert "What was seen: Here a thread took" in text.stdout


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
