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
    "race": ["-o", "increments=20000", "-o", "lock-increments=20000", "-o", "trials=1",
             "-o", "switch-interval-ms=0.05"],
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
    assert "only a lock is a guarantee." in " ".join(out.split())
    assert "legend:" not in out


def test_switch_interval_text_has_a_one_line_legend_under_the_bars():
    from gil_tui.engine.demos.text import SWITCH_LEGEND

    done = demo("switch-interval", *SMALL["switch-interval"])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines.count(SWITCH_LEGEND) == 1
    at = lines.index(SWITCH_LEGEND)
    assert lines[at - 2].startswith("  thread 1 |") and lines[at + 2].startswith("What was seen")
    data = json.loads(demo("switch-interval", "--json", *SMALL["switch-interval"]).stdout)
    assert data["data"]["legend"] == SWITCH_LEGEND


def test_text_output_cleans_what_the_scripts_printed():
    from gil_tui.commands.demo import format_text
    from gil_tui.engine.demos.registry import DemoInterpreter, DemoResult

    interp = DemoInterpreter("/x/py\x1b[2J", "3.13.0\x1b]0;t\x07", True, False)
    result = DemoResult("main-guard", "T", True, "seen \x1b[31mred", interp,
                        [("S\x1b[1m", ["line \x1b[2J", "\ttab", "bell\x07", "cr\rx"])],
                        {"legend": "shades\x1b[0m"}, 0.5)
    out = format_text(result)
    for forbidden in ("\x1b", "\x07", "\r", "\t"):
        assert forbidden not in out
    assert "line \\x1b[2J" in out and "bell\\x07" in out and "shades\\x1b[0m" in out


def test_the_default_timeout_is_each_demos_own():
    done = demo("--help")
    assert "main-guard 20 s" in " ".join(done.stdout.split())


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


def test_counts_in_the_demo_text_agree_with_their_number():
    """Issue 13 (item 24): "1 switches seen". With a 1 s switch interval the first thread
    does all its 5,000 iterations before the GIL changes hands once: 1 switch."""
    import re

    from gil_tui.engine.demos.text import gil_release_table, speed_summary, switch_lines

    done = demo("switch-interval", "-o", "work=5000", "-o", "chunk=250",
                "-o", "intervals-ms=1000")
    assert done.returncode == 0, done.stderr
    counts = re.findall(r"(\d+) (switch|switches) seen", done.stdout)
    assert counts, done.stdout
    assert all((n == "1") == (word == "switch") for n, word in counts), counts
    if getattr(sys, "_is_gil_enabled", lambda: True)():
        assert ("1", "switch") in counts, done.stdout
    # "1 <noun>s" anywhere (not "1.1 ms": a unit)
    assert not re.search(r"(?<![\d.,])1 (?!ms\b)[a-z]{2,}s\b", done.stdout), done.stdout
    # the same formatters, at one of each
    row = {"wall_s": 0.5, "busy_cores": 1.0, "switches": 1, "median_turn_ms": None,
           "max_gap": 0.5, "activity": [], "checkpoints": []}
    assert "1 switch seen" in switch_lines(row)[0]
    assert "2 switches seen" in switch_lines({**row, "switches": 2})[0]
    table = gil_release_table([{"workload": "cpu", "mode": "threads", "wall_s": 1.0,
                                "cpu_s": 1.0, "busy_cores": 1.0}], 1, {"cpu": 1.0})
    assert "1 thread " in table[1] and "1 threads" not in table[1]
    why = {"parallel": "p", "turns": "t", "partial": "q"}
    assert speed_summary("cpu", 1, 1.0, 1.0, why).startswith("1 cpu thread ran")
