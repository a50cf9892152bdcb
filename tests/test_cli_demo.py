"""`gil-tui demo` as a user runs it: a subprocess, its stdout, stderr and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import wait_for_child

ROOT = Path(__file__).resolve().parents[1]
SMALL = {
    "main-guard": ["-o", "methods=spawn,fork"],
    "race": ["-o", "increments=20000", "-o", "trials=1", "-o", "switch-interval-ms=0.05"],
    "switch-interval": ["-o", "work=50000", "-o", "intervals-ms=0.5,50"],
    "gil-release": ["-o", "hash_scale=0.01", "-o", "cpu_scale=0.01"],
}
KEYS = {"format", "name", "title", "ok", "summary", "error", "interpreter", "sections", "data",
        "duration_s"}


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH")]))
    return out


def demo(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gil_tui", "demo", *args],
        capture_output=True, text=True, timeout=timeout, env=env(), cwd=ROOT,
    )


@pytest.fixture(scope="module")
def json_runs() -> dict[str, subprocess.CompletedProcess]:
    """Each demo run once with --json, shared by the tests that read it."""
    return {}


def json_run(runs: dict[str, subprocess.CompletedProcess], name: str) -> subprocess.CompletedProcess:
    if name not in runs:
        runs[name] = demo(name, "--json", *SMALL[name])
    return runs[name]


@pytest.mark.parametrize("name", list(SMALL))
def test_each_demo_prints_one_json_object(name, json_runs):
    done = json_run(json_runs, name)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    data = json.loads(done.stdout)
    assert set(data) == KEYS
    assert data["name"] == name and data["ok"] is True and data["error"] is None
    assert data["format"] == 1 and data["summary"]
    assert data["interpreter"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert data["sections"] and all(set(s) == {"title", "lines"} for s in data["sections"])
    assert done.stderr == ""


def test_main_guard_json_holds_the_real_output(json_runs):
    data = json.loads(json_run(json_runs, "main-guard").stdout)
    runs = {(r["method"], r["guard"]): r for r in data["data"]["runs"]}
    assert set(runs) == {("spawn", False), ("fork", False), ("spawn", True), ("fork", True)}
    assert any(line.startswith("RuntimeError") for line in runs[("spawn", False)]["output"])
    assert data["data"]["not_offered"] == []


def test_text_output_has_title_sections_and_summary():
    done = demo("race", *SMALL["race"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Race: threads sharing one counter\nCPython ")
    assert "== Trials" in out and "== Lost updates" in out
    assert "What was seen: " in out and "With a Lock nothing was lost" in out


def test_unknown_demo_is_a_usage_error():
    done = demo("nope")
    assert done.returncode == 2 and "invalid choice" in done.stderr and done.stdout == ""


@pytest.mark.parametrize("args, message", [
    (["race", "--timeout", "0"], "timeout must be above 0"),
    (["race", "--timeout", "soon"], "timeout must be a number"),
    (["race", "-o", "bogus=1"], "unknown option(s) for the race demo: bogus"),
    (["race", "-o", "threads=0"], "threads must be a whole number"),
    (["race", "-o", "novalue"], "options are KEY=VALUE"),
])
def test_bad_arguments_are_usage_errors(args, message):
    done = demo(*args)
    assert done.returncode == 2 and message in done.stderr and done.stdout == ""


def test_bad_python_exits_1_with_one_line(tmp_path):
    done = demo("race", "--python", str(tmp_path / "nope"))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("gil-tui demo: no such file")
    assert "Traceback" not in done.stderr


def test_bad_python_with_json_still_prints_one_object(tmp_path):
    done = demo("switch-interval", "--json", "--python", str(tmp_path / "nope"))
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["ok"] is False and "no such file" in data["error"] and data["interpreter"] is None


def test_a_timeout_exits_1():
    done = demo("race", "--timeout", "0.8", "-o", "increments=50000000", "-o", "trials=1")
    assert done.returncode == 1
    assert "did not finish within 0.8 s" in done.stderr
    assert "Could not finish:" in done.stdout


def test_ctrl_c_exits_130_and_ends_the_script():
    import signal

    import psutil

    proc = subprocess.Popen(
        [sys.executable, "-m", "gil_tui", "demo", "race", "--timeout", "60",
         "-o", "increments=50000000", "-o", "trials=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=ROOT)
    try:
        script = wait_for_child(proc.pid, "race.py")
        assert script is not None, "the race script never started"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 130 and "interrupted" in err
        gone, alive = psutil.wait_procs([script], timeout=3)
        assert not alive
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
