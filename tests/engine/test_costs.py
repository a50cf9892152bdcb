"""Costs: the worker run for real (tiny repeat), parsing, the lesson's table, bad input."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from gil_tui.engine.demos.costs import (
    CostsCancelled,
    CostsError,
    CostsResult,
    markdown_table,
    parse_worker_output,
    run_costs,
)
from gil_tui.engine.demos.costs import format_text

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"


def session_members(sid: int) -> list[int]:
    """Live processes of session ``sid`` (the worker leads its own session)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) == sid and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except (OSError, psutil.Error):
            pass
    return found


STARTED: list[int] = []


@pytest.fixture(scope="module")
def result() -> CostsResult:
    return run_costs(repeat=3, memory_rounds=1, on_start=STARTED.append)


def test_structure(result):
    import multiprocessing

    assert result.python == sys.executable
    assert result.version == ".".join(map(str, sys.version_info[:3]))
    assert result.repeat == 3
    assert result.thread.kind == "thread" and result.thread.method is None
    assert [p.method for p in result.processes] == multiprocessing.get_all_start_methods()
    assert result.errors == {}
    if hasattr(os, "getloadavg"):
        assert all(isinstance(x, float) for x in result.load_average)
    for cost in result.kinds:
        assert cost.n == 3
        assert 0 < cost.min_s <= cost.p10_s <= cost.median_s <= cost.p90_s <= cost.max_s
        assert cost.first_s is not None and cost.first_s > 0
        assert cost.rss_bytes is not None and cost.rss_bytes > 0
        assert cost.memory_method in ("proc", "ru_maxrss")
    if sys.platform.startswith("linux"):
        assert result.thread.vm_bytes and result.thread.vm_bytes > result.thread.rss_bytes
        for proc in result.processes:
            assert proc.private_bytes is not None and 0 < proc.private_bytes <= proc.rss_bytes


def test_a_process_costs_more_than_a_thread_under_every_method(result):
    for proc in result.processes:
        assert proc.median_s > result.thread.median_s, proc.method
        assert proc.ratio is not None and proc.ratio > 1
        assert proc.ratio == pytest.approx(proc.median_s / result.thread.median_s)


def test_to_dict_is_json(result):
    data = json.loads(json.dumps(result.to_dict()))
    assert data["v"] == 1 and data["kind"] == "costs"
    assert data["thread"]["label"] == "thread"
    assert {p["method"] for p in data["processes"]} == {p.method for p in result.processes}
    assert all(p["ratio"] > 1 for p in data["processes"])


def test_the_lesson_table_says_where_and_when(result):
    table = markdown_table(result)
    assert table.startswith(f"Measured on this machine, {result.measured_at[:10]}, CPython ")
    assert result.python in table
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 1 + len(result.processes)  # header, thread, processes
    assert "the default" in table
    text = format_text(result)
    for cost in result.kinds:
        assert cost.label in text


def test_nothing_is_left_running(result):
    assert len(STARTED) == 1
    assert session_members(STARTED[0]) == []


def test_cancel_ends_the_worker_group():
    cancel = threading.Event()
    started: list[int] = []
    threading.Timer(0.5, cancel.set).start()
    t0 = time.monotonic()
    with pytest.raises(CostsCancelled):
        run_costs(repeat=200, cancel=cancel, on_start=started.append)
    assert time.monotonic() - t0 < 5
    assert session_members(started[0]) == []


def test_a_timeout_ends_the_worker_group():
    started: list[int] = []
    with pytest.raises(CostsError, match="did not finish within 0.3 s"):
        run_costs(repeat=200, timeout=0.3, on_start=started.append)
    assert session_members(started[0]) == []


def test_a_missing_interpreter_is_one_clear_line(tmp_path):
    with pytest.raises(CostsError, match="could not start"):
        run_costs(str(tmp_path / "no-python"), repeat=1)


def test_a_program_that_is_not_python_fails_clearly():
    with pytest.raises(CostsError, match="failed in /bin/false"):
        run_costs("/bin/false", repeat=1)


def test_a_bad_repeat_is_refused():
    with pytest.raises(CostsError, match="repeat"):
        run_costs(repeat=0)


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "did not print"),
        ("hello\n", "did not print"),
        ('{"kind": "costs", "v": 2}\n', "version 2"),
        ('{"kind": "costs", "v": 1, "repeat": 1}\n', "no figures for thread"),
        ('{"kind": "costs", "v": 1, "repeat": 1, "thread": {"n": 1}}\n', "thread.median_s"),
    ],
)
def test_parse_refuses_what_is_not_a_result(text, words):
    with pytest.raises(CostsError, match=words):
        parse_worker_output(text, "python")


def test_parse_keeps_a_failed_method_as_an_error():
    stats = {"n": 1, "median_s": 0.002, "min_s": 0.002, "max_s": 0.002, "p10_s": 0.002,
             "p90_s": 0.002, "first_s": 0.003, "rss_bytes": 9e6}
    thread = dict(stats, median_s=0.0001, vm_bytes=8e6, memory_method="proc", idle_threads=5)
    data = {"v": 1, "kind": "costs", "repeat": 1, "methods": ["fork", "spawn"],
            "default_method": "spawn", "python": {"version": "3.14.0", "free_threaded": True,
                                                  "gil_enabled": False, "cpu_count": 16},
            "thread": thread, "processes": {"fork": stats}, "errors": {"spawn": "OSError: x"}}
    data["load_average"] = [1.0, 30.5]
    result = parse_worker_output(json.dumps(data), "/opt/python3.14t")
    assert "load average up to 30.5 on 16 cores" in result.busy_note()
    assert "quiet machine" in markdown_table(result)
    assert [p.method for p in result.processes] == ["fork"]
    assert result.processes[0].ratio == pytest.approx(20)
    assert result.errors == {"spawn": "OSError: x"}
    assert result.interpreter_label() == "CPython 3.14.0t (free-threaded, GIL off)"
    assert "Start method spawn failed here: OSError: x" in markdown_table(result)


def test_python_3_8_from_pyenv():
    python = PYENV / "3.8.18" / "bin" / "python"
    if not python.exists():
        pytest.skip("no CPython 3.8 here")
    result = run_costs(str(python), repeat=2, memory_rounds=1, idle_threads=5)
    assert result.version.startswith("3.8.")
    assert result.processes and all(p.ratio > 1 for p in result.processes)
