"""The costs demo, registered like every other demo: run_demo("costs"), its DemoResult,
its duration, a stop, a time limit, and what is left afterwards (nothing: no process,
no temp folder). Plus the worker run by path, stopped while its script runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

from gil_tui.engine.demos import costs as costs_demo
from gil_tui.engine.demos.costs import LAST_TABLE
from gil_tui.engine.demos.costs_text import WIDTH
from gil_tui.engine.demos.registry import DEMOS, DemoResult, demos_for_lesson, run_demo
from gil_tui.worker import WORKER_DIR
from tests.engine.test_costs import our_temp_folders, script_child, session_members

SMALL = dict(repeat=2, script_repeat=1, transfer_rounds=1, memory_rounds=1, idle_threads=2)


def descendants() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_costs_is_registered_like_every_other_demo():
    info = DEMOS["costs"]
    assert info.lesson == "threads-vs-processes" and info.run is costs_demo.run_costs_demo
    assert [i.name for i in demos_for_lesson("threads-vs-processes")] == ["costs"]
    assert set(info.defaults) == {"repeat", "script_repeat", "memory_rounds",
                                  "transfer_rounds", "idle_threads"}
    assert info.timeout >= costs_demo.default_timeout(info.defaults["repeat"])
    with pytest.raises(ValueError, match="unknown option"):
        run_demo("costs", nope=1)
    with pytest.raises(ValueError, match="repeat must be a whole number"):
        run_demo("costs", repeat=0)


@pytest.fixture(scope="module")
def demo_run() -> tuple[DemoResult, set[int]]:
    before = descendants()
    result = run_demo("costs", **SMALL)
    return result, before


def test_the_demo_result_carries_the_table(demo_run):
    result, _ = demo_run
    assert result.ok, result.error
    assert result.name == "costs" and result.title == DEMOS["costs"].title
    assert result.interpreter is not None and result.interpreter.path == sys.executable
    assert result.interpreter.version == ".".join(map(str, sys.version_info[:3]))
    titles = [title for title, _ in result.sections]
    assert titles == ["Measured here, just now", "What each figure timed"]
    for _, lines in result.sections:  # `gil-tui demo` indents by 2: under 80 columns
        assert all(len(line) <= WIDTH + 2 for line in lines), lines
    measured = result.sections[0][1]
    assert any(line.startswith("process, from a script importing json") for line in measured)
    assert any(line.startswith("subinterpreter") for line in measured)
    assert result.summary.startswith("Here a thread took ")
    assert "from a script importing json, decimal, asyncio" in result.summary
    assert "Sending 10 MB to a process and back took" in result.summary
    data = json.loads(json.dumps(result.to_dict()))["data"]
    assert data["kind"] == "costs" and data["script"]["processes"] and data["transfer"]["sizes"]
    shown = data["table"]
    assert shown["columns"] == ["median", "p90", "first", "x thread", "RSS each", "private"]
    assert [row["label"] for row in shown["rows"]][:2] == ["thread", "subinterpreter"]
    assert any(row["heading"] for row in shown["rows"]) and shown["notes"]


def test_the_demo_takes_the_time_it_took(demo_run):
    """13.5: the duration comes from the demo's own run, as for every demo (never 0.0)."""
    result, _ = demo_run
    assert result.duration > 0
    assert result.to_dict()["duration_s"] > 0


def test_the_demo_keeps_its_table_for_the_lesson(demo_run):
    from gil_tui.lessons import COSTS_PLACEHOLDER, body_for_display, get_lesson
    from gil_tui.paths import data_dir

    assert (data_dir() / LAST_TABLE).read_text(encoding="utf-8").startswith(
        "Measured on this machine, ")
    shown = body_for_display(get_lesson("threads-vs-processes"))
    assert COSTS_PLACEHOLDER not in shown and "| 10 MB to a process and back |" in shown


def test_the_demo_leaves_nothing_behind(demo_run):
    _, before = demo_run
    assert not (descendants() - before)
    assert our_temp_folders() == []


def test_a_stopped_demo_ends_everything_and_says_so():
    """Stopped while the script start runs: its children, the worker, the script's folder."""
    stop = threading.Event()
    seen: dict[str, object] = {}
    before = descendants()

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "worker" not in seen:
            for proc in psutil.Process().children():
                try:
                    if "costs_worker" in " ".join(proc.cmdline()):
                        seen["worker"] = proc.pid
                except psutil.Error:
                    pass
            time.sleep(0.01)
        child = script_child(seen["worker"])
        seen["folder"] = os.path.dirname(child.cmdline()[1])
        stop.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    result = run_demo("costs", stop=stop, **dict(SMALL, repeat=1, script_repeat=200,
                                                 transfer_rounds=0))
    watcher.join(5)
    assert not result.ok and result.error == "the demo was stopped"
    assert result.duration > 0
    assert session_members(seen["worker"]) == []
    assert not os.path.exists(seen["folder"])
    assert not (descendants() - before)
    assert our_temp_folders() == []


def test_a_demo_past_its_time_limit_ends_everything():
    before = descendants()
    result = run_demo("costs", timeout=0.5, **dict(SMALL, repeat=200))
    assert not result.ok and "did not finish within 0.5 s" in result.error
    assert result.duration > 0
    assert not (descendants() - before)
    assert our_temp_folders() == []


def test_a_bad_interpreter_is_a_failed_demo(tmp_path):
    result = run_demo("costs", python=str(tmp_path / "nope"), **SMALL)
    assert not result.ok and result.error and result.duration > 0


def test_the_worker_by_path_removes_its_script_folder_when_stopped(tmp_path):
    """Run by hand (no gil-tui scratch folder around it): SIGTERM while the script runs
    removes the script's folder and ends every process of the session."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp))
    worker = subprocess.Popen(
        [sys.executable, str(WORKER_DIR / "costs_worker.py"), "--repeat", "1",
         "--memory-rounds", "1", "--idle-threads", "2", "--transfer-rounds", "0",
         "--script-repeat", "200"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        script_child(worker.pid)
        assert any(p.name.startswith("gil-tui-costs-script-") for p in temp.iterdir())
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        deadline = time.monotonic() + 30
        while session_members(worker.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert session_members(worker.pid) == []
        assert [p.name for p in temp.iterdir() if p.name.startswith("gil-tui-")] == []
    finally:
        for pid in session_members(worker.pid):
            os.kill(pid, signal.SIGKILL)
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_the_worker_by_path_reports_a_real_script_start(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(WORKER_DIR / "costs_worker.py"), "--repeat", "1",
         "--memory-rounds", "1", "--idle-threads", "2", "--transfer-rounds", "1",
         "--script-repeat", "1"],
        capture_output=True, text=True, timeout=120, env=env, start_new_session=True)
    assert done.returncode == 0, done.stderr
    script = json.loads(done.stdout)["script"]
    assert script["main_is_script"] is True, "the parent ran a .py file as __main__"
    assert script["imported"] == ["asyncio", "decimal", "json"]
    assert script["errors"] == {} and script["repeat"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("gil-tui-")] == [], \
        "the script's folder is removed"
