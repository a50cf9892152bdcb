"""`gil-tui bench` as a user runs it: a subprocess, its stdout, stderr and exit code."""

from __future__ import annotations

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
CPU_TINY = ["--workload", "cpu", "--mode", "threads", "--tasks", "2", "--scale", "0.005"]


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH")]))
    return out


def bench(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gil_tui", "bench", *args],
        capture_output=True, text=True, timeout=timeout, env=env(), cwd=ROOT,
    )


def pyenv_python(version: str) -> str:
    matches = sorted(PYENV.glob(f"{version}.*/bin/python"))
    if not matches:
        pytest.skip(f"no pyenv Python {version} on this machine")
    return str(matches[0])


def one_clear_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_json_is_exactly_one_object_with_the_documented_shape():
    done = bench(*CPU_TINY, "--workers", "2", "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert {"spec", "interpreter", "wall_s", "startup_s", "cpu_s", "workers"} <= set(data)
    assert data["spec"]["workload"] == "cpu" and data["spec"]["mode"] == "threads"
    assert data["spec"]["workers"] == 2 and data["spec"]["tasks"] == 2
    interp = data["interpreter"]
    assert {"path", "version", "gil_enabled", "free_threaded"} <= set(interp)
    assert interp["version"] == ".".join(map(str, sys.version_info[:3]))
    assert isinstance(interp["gil_enabled"], bool) and isinstance(interp["free_threaded"], bool)
    assert len(data["workers"]) == 2
    for worker in data["workers"]:
        assert {"index", "pid", "thread_id", "seconds"} <= set(worker)
    assert done.stderr == ""  # no progress bar: stderr is not a terminal


def test_human_summary():
    done = bench(*CPU_TINY)
    assert done.returncode == 0, done.stderr
    assert "cpu, threads x2 on CPython" in done.stdout
    assert "wall" in done.stdout and "start-up" in done.stdout and "CPU" in done.stdout


def test_io_starts_its_own_latency_server():
    done = bench("--workload", "io", "--mode", "asyncio", "--workers", "8", "--tasks", "8",
                 "--delay-ms", "300", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["io_client"] == "aiohttp"
    # concurrent, not one after another: every request began before any had its answer
    # (each waits 300 ms on the server), read from the workers' own clocks, not the wall
    workers = data["workers"]
    assert len(workers) == 8
    assert max(w["start_s"] for w in workers) < min(w["start_s"] + w["seconds"] for w in workers)


def test_another_interpreter_runs_the_worker():
    python = pyenv_python("3.8")
    done = bench(*CPU_TINY, "--python", python, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["interpreter"]["version"].startswith("3.8.")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--workers", "0"], ["--workers", "1 to 256"]),
        (["--workers", "-2"], ["--workers"]),
        (["--workers", "257"], ["--workers", "1 to 256", "257"]),
        (["--workers", "1000000"], ["--workers"]),
        (["--workers", "two"], ["--workers", "whole number"]),
        (["--scale", "0"], ["--scale"]),
        (["--scale", "nan"], ["--scale"]),
        (["--tasks", "0"], ["--tasks"]),
        (["--delay-ms", "-5"], ["--delay-ms"]),
        (["--start-method", "spawn"], ["--start-method", "processes"]),
        (["--start-method", "vfork"], ["--start-method", "invalid choice"]),
    ],
)
def test_bad_arguments_exit_2(args, words):
    done = bench(*CPU_TINY, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    for word in words:
        assert word in last


@pytest.mark.parametrize(
    "args, words",
    [
        (["--workload", "gpu", "--mode", "threads"], ["--workload", "invalid choice", "gpu"]),
        (["--workload", "cpu", "--mode", "fibers"], ["--mode", "invalid choice", "fibers"]),
        (["--workload", "cpu"], ["--mode"]),
        (["--workload", "cpu", "--mode", "asyncio"], ["asyncio", "cpu", "threads or processes"]),
        (["--workload", "hash", "--mode", "asyncio"], ["asyncio", "hash"]),
    ],
)
def test_bad_workload_or_mode_exit_2(args, words):
    done = bench(*args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    for word in words:
        assert word in last


def test_nonexistent_python_exits_1_naming_the_path():
    done = bench(*CPU_TINY, "--python", "/nonexistent/bin/python3.99")
    assert done.returncode == 1
    assert "/nonexistent/bin/python3.99" in one_clear_line(done.stderr)
    assert done.stdout == ""


def test_a_binary_that_is_not_python_exits_1():
    done = bench(*CPU_TINY, "--python", "/bin/ls")
    assert done.returncode == 1
    assert "/bin/ls" in one_clear_line(done.stderr)


@pytest.mark.parametrize("version", ["2.7", "3.6"])
def test_too_old_python_says_what_was_found_and_what_is_needed(version):
    python = pyenv_python(version)
    done = bench(*CPU_TINY, "--python", python)
    assert done.returncode == 1
    line = one_clear_line(done.stderr)
    assert python in line and f"Python {version}." in line and "3.8" in line


def test_worker_killed_mid_run_exits_1_with_one_line():
    # a worker killed from outside mid-run
    proc = subprocess.Popen(
        [sys.executable, "-m", "gil_tui", "bench", "--workload", "cpu", "--mode", "threads",
         "--scale", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=ROOT,
    )
    try:
        worker = wait_for_worker(proc.pid)
        os.kill(worker.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 1
        line = one_clear_line(err)
        assert "SIGKILL" in line and str(worker.pid) in line
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def wait_for_worker(pid: int, timeout: float = 15) -> psutil.Process:
    """The bench process's worker, once it runs (a child running bench_worker.py)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(pid).children():
            try:
                if any("bench_worker.py" in part for part in child.cmdline()):
                    time.sleep(0.3)  # let it say hello and start its workers
                    return child
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.02)
    raise AssertionError("the worker never started")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_exits_130_and_leaves_nothing_running(sig):
    proc = subprocess.Popen(
        [sys.executable, "-m", "gil_tui", "bench", "--workload", "cpu", "--mode", "processes",
         "--workers", "2", "--scale", "5", "--start-method", "fork"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=ROOT,
    )
    try:
        worker = wait_for_worker(proc.pid)
        group = [worker] + worker.children(recursive=True)
        assert len(group) >= 3
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 130
        assert "interrupted" in one_clear_line(err)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and alive(group):
            time.sleep(0.02)
        assert alive(group) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    left = []
    for proc in procs:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                left.append(proc)
        except psutil.NoSuchProcess:
            pass
    return left


def test_runs_in_process_through_the_cli_main(capsys):
    from gil_tui.cli import main

    assert main(["bench", *CPU_TINY, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["spec"]["tasks"] == 2


def test_help_says_what_a_scale_of_one_is():
    done = subprocess.run([sys.executable, "-m", "gil_tui", "bench", "--help"],
                          capture_output=True, text=True, env=env(), cwd=ROOT, timeout=60)
    text = " ".join(done.stdout.split())
    assert "1.0 is 15 million iterations of a Python loop (cpu) or 1 GiB of sha256" in text
    assert "about 3 s" not in text
    assert "auto: the scale of a sequential run of about 5 s on this machine" in text


def test_the_help_and_the_calibration_agree_on_the_target():
    from gil_tui.commands import bench as bench_command
    from gil_tui.engine.run import calibration

    assert bench_command.TARGET_S == calibration.TARGET_S


def test_scale_auto_uses_the_kept_calibration(tmp_path):
    import platform
    import sysconfig

    from gil_tui.engine.run.calibration import Calibration, CalibrationStore
    from gil_tui.engine.text import version_label

    version = version_label(platform.python_version(),
                            bool(sysconfig.get_config_var("Py_GIL_DISABLED")))
    slow = Calibration(sys.executable, version, cpu_s_per_scale=500.0)  # 5 s at scale 0.01
    CalibrationStore(tmp_path / "data" / "calibration.json").put(slow)
    done = subprocess.run(
        [sys.executable, "-m", "gil_tui", "bench", "--workload", "cpu", "--mode", "threads",
         "--tasks", "2", "--scale", "auto", "--json"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
        env=dict(env(), GIL_TUI_HOME=str(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["spec"]["scale"] == 0.01
    assert "measuring" not in done.stderr


def test_scale_auto_measures_an_interpreter_once(tmp_path, monkeypatch):
    import io

    from gil_tui.commands.bench import auto_scale
    from gil_tui.engine.run.calibration import CalibrationStore

    monkeypatch.setenv("GIL_TUI_HOME", str(tmp_path))
    err = io.StringIO()
    scale, code = auto_scale("cpu", "processes", None, err=err)
    assert code == 0 and 0.01 <= scale <= 100
    assert "measuring" in err.getvalue()
    store = CalibrationStore(tmp_path / "data" / "calibration.json")
    assert store.warnings == [] and len(store._read()) == 1
    again = io.StringIO()
    assert auto_scale("cpu", "threads", None, err=again) == (scale, 0)
    assert again.getvalue() == "", "measured once, then remembered"
    assert auto_scale("sleep", "threads", None, err=again) == (1.0, 0)
