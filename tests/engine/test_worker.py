"""bench_worker.py run for real: every workload x mode, other interpreters, failures.

The worker is run directly (``PYTHON bench_worker.py --spec JSON``) and its
stdout checked against the protocol, so these tests hold for any interpreter.
Scales are tiny: the point is behaviour, not figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from gil_tui.engine.run.events import Error, Hello, Progress, Result, WorkerDone, WorkerStart, parse_line
from gil_tui.engine.run.latency import LatencyServer
from gil_tui.engine.run.runner import WORKER_PATH

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
TINY = {"cpu": 0.005, "hash": 0.004}  # ~50k iterations; 4 MiB
#: a wait long enough that workers meant to wait together cannot, on a slow or busy machine,
#: merely look as if they had (starting a thread or a coroutine takes far less)
TOGETHER_MS = 300


def pyenv_python(version: str) -> str:
    matches = sorted(PYENV.glob(f"{version}.*/bin/python"))
    if not matches:
        pytest.skip(f"no pyenv Python {version} on this machine")
    return str(matches[0])


@pytest.fixture(scope="module")
def latency_server():
    """A LatencyServer on its own loop in a thread, for the whole module."""
    loop = asyncio.new_event_loop()
    server = LatencyServer()
    ready = threading.Event()

    def serve():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.fixture
def latency_url(latency_server):
    """The module's LatencyServer, its peak of requests in flight reset for this test."""
    latency_server.peak_in_flight = 0
    return latency_server.url


def waited_together(events, workers: int) -> bool:
    """Every worker started before any finished, by the worker's own clock.

    Workers that run one after another cannot have that shape, however fast or slow the
    machine: the check is about order, not speed (given waits of TOGETHER_MS each)."""
    starts = [e.t for e in events if isinstance(e, WorkerStart)]
    dones = [e.t for e in events if isinstance(e, WorkerDone)]
    return len(starts) == workers and bool(dones) and max(starts) < min(dones)


def run_worker(spec: dict, python: str = sys.executable, timeout: float = 60):
    spec = dict({"v": 1}, **spec)
    done = subprocess.run(
        [python, WORKER_PATH, "--spec", json.dumps(spec)],
        capture_output=True, text=True, timeout=timeout, start_new_session=True,
    )
    lines = done.stdout.splitlines()
    events = [parse_line(line) for line in lines]
    assert None not in events, f"non-protocol output: {lines!r}"
    return done.returncode, events, done.stderr


def check_run(events, *, workers: int, tasks: int):
    """The invariants every successful run keeps."""
    hello, result = events[0], events[-1]
    assert isinstance(hello, Hello) and isinstance(result, Result), events[-1]
    assert hello.workers == workers and hello.tasks == tasks
    starts = [e for e in events if isinstance(e, WorkerStart)]
    dones = [e for e in events if isinstance(e, WorkerDone)]
    assert sorted(e.index for e in starts) == list(range(workers))
    assert sorted(e.index for e in dones) == list(range(workers))
    assert sum(d.tasks for d in dones) == tasks
    assert sum(d.done for d in dones) == hello.total_steps == result.total_steps
    for p in (e for e in events if isinstance(e, Progress)):
        assert 0 < p.done <= p.total == hello.total_steps
    assert [w.index for w in result.workers] == list(range(workers))
    assert 0 <= result.first_start_s <= result.startup_s <= result.wall_s
    assert result.cpu_s >= 0
    return hello, result


COMBOS = [
    (workload, mode)
    for workload in ("cpu", "hash", "io", "sleep")
    for mode in ("sequential", "threads", "processes", "asyncio")
    if mode != "asyncio" or workload in ("io", "sleep")
]


@pytest.mark.parametrize("workload, mode", COMBOS)
def test_every_workload_and_mode(workload, mode, latency_server, latency_url):
    workers = 1 if mode == "sequential" else 3
    tasks = 4
    waits = workload in ("io", "sleep") and mode in ("threads", "asyncio")
    spec = {"workload": workload, "mode": mode, "workers": workers, "tasks": tasks,
            "scale": TINY.get(workload, 1.0), "delay_ms": TOGETHER_MS if waits else 20,
            "url": latency_url}
    code, events, stderr = run_worker(spec)
    assert code == 0, stderr
    hello, result = check_run(events, workers=workers, tasks=tasks)
    pids = {w.pid for w in result.workers}
    threads = {w.thread_id for w in result.workers}
    if mode == "processes":
        assert len(pids) == workers and hello.pid not in pids
        assert hello.start_method == hello.default_start_method
        assert result.cpu_s == pytest.approx(result.cpu_self_s + result.cpu_children_s, abs=1e-5)
    else:
        assert pids == {hello.pid}
        assert len(threads) == (workers if mode == "threads" else 1)
    if mode == "asyncio":
        assert all(w.cpu_s is None for w in result.workers)
    assert hello.io_client == (
        None if workload != "io" else "aiohttp" if mode == "asyncio" else "urllib"
    )
    if waits:
        # 4 waits, 3 at a time: the 3 workers waited together, not one after another
        assert waited_together(events, workers), events
        if workload == "io":  # and the server had their 3 requests in flight at once
            assert latency_server.peak_in_flight == workers


def test_waited_together_tells_the_shapes_apart():
    def shape(*spans):
        events = []
        for index, (start, done) in enumerate(spans):
            events += [WorkerStart(start, index, 1, index), WorkerDone(done, index, 1, index, 0.3)]
        return events

    assert waited_together(shape((0.01, 0.31), (0.02, 0.32), (0.02, 0.62)), 3)
    assert not waited_together(shape((0.01, 0.31), (0.31, 0.61), (0.61, 0.91)), 3)  # in turn
    assert not waited_together(shape((0.01, 0.31), (0.02, 0.32)), 3)  # a worker never started


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_each_start_method(method):
    spec = {"workload": "cpu", "mode": "processes", "workers": 2, "tasks": 2, "scale": TINY["cpu"],
            "start_method": method}
    code, events, stderr = run_worker(spec)
    assert code == 0, stderr
    hello, _ = check_run(events, workers=2, tasks=2)
    assert hello.start_method == method


@pytest.mark.parametrize("version", ["3.8", "3.13"])
def test_other_interpreters(version, latency_url):
    python = pyenv_python(version)
    runs = [
        ({"workload": "cpu", "mode": "threads", "workers": 2, "tasks": 2, "scale": TINY["cpu"]}, 2),
        ({"workload": "hash", "mode": "processes", "workers": 2, "tasks": 2, "scale": TINY["hash"],
          "start_method": "spawn"}, 2),
        ({"workload": "sleep", "mode": "asyncio", "workers": 4, "tasks": 4, "delay_ms": 10}, 4),
        # no aiohttp in the pyenv interpreters: asyncio io falls back to asyncio streams
        ({"workload": "io", "mode": "asyncio", "workers": 4, "tasks": 4, "delay_ms": 10,
          "url": latency_url}, 4),
    ]
    for spec, workers in runs:
        code, events, stderr = run_worker(spec, python=python)
        assert code == 0, stderr
        hello, _ = check_run(events, workers=workers, tasks=spec["tasks"])
        assert hello.version.startswith(version + ".")
        assert os.path.realpath(hello.executable) == os.path.realpath(python)
        if spec["workload"] == "io":
            assert hello.io_client == ("aiohttp" if hello.aiohttp else "asyncio-streams")


@pytest.mark.parametrize("version", ["3.8", "3.13"])
def test_io_threads_wait_together(version, latency_server, latency_url):
    # 16 requests of 500 ms in 16 threads: the server has all 16 in flight at once. (With
    # urlopen() on 3.12+, each thread's first call loaded the CA certificates, one thread
    # after another under the GIL: 1.1 s in all, so that only a few requests overlapped.)
    spec = {"workload": "io", "mode": "threads", "workers": 16, "tasks": 16, "delay_ms": 500,
            "url": latency_url}
    code, events, stderr = run_worker(spec, python=pyenv_python(version))
    assert code == 0, stderr
    check_run(events, workers=16, tasks=16)
    assert waited_together(events, 16), events
    assert latency_server.peak_in_flight == 16


@pytest.mark.parametrize("version", ["3.6", "3.7"])
def test_too_old_interpreter_says_so(version):
    code, events, _ = run_worker({"workload": "cpu", "mode": "threads"}, python=pyenv_python(version))
    assert code == 1 and len(events) == 1 and isinstance(events[0], Error)
    assert "needs CPython >= 3.8" in events[0].message and version in events[0].message


def test_progress_is_throttled():
    # ~0.3-0.6 s of work in 25 steps per task: unthrottled would be 200 events
    spec = {"workload": "cpu", "mode": "threads", "workers": 2, "tasks": 8, "scale": 0.1}
    code, events, stderr = run_worker(spec)
    assert code == 0, stderr
    _, result = check_run(events, workers=2, tasks=8)
    for index in (0, 1):
        count = sum(1 for e in events if isinstance(e, Progress) and e.index == index)
        assert count <= result.wall_s / 0.25 + 1


@pytest.mark.parametrize(
    "spec, code, words",
    [
        ({"workload": "cpu", "mode": "asyncio"}, 2, ["asyncio mode runs the I/O workloads only"]),
        ({"workload": "gpu", "mode": "threads"}, 2, ["unknown workload"]),
        ({"workload": "cpu", "mode": "threads", "workers": 0}, 2, ["workers", "1 to 256"]),
        ({"workload": "cpu", "mode": "threads", "workers": 1000}, 2, ["workers"]),
        ({"workload": "cpu", "mode": "threads", "scale": -1}, 2, ["scale"]),
        ({"workload": "io", "mode": "threads"}, 2, ["latency server"]),
        ({"workload": "cpu", "mode": "processes", "start_method": "vfork"}, 2, ["start method"]),
        ({"v": 2, "workload": "cpu", "mode": "threads"}, 2, ["protocol v2", "v1"]),
    ],
)
def test_bad_specs_give_one_error_event(spec, code, words):
    got, events, stderr = run_worker(spec)
    assert got == code
    assert len(events) == 1 and isinstance(events[0], Error), events
    for word in words:
        assert word in events[0].message
    assert "Traceback" not in stderr


def test_spec_that_is_not_json():
    done = subprocess.run([sys.executable, WORKER_PATH, "--spec", "{nope"], capture_output=True,
                          text=True, timeout=30, start_new_session=True)
    event = parse_line(done.stdout)
    assert done.returncode == 2 and isinstance(event, Error) and "not valid JSON" in event.message


@pytest.mark.parametrize("mode", ["threads", "processes", "asyncio"])
def test_unreachable_latency_server(mode):
    with socket_closed_port() as port:
        url = f"http://127.0.0.1:{port}"
        spec = {"workload": "io", "mode": mode, "workers": 2, "tasks": 2, "delay_ms": 1, "url": url}
        code, events, stderr = run_worker(spec)
    assert code == 1
    assert isinstance(events[0], Hello) and isinstance(events[-1], Error)
    assert f"could not reach the latency server at {url}" in events[-1].message
    assert "Traceback" not in stderr


class socket_closed_port:
    """A loopback port with nothing listening (bound then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None


def alive(procs) -> list:
    out = []
    for proc in procs:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
        except psutil.NoSuchProcess:
            pass
    return out


def wait_gone(procs, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = alive(procs)
        if not left:
            return []
        time.sleep(0.02)
    return alive(procs)


def start_worker(spec: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, WORKER_PATH, "--spec", json.dumps(dict({"v": 1}, **spec)), "--lifeline"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )


def read_until(proc: subprocess.Popen, predicate, limit: int = 200):
    seen = []
    for _ in range(limit):
        event = parse_line(proc.stdout.readline())
        seen.append(event)
        if event is not None and predicate(event, seen):
            return seen
    raise AssertionError(f"never saw the expected event: {seen!r}")


def test_killed_child_process_is_reported():
    proc = start_worker({"workload": "cpu", "mode": "processes", "workers": 2, "scale": 2.0,
                         "start_method": "fork"})
    try:
        seen = read_until(proc, lambda e, s: sum(isinstance(x, WorkerStart) for x in s) == 2)
        victim = next(e.pid for e in seen if isinstance(e, WorkerStart))
        others = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
        os.kill(victim, signal.SIGKILL)
        rest = [parse_line(line) for line in proc.stdout]
        assert proc.wait(10) == 1
        error = rest[-1]
        assert isinstance(error, Error)
        assert f"pid {victim}" in error.message and "killed by signal 9" in error.message
        assert wait_gone(others, 3) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_ends_the_whole_group(sig, code):
    proc = start_worker({"workload": "cpu", "mode": "processes", "workers": 2, "scale": 2.0,
                         "start_method": "forkserver"})
    try:
        read_until(proc, lambda e, s: sum(isinstance(x, WorkerStart) for x in s) == 2)
        group = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
        assert len(group) >= 4  # worker, fork server, two children (+ resource tracker)
        os.killpg(proc.pid, sig)
        rest = [parse_line(line) for line in proc.stdout]
        assert proc.wait(5) == code
        assert isinstance(rest[-1], Error) and rest[-1].cancelled
        assert wait_gone(group, 3) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
