"""`gil-tui watch` headless, as a user runs it: a subprocess, its output and exit code."""

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

from tests.cli_helpers import cli_env as env
from tests.cli_helpers import in_terminal
from tests.cli_helpers import one_clear_line, run_cli

ROOT = Path(__file__).resolve().parents[1]
SUMMARY_KEYS = {
    "v", "command", "pid", "attached", "started_at", "wall_s", "cpu_s", "avg_cores",
    "peak_cores", "max_processes", "max_threads", "processes_seen", "exit_code", "signal",
    "exit_status", "interrupted", "finished", "cpu_count", "samples", "cpu_source",
    "leftovers_ended", "others_cores", "verdict",
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


# ------------------------------------------------- a watched program never outlives gil-tui

SLEEPER = "import time; time.sleep(120)  # gil-tui-watch-test"


def start_watch(*args: str, **popen) -> subprocess.Popen:
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "gil_tui", "watch", *args],
                            env=popen.pop("env", env()), cwd=ROOT, **popen)


def wait_until(condition, timeout: float = 20.0, what: str = "condition"):
    """Poll ``condition`` until it returns something true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def the_program(watch_proc: subprocess.Popen) -> psutil.Process:
    """The program `gil-tui watch` started (running SLEEPER, below its guardian on Linux)."""
    def find():
        try:
            for child in psutil.Process(watch_proc.pid).children(recursive=True):
                if child.cmdline()[-1:] == [SLEEPER]:  # exec'd (not gil-tui's fork before it)
                    return child
        except psutil.Error:
            pass
        assert watch_proc.poll() is None, "gil-tui watch ended early"
        return None
    return wait_until(find, what="the watched program to start")


def catches(pid: int, sig: int) -> bool:
    """Whether process ``pid`` has a handler for ``sig`` (Linux: SigCgt in /proc)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    except OSError:
        pass
    return False


def end_everything(*procs) -> None:
    for proc in procs:
        try:
            proc.kill()
        except (psutil.Error, OSError):
            pass
        try:
            proc.wait(10)
        except (psutil.Error, subprocess.TimeoutExpired, ChildProcessError):
            pass


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="PR_SET_PDEATHSIG and /proc are Linux")


@linux_only
def test_sigkill_of_gil_tui_ends_the_program():
    proc = start_watch("--no-tui", "--", sys.executable, "-c", SLEEPER)
    program = None
    try:
        program = the_program(proc)
        proc.kill()
        proc.wait(10)
        wait_until(lambda: gone(program.pid), what="the program to end with gil-tui")
    finally:
        end_everything(proc, *([program] if program else []))


@linux_only
@pytest.mark.parametrize("sig, code, words", [
    (signal.SIGTERM, 130, "interrupted"),
    (signal.SIGHUP, 129, "the terminal closed (SIGHUP)"),
])
def test_sigterm_and_sighup_go_through_the_stop_path(sig, code, words):
    proc = start_watch("--no-tui", "--", sys.executable, "-c", SLEEPER,
                       stdout=subprocess.PIPE, text=True)
    program = None
    try:
        program = the_program(proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == code, err
        assert gone(program.pid)
        assert "watched " in out  # the summary still comes
        # the program's own KeyboardInterrupt traceback passes through; ours is one line
        assert err.splitlines()[-1] == (
            f"gil-tui watch: {words}; the program and its processes were stopped")
        assert "gil_tui" not in err
    finally:
        end_everything(proc, *([program] if program else []))


@linux_only
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_an_attached_pid_is_never_touched(sig):
    target = subprocess.Popen([sys.executable, "-c", SLEEPER])
    proc = start_watch("--no-tui", "--pid", str(target.pid))
    try:
        wait_until(lambda: catches(proc.pid, signal.SIGTERM) or proc.poll() is not None,
                   what="gil-tui watch to be ready")
        assert proc.poll() is None
        proc.send_signal(sig)
        proc.wait(30)
        assert target.poll() is None, "the attached process was ended"
        assert psutil.Process(target.pid).status() != psutil.STATUS_ZOMBIE
    finally:
        end_everything(proc, target)


# ------------------------------------------------------------ the app, in a real terminal

def run_in_terminal(*args: str):
    """`gil-tui watch ARGS` with a pseudo-terminal as its terminal; returns (proc, output)
    where output is a list of the bytes it drew, filled by a thread."""
    return in_terminal("watch", *args)


ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
MOUSE_OFF = b"\x1b[?1000l"


@linux_only
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 130), (signal.SIGHUP, 129)])
def test_the_app_stops_the_program_and_restores_the_terminal_on_a_signal(sig, code):
    proc, drawn = run_in_terminal("--", sys.executable, "-c", SLEEPER)
    program = None
    try:
        program = the_program(proc)
        wait_until(lambda: ALT_SCREEN_ON in b"".join(drawn), what="the app to draw")
        wait_until(lambda: catches(proc.pid, sig), what="the app's signal handler")
        proc.send_signal(sig)
        assert proc.wait(30) == code
        assert gone(program.pid)
        out = wait_until(lambda: (lambda b: b if ALT_SCREEN_OFF in b else None)(b"".join(drawn)),
                         what="the terminal to be restored")
        last = out.rindex(ALT_SCREEN_ON)
        assert out.rindex(ALT_SCREEN_OFF) > last, "left in the alternate screen"
        assert out.rfind(MOUSE_OFF) > last, "mouse tracking left on"
        assert b"Traceback" not in out
    finally:
        end_everything(proc, *([program] if program else []))


@linux_only
def test_sigkill_of_the_app_ends_the_program():
    proc, _ = run_in_terminal("--", sys.executable, "-c", SLEEPER)
    program = None
    try:
        program = the_program(proc)
        proc.kill()
        proc.wait(10)
        wait_until(lambda: gone(program.pid), what="the program to end with gil-tui")
    finally:
        end_everything(proc, *([program] if program else []))


# ------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, words", [
    (["--no-tui", "--", ""], "the COMMAND is empty"),
    (["--json", "--", "", "x"], "the COMMAND is empty"),
    (["--", ""], "the COMMAND is empty"),
    (["--no-tui", "--log", "", "--", "true"], "--log needs a file name"),
])
def test_an_empty_argument_is_a_usage_error(args, words):
    done = watch(*args)
    assert done.returncode == 2
    assert words in one_clear_line(done.stderr) and done.stdout == ""


def test_an_empty_pid_is_a_usage_error():
    done = watch("--no-tui", "--pid", "")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "PID" in done.stderr.splitlines()[-1]


@pytest.mark.parametrize("mode", [["--no-tui"], ["--json"], []])
def test_a_closed_stdout_is_one_line(mode):
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "gil_tui", "watch", *mode,
         "--", sys.executable, "-c", "print('hello')"],
        capture_output=False, stderr=subprocess.PIPE, text=True, timeout=60, env=env(),
        cwd=ROOT)
    assert done.returncode == 1
    assert "stdout is closed" in one_clear_line(done.stderr)


# -------------------------------------------------------------- byte-exact output

def noisy_program(tmp_path) -> tuple[list[str], bytes]:
    """A program writing random bytes (CRLF, a 100 KB line, no newline at the end)."""
    import random

    rng = random.Random(1234)
    data = bytearray()
    for _ in range(200):
        data += bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 800)))
        data += b"\r\n"
    data += bytes(rng.choice(b"abcdef\r") for _ in range(100_000))  # one 100 KB line
    data += bytes(rng.getrandbits(8) for _ in range(777)).replace(b"\n", b"")  # no last \n
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(data))
    code = ("import sys\n"
            f"data = open({str(blob)!r}, 'rb').read()\n"
            "for i in range(0, len(data), 4093):\n"
            "    sys.stdout.buffer.write(data[i:i + 4093]); sys.stdout.buffer.flush()\n")
    return [sys.executable, "-c", code], bytes(data)


def sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_no_tui_passes_the_bytes_through_unchanged(tmp_path):
    argv, data = noisy_program(tmp_path)
    done = subprocess.run([sys.executable, "-m", "gil_tui", "watch", "--no-tui", "--", *argv],
                          capture_output=True, timeout=60, env=env(), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert sha(done.stdout[: len(data)]) == sha(data)
    assert done.stdout[len(data):].startswith(b"\nwatched ")  # the summary on its own line


def test_json_passes_the_bytes_through_unchanged_on_stderr(tmp_path):
    argv, data = noisy_program(tmp_path)
    log = tmp_path / "out.log"
    done = subprocess.run([sys.executable, "-m", "gil_tui", "watch", "--json", "--log",
                           str(log), "--", *argv],
                          capture_output=True, timeout=60, env=env(), cwd=ROOT)
    assert done.returncode == 0, done.stderr[-500:]
    assert sha(done.stderr) == sha(data)
    assert sha(log.read_bytes()) == sha(data)
    assert json.loads(done.stdout)["exit_code"] == 0
