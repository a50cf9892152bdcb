"""Regressions from the attack harness (issue 12, benchmarks/attack.py): each case one test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.cli_helpers import ROOT, cli_env, in_terminal, one_clear_line, run_cli

posix_only = pytest.mark.skipif(os.name != "posix", reason="closes a descriptor with the shell")


def closed_stdout(*args: str) -> subprocess.CompletedProcess:
    """`gil-tui ARGS >&-`: the command runs with descriptor 1 closed."""
    return subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "gil_tui",
                           *args], stderr=subprocess.PIPE, text=True, timeout=60, env=cli_env(),
                          cwd=ROOT)


# ------------------------------------------------------------- the entry point


def test_ctrl_c_while_the_commands_load_is_one_line_and_130(monkeypatch, capsys):
    from gil_tui import cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)  # Ctrl+C lands during the imports
    assert cli.main(["bench", "--help"]) == 130
    err = capsys.readouterr().err
    assert err == "gil-tui: interrupted\n"


@posix_only
@pytest.mark.parametrize("args", [
    ("bench", "--workload", "sleep", "--mode", "threads", "--workers", "1", "--tasks", "1",
     "--scale", "0.01"),
    ("demo", "race"),
    ("interpreters",),
    ("lessons",),
])
def test_a_closed_stdout_is_one_line_for_every_command(args):
    done = closed_stdout(*args)
    assert done.returncode == 1, done.stderr
    assert "stdout is closed" in one_clear_line(done.stderr)


# ------------------------------------------------------------- control characters


HOSTILE = "/x\x1b]0;owned\x07y\x1b[2J"


@pytest.mark.parametrize("command", ["bench", "costs"])
def test_a_hostile_python_path_is_cleaned_on_stderr(command):
    extra = ("--workload", "sleep", "--mode", "threads") if command == "bench" else ()
    done = run_cli(command, *extra, "--python", HOSTILE)
    line = one_clear_line(done.stderr)
    assert done.returncode == 1
    assert "\x1b" not in line and "\x07" not in line


def test_a_hostile_serve_host_is_cleaned_on_stderr():
    done = run_cli("serve", "--host", HOSTILE, "--port", "0")
    line = one_clear_line(done.stderr)
    assert done.returncode == 2 and "\x1b" not in line and "\x07" not in line


def test_a_host_name_idna_cannot_encode_is_one_line_and_2():
    done = run_cli("serve", "--host", "x" * 5000, "--port", "0")
    line = one_clear_line(done.stderr)
    assert done.returncode == 2 and "not a valid host name" in line and len(line) < 200


def test_an_empty_demo_python_is_a_usage_error():
    done = run_cli("demo", "race", "--python", "")
    assert done.returncode == 2 and "--python" in one_clear_line(done.stderr)


# ------------------------------------------------------------- forkserver and a long TMPDIR


@pytest.mark.skipif(sys.platform != "linux" or not os.path.isdir("/tmp"),
                    reason="the fork server socket path limit, checked on Linux")
def test_forkserver_runs_under_a_long_tmpdir():
    base = tempfile.mkdtemp(prefix="gt", dir="/tmp")
    long_tmp = Path(base) / ("t" * 60)  # /tmp/gtXXXXXXXX/ + 60: over the socket limit nested
    long_tmp.mkdir()
    try:
        env = {**cli_env(), "TMPDIR": str(long_tmp)}
        done = subprocess.run(
            [sys.executable, "-m", "gil_tui", "bench", "--start-method", "forkserver",
             "--mode", "processes", "--workload", "sleep", "--workers", "2", "--tasks", "2",
             "--scale", "0.01"],
            capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert "AF_UNIX" not in done.stderr and "Traceback" not in done.stderr
    finally:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


# ------------------------------------------------------------- importing


def test_one_bad_line_skips_that_line_not_the_file(tmp_path):
    from tests.test_cli_results import gil_tui, history, seed

    seed(tmp_path / "src")
    good = history(tmp_path / "src").read_bytes().splitlines(keepends=True)
    assert len(good) == 3
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(good[0] + b'{"v": 1, "bad": "\x00\x00"}\n' + good[1]
                      + b'{"caf\xe9": 1}\n' + good[2])
    done = gil_tui(tmp_path / "home", "results", "--import", str(mixed))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "line 2" in done.stderr and "line 4" in done.stderr
    assert "imported 3 runs" in done.stderr, done.stderr


def test_a_binary_file_is_still_refused_in_one_line(tmp_path):
    blob = tmp_path / "blob.jsonl"
    blob.write_bytes(bytes(range(256)) * 64)
    from tests.test_cli_results import gil_tui

    done = gil_tui(tmp_path / "home", "results", "--import", str(blob))
    assert done.returncode == 1 and "binary content" in one_clear_line(done.stderr)


# ------------------------------------------------------------- demos die with gil-tui


MARK = "GIL_TUI_TEST_MARK"


def _cmdline(proc) -> list[str]:
    """Its command line, or [] when it ended meanwhile (a pool replaces its children)."""
    import psutil

    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def _children(proc) -> list:
    import psutil

    try:
        return proc.children()
    except psutil.Error:
        return []


def marked(mark: str) -> list:
    """Live processes whose environment carries ``mark`` (gil-tui and all it started)."""
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(MARK) == mark and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the guardian is Linux's")
def test_sigkill_of_the_main_guard_demo_leaves_no_process(tmp_path):
    import time

    import psutil

    import shutil

    mark = f"{os.getpid()}-{time.monotonic_ns()}"
    temp = tempfile.mkdtemp(prefix="gt", dir="/tmp")  # short: its scratch folders stay in it
    env = {**cli_env(), MARK: mark, "GIL_TUI_HOME": str(tmp_path / "home"), "TMPDIR": temp}
    proc = subprocess.Popen([sys.executable, "-m", "gil_tui", "demo", "main-guard", "-o",
                             "pool=yes", "-o", "methods=spawn"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the pool script runs and has children of its own
            pools = [p for p in marked(mark) if "pool_no_guard" in " ".join(_cmdline(p))]
            if any(_children(p) for p in pools):
                break
            assert proc.poll() is None, "the demo ended before its pool started"
            time.sleep(0.1)
        else:
            pytest.fail("the pool script never started its children")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 20
        while marked(mark) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = marked(mark)
        assert not left, [_cmdline(p) for p in left]
    finally:
        for p in marked(mark):  # a failing run still leaves nothing behind
            try:
                p.kill()
            except psutil.Error:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(temp, ignore_errors=True)  # what the killed gil-tui could not remove


# ------------------------------------------------------------- the main app and SIGTERM


def live_in_terminal(home: Path, *args: str):
    """`gil-tui live ARGS` on a pseudo-terminal: (proc, the bytes it drew, filled by a thread)."""
    return in_terminal("live", *args, env={**cli_env(), "GIL_TUI_HOME": str(home)})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pty and /proc")
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 130), (signal.SIGHUP, 129)])
def test_a_signal_to_the_app_restores_the_terminal_and_ends_the_run(tmp_path, sig, code):
    import psutil

    from tests.test_cli_watch import ALT_SCREEN_OFF, ALT_SCREEN_ON, MOUSE_OFF, gone, wait_until

    proc, drawn = live_in_terminal(tmp_path, "--run", "--workload", "sleep", "--mode",
                                   "threads", "--tasks", "64", "--scale", "50")
    workers: list = []
    try:
        def a_worker():
            try:
                return [p for p in psutil.Process(proc.pid).children(recursive=True)
                        if any("bench_worker" in part for part in p.cmdline())]
            except psutil.Error:
                return None
        wait_until(lambda: ALT_SCREEN_ON in b"".join(drawn), what="the app to draw")
        workers = wait_until(a_worker, what="the run's worker")
        proc.send_signal(sig)
        assert proc.wait(30) == code
        out = wait_until(lambda: (lambda b: b if ALT_SCREEN_OFF in b else None)(b"".join(drawn)),
                         what="the terminal to be restored")
        tail = out[out.rindex(ALT_SCREEN_ON):]
        assert ALT_SCREEN_OFF in tail and MOUSE_OFF in tail
        wait_until(lambda: all(gone(w.pid) for w in workers), what="the worker to end")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for w in workers:
            try:
                w.kill()
            except psutil.Error:
                pass


# ------------------------------------------------------------- the latency server's limits


def test_the_connection_cap_never_falls_below_the_runs_own_workers(monkeypatch):
    pytest.importorskip("aiohttp")
    from gil_tui.engine.run import latency

    monkeypatch.setattr(latency, "_fd_limit", lambda: 100)
    assert latency.LatencyServer(clients=256).max_connections >= 256
    monkeypatch.setattr(latency, "_raise_fd_limit", lambda wanted: 4096)  # raised to the hard
    server = latency.LatencyServer(clients=256)
    server._check_descriptors()
    assert server.max_connections >= 256


def test_a_limit_that_cannot_carry_the_run_refuses_it_up_front(monkeypatch):
    pytest.importorskip("aiohttp")
    from gil_tui.engine.run import latency

    monkeypatch.setattr(latency, "_raise_fd_limit", lambda wanted: 100)  # the hard limit
    with pytest.raises(latency.LatencyServerError, match="too low for 256 io workers"):
        latency.LatencyServer(clients=256)._check_descriptors()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="setrlimit in the child")
def test_an_io_run_under_a_low_descriptor_limit_fails_in_one_line(tmp_path):
    import resource

    def low() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))

    done = subprocess.run([sys.executable, "-m", "gil_tui", "bench", "--workload", "io",
                           "--mode", "threads", "--workers", "64", "--tasks", "128",
                           "--delay-ms", "20"], capture_output=True, text=True, timeout=60,
                          env={**cli_env(), "GIL_TUI_HOME": str(tmp_path)}, cwd=ROOT,
                          preexec_fn=low)
    assert done.returncode == 1
    assert "open-file limit (48" in one_clear_line(done.stderr)


def test_an_io_run_raises_a_low_soft_limit_when_it_may(tmp_path):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 400:
        pytest.skip("the hard limit is too low here")

    def low() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))

    done = subprocess.run([sys.executable, "-m", "gil_tui", "bench", "--workload", "io",
                           "--mode", "threads", "--workers", "64", "--tasks", "64",
                           "--delay-ms", "5"], capture_output=True, text=True, timeout=120,
                          env={**cli_env(), "GIL_TUI_HOME": str(tmp_path)}, cwd=ROOT,
                          preexec_fn=low)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------- a history that cannot be written


def test_compare_says_not_saved_once_on_stderr(tmp_path):
    from tests.test_cli_compare import TINY, compare

    (tmp_path / "data").write_text("a file where the history's folder should be\n")
    done = compare(tmp_path, "cpu", *TINY)
    assert done.returncode == 0, done.stderr
    assert "not saved" not in done.stdout
    assert done.stderr.count("not saved") == 1, done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pty and /proc")
def test_the_app_ends_when_its_terminal_goes_away_without_a_sighup(tmp_path):
    """A pty whose other end closes: gil-tui is not its controlling process, so no SIGHUP
    comes; the app notices the hang-up and exits with 129 instead of running on."""
    import pty
    import time

    master, slave = pty.openpty()
    env = {**cli_env(), "GIL_TUI_HOME": str(tmp_path), "TERM": "xterm-256color"}
    proc = subprocess.Popen([sys.executable, "-m", "gil_tui", "live", "--run", "--workload",
                             "sleep", "--mode", "threads", "--tasks", "64", "--scale", "50"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                            start_new_session=True)
    os.close(slave)
    try:
        seen, deadline = b"", time.monotonic() + 30
        while b"\x1b[?1049h" not in seen and time.monotonic() < deadline:
            seen += os.read(master, 65536)  # the app is up (or EOF: the test fails below)
        os.close(master)
        master = -1
        assert proc.wait(30) == 129
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
