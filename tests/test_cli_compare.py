"""`gil-tui compare` as a user runs it: subprocess, stdout, stderr, exit codes, history."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
TINY = ["--scale", "0.005", "--workers", "2", "--python", sys.executable]


def env(home: Path) -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH")]))
    out["GIL_TUI_HOME"] = str(home)
    return out


def compare(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gil_tui", "compare", *args],
                          capture_output=True, text=True, timeout=timeout, env=env(home), cwd=ROOT)


def history_lines(home: Path) -> list[dict]:
    path = home / "data" / "history.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def pyenv_python(version: str) -> str | None:
    matches = sorted(PYENV.glob(f"{version}.*/bin/python"))
    return str(matches[0]) if matches else None


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_text_table_and_verdict(tmp_path):
    done = compare(tmp_path, "cpu", *TINY)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress line: stderr is not a terminal
    lines = done.stdout.splitlines()
    assert lines[0].startswith("cpu: 2 workers, 8 tasks, scale 0.005, 1 run per cell")
    assert lines[1].split()[:4] == ["PYTHON", "GIL", "MODE", "WORKERS"]
    modes = [line.split()[2] for line in lines[2:5]]
    assert modes == ["sequential", "threads", "processes"]
    assert "threads" in " ".join(lines[6:])  # the verdict
    saved = history_lines(tmp_path)
    assert len(saved) == 3 and {e["source"] for e in saved} == {"compare"}
    assert len({e["matrix"] for e in saved}) == 1 and saved[0]["machine"]["hostname"]


def test_json_is_one_object_with_machine_rows_and_runs(tmp_path):
    done = compare(tmp_path, "cpu", *TINY, "--repeat", "2", "--json")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    data = json.loads(done.stdout)
    assert data["kind"] == "gil-tui-compare" and data["format"] == 1
    assert data["workload"] == "cpu" and data["repeat"] == 2 and data["workers"] == 2
    assert {"hostname", "cpu_count_logical", "platform"} <= set(data["machine"])
    assert [r["mode"] for r in data["rows"]] == ["sequential", "threads", "processes"]
    for row in data["rows"]:
        assert row["status"] == "ok" and row["runs"] == 2
        assert row["min_s"] <= row["median_s"] <= row["max_s"]
        assert row["speedup"] > 0 and row["gil_enabled"] is True and row["free_threaded"] is False
        assert row["version"] == ".".join(map(str, sys.version_info[:3]))
    assert data["rows"][0]["speedup"] == 1.0
    assert len(data["runs"]) == 6 and data["verdict"]
    assert len(history_lines(tmp_path)) == 6


def test_markdown_and_csv(tmp_path):
    md = compare(tmp_path, "hash", *TINY, "--markdown")
    assert md.returncode == 0, md.stderr
    assert "| Python | GIL | Mode | Workers | Wall (median) | Min - max | Speedup | Busy cores |" \
        in md.stdout
    assert md.stdout.count("\n| ") == 4  # header + 3 rows (the separator starts with |-)
    out = compare(tmp_path, "cpu", *TINY, "--csv", "--no-history")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["mode"] for r in rows] == ["sequential", "threads", "processes"]
    assert all(r["status"] == "ok" and float(r["median_s"]) > 0 for r in rows)
    assert len(history_lines(tmp_path)) == 3  # --no-history added nothing


def test_io_matrix_has_asyncio(tmp_path):
    done = compare(tmp_path, "io", "--python", sys.executable, "--workers", "4",
                   "--delay-ms", "5", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [r["mode"] for r in data["rows"]] == ["sequential", "threads", "processes", "asyncio"]
    assert data["rows"][1]["speedup"] > 1  # waiting overlaps


def test_pyenv_312_and_313_side_by_side(tmp_path):
    pythons = [p for p in (pyenv_python("3.12"), pyenv_python("3.13")) if p]
    if not pythons:
        pytest.skip("no pyenv 3.12 or 3.13 here")
    args = ["cpu", "--scale", "0.005", "--workers", "2", "--python", sys.executable]
    for p in pythons:
        args += ["--python", p]
    done = compare(tmp_path, *args, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["rows"]) == 3 * (1 + len(pythons))
    assert all(r["status"] == "ok" for r in data["rows"])
    versions = {r["version"].rsplit(".", 1)[0] for r in data["rows"]}
    assert {"3.12", "3.13"} & versions


def test_unsupported_python_fails_its_rows_and_the_others_run(tmp_path):
    old = pyenv_python("2.7") or "/bin/ls"
    done = compare(tmp_path, "cpu", *TINY, "--python", old, "--json")
    assert done.returncode == 1
    assert "3 of 6 cells failed" in one_line(done.stderr)
    data = json.loads(done.stdout)
    bad = [r for r in data["rows"] if r["python"] != sys.executable]
    good = [r for r in data["rows"] if r["python"] == sys.executable]
    assert [r["status"] for r in bad] == ["failed"] * 3 and all(r["error"] for r in bad)
    assert [r["status"] for r in good] == ["ok"] * 3
    text = compare(tmp_path, "cpu", *TINY, "--python", "/no/such/python", "--no-history")
    assert text.returncode == 1 and "failed: no such file: /no/such/python" in text.stdout


@pytest.mark.parametrize("args", [
    ["cpu", "--repeat", "0"], ["sleep"], [], ["cpu", "--workers", "0"],
    ["cpu", "--json", "--csv"], ["cpu", "--sweep", "asyncio"],
])
def test_usage_errors_exit_2(tmp_path, args):
    done = compare(tmp_path, *args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert history_lines(tmp_path) == []


def test_sweep_headless(tmp_path):
    done = compare(tmp_path, "cpu", "--sweep", "processes", "--workers", "3", "--scale", "0.005",
                   "--python", sys.executable, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["kind"] == "gil-tui-sweep" and [p["workers"] for p in data["points"]] == [1, 2, 3]
    assert data["ideal"][0] == {"workers": 1, "speedup": 1.0} and data["fit_text"]
    text = compare(tmp_path, "cpu", "--sweep", "threads", "--workers", "2", "--scale", "0.005",
                   "--python", sys.executable, "--no-history")
    assert text.returncode == 0, text.stderr
    assert "AMDAHL FIT" in text.stdout and "No Amdahl fit: only 2 measured points" in text.stdout


def test_ctrl_c_exits_130_and_leaves_nothing_running(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "gil_tui", "compare", "cpu", "--scale", "5", "--workers", "2",
         "--python", sys.executable, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(tmp_path), cwd=ROOT)
    me = psutil.Process(proc.pid)
    seen: list[psutil.Process] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not seen:
        seen = me.children(recursive=True)
        time.sleep(0.05)
    assert seen, "the worker never started"
    time.sleep(0.3)
    seen = me.children(recursive=True)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert out == "" and "interrupted" in one_line(err)
    time.sleep(0.2)
    alive = []
    for p in seen:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.NoSuchProcess:
            pass
    assert alive == []


def test_progress_line_draws_runs_and_the_current_cell():
    from gil_tui.commands.compare import ProgressLine
    from gil_tui.engine.compare.matrix import MatrixProgress, Target
    from gil_tui.engine.run.events import Progress
    from gil_tui.engine.compare.model import Cell
    from gil_tui.engine.run.spec import Mode

    out = io.StringIO()
    line = ProgressLine(out)
    cell = Cell(Target("/py/3.14t", "3.14.0", free_threaded=True), Mode.THREADS, 4)
    line.on_progress(MatrixProgress(1, 3, "start", cell, 1))
    line.on_event(cell, Progress(0.1, 0, 5, 10))
    line.draw(force=True)
    assert "[1/3]" in out.getvalue() and "3.14.0t threads x4" in out.getvalue()
    assert "50%" in out.getvalue()  # (1 + 0.5) / 3
    line.clear()
    assert out.getvalue().endswith("\r\x1b[K")
