"""`gil-tui watch` headless, as a user runs it: a subprocess, its output and exit code."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.cli_helpers import cli_env as env
from tests.cli_helpers import one_clear_line, run_cli

ROOT = Path(__file__).resolve().parents[1]
SUMMARY_KEYS = {
    "v", "command", "pid", "attached", "started_at", "wall_s", "cpu_s", "avg_cores",
    "peak_cores", "max_processes", "max_threads", "processes_seen", "exit_code", "signal",
    "exit_status", "interrupted", "finished", "cpu_count", "samples", "cpu_source",
    "leftovers_ended", "verdict",
}


def watch(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return run_cli("watch", *args, timeout=timeout)


def test_json_is_exactly_one_object_and_the_program_output_goes_to_stderr():
    code = "import sys; print('to stdout'); print('to stderr', file=sys.stderr)"
    done = watch("--json", "--", sys.executable, "-c", code)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # one object, nothing else
    assert set(data) == SUMMARY_KEYS
    assert data["v"] == 1 and data["finished"] and not data["attached"]
    assert data["command"] == [sys.executable, "-c", code]
    assert data["exit_code"] == 0 and data["cpu_s"] > 0 and data["wall_s"] > 0
    assert "to stdout" in done.stderr and "to stderr" in done.stderr


def test_the_program_exit_code_passes_through():
    done = watch("--json", "--", sys.executable, "-c", "import sys; sys.exit(3)")
    assert done.returncode == 3
    assert json.loads(done.stdout)["exit_code"] == 3


def test_a_signal_death_exits_like_a_shell():
    code = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    done = watch("--json", "--", sys.executable, "-c", code)
    assert done.returncode == 128 + signal.SIGKILL
    data = json.loads(done.stdout)
    assert data["signal"] == "SIGKILL" and data["exit_code"] == -signal.SIGKILL


def test_no_tui_lets_the_output_through_then_prints_the_summary(tmp_path):
    log = tmp_path / "run.log"
    code = "import sys, time; print('hello'); time.sleep(0.3); print('oops', file=sys.stderr)"
    done = watch("--no-tui", "--log", str(log), "--", sys.executable, "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("hello\n")
    assert "watched " in done.stdout and "exit code 0" in done.stdout
    assert "cores busy" in done.stdout
    assert done.stderr.strip() == "oops"  # not a terminal: no status line
    assert log.read_text().splitlines() == ["hello", "oops"]


def test_a_missing_command_exits_127_with_one_line():
    done = watch("--json", "--", "gil-tui-no-such-command-x")
    assert done.returncode == 127
    assert done.stdout == ""
    assert one_clear_line(done.stderr) == (
        "gil-tui watch: gil-tui-no-such-command-x: command not found")


def test_a_missing_command_exits_127_before_the_app_opens():
    done = watch("--", "gil-tui-no-such-command-x")
    assert done.returncode == 127
    assert "command not found" in one_clear_line(done.stderr)


def test_a_bad_pid_exits_1_with_one_line():
    pid = 4_000_000
    while psutil.pid_exists(pid):
        pid -= 1
    done = watch("--json", "--pid", str(pid))
    assert done.returncode == 1
    assert one_clear_line(done.stderr) == f"gil-tui watch: no process with PID {pid}"


@pytest.mark.parametrize(
    "args",
    [
        ["--json"],
        ["--json", "--pid", "1", "--", "true"],
        ["--json", "--pid", "abc"],
        ["--json", "--pid", "0"],
        ["--json", "--hz", "0", "--", "true"],
        ["--json", "--hz", "nan", "--", "true"],
    ],
)
def test_usage_errors_exit_2(args):
    done = watch(*args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_attach_to_a_pid_until_it_ends():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1)"])
    try:
        done = watch("--json", "--hz", "10", "--pid", str(child.pid))
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["attached"] and data["pid"] == child.pid and data["command"] is None
        assert data["exit_code"] is None and data["avg_cores"] < 0.3
    finally:
        assert child.wait(5) == 0


def test_ctrl_c_stops_the_whole_tree_and_exits_130(tmp_path):
    script = tmp_path / "tree.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "gil_tui", "watch", "--json", "--", sys.executable, str(script)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=ROOT,
    )
    try:
        grandchild = int(proc.stderr.readline())  # the program's stdout goes to stderr
        watched = psutil.Process(grandchild).parent()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    data = json.loads(out)
    assert data["interrupted"] and data["exit_code"] is not None
    # the program's own KeyboardInterrupt traceback passes through; ours is one line
    assert err.splitlines()[-1] == (
        "gil-tui watch: interrupted; the program and its processes were stopped")
    assert "gil_tui" not in err
    time.sleep(0.1)
    for pid in (grandchild, watched.pid):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
