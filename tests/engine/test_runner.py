"""Runner: real worker runs, cancellation, crashes, the lifeline; psutil checks for survivors."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

import pytest

from gil_tui.engine.run.events import Error, Hello, Progress, Result, WorkerDone, WorkerStart
from gil_tui.engine.run.results import RunError, RunResult
from gil_tui.engine.run.runner import CANCEL_GRACE_S, WORKER_PATH, Runner, run
from gil_tui.engine.run.spec import RunSpec
from gil_tui.engine.system.processes import KILL_WAIT_S, group_members

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
TINY_CPU = 0.005


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def survivors(procs: list[psutil.Process]) -> list[psutil.Process]:
    left = []
    for proc in procs:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                left.append(proc)
        except psutil.NoSuchProcess:
            pass
    return left




async def wait_for_tree(runner_or_pid, size: int, timeout: float = 10) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = runner_or_pid if isinstance(runner_or_pid, int) else runner_or_pid.pid
        procs = tree(pid) if pid else []
        if len(procs) >= size:
            return procs
        await asyncio.sleep(0.02)
    raise AssertionError(f"the worker tree never reached {size} processes")


async def test_run_returns_a_result():
    seen = []
    result = await run(RunSpec("cpu", "threads", workers=2, tasks=4, scale=TINY_CPU),
                       on_event=seen.append)
    assert isinstance(result, RunResult)
    assert isinstance(seen[0], Hello) and isinstance(seen[-1], Result)
    assert result.interpreter.path == sys.executable
    assert result.interpreter.version == ".".join(map(str, sys.version_info[:3]))
    assert len(result.workers) == 2 and result.tasks == 4
    assert {w.pid for w in result.workers} == {seen[0].pid}
    assert result.wall_s > 0 and result.started_at <= time.time()
    assert RunResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


async def test_async_on_event_and_io_with_its_own_latency_server():
    seen = []

    async def on_event(event):
        await asyncio.sleep(0)
        seen.append(event)

    # waits of 300 ms: far longer than starting 4 threads takes, on any machine
    result = await run(RunSpec("io", "threads", workers=4, tasks=4, delay_ms=300),
                       on_event=on_event)
    assert result.io_client == "urllib"
    kinds = [type(event) for event in seen]
    assert kinds.count(WorkerStart) == kinds.count(WorkerDone) == 4
    # the 4 requests were waited for together: every worker started (by the worker's own
    # clock) before any finished, which workers taking turns cannot do, however fast
    starts = [e.t for e in seen if isinstance(e, WorkerStart)]
    dones = [e.t for e in seen if isinstance(e, WorkerDone)]
    assert max(starts) < min(dones), seen


async def test_events_stream_order():
    runner = Runner(RunSpec("hash", "processes", workers=2, tasks=2, scale=0.004,
                            start_method="fork"))
    events = [event async for event in runner.events()]
    assert isinstance(events[0], Hello) and isinstance(events[-1], Result)
    assert all(isinstance(e, (WorkerStart, Progress, WorkerDone)) for e in events[1:-1])
    assert runner.pid == events[0].pid
    with pytest.raises(RuntimeError, match="runs once"):
        async for _ in runner.events():
            pass


@pytest.mark.parametrize(
    "mode, method, size",
    [("threads", None, 1), ("processes", "fork", 3), ("processes", "forkserver", 4)],
)
async def test_cancel_ends_the_whole_group_within_a_second(mode, method, size):
    runner = Runner(RunSpec("cpu", mode, workers=2, scale=5.0, start_method=method))
    events = []

    async def consume():
        async for event in runner.events():
            events.append(event)

    task = asyncio.ensure_future(consume())
    procs = await wait_for_tree(runner, size)
    while not any(isinstance(e, WorkerStart) for e in events):
        await asyncio.sleep(0.02)
    start = time.monotonic()
    await runner.cancel()
    elapsed = time.monotonic() - start
    await asyncio.wait_for(task, 5)
    # the last event says it was cancelled (not done: scale 5 runs for seconds), and nothing
    # is left (below); the time is bounded only by our own waits, with room for a busy machine
    assert elapsed < CANCEL_GRACE_S + KILL_WAIT_S + 10.0
    assert survivors(procs) == []
    assert isinstance(events[-1], Error) and events[-1].cancelled
    assert group_members(runner.pid) == []


async def test_cancelling_the_task_of_run_ends_the_worker():
    pids = []
    task = asyncio.ensure_future(run(
        RunSpec("cpu", "processes", workers=2, scale=5.0, start_method="fork"),
        on_event=lambda e: pids.append(e.pid) if isinstance(e, Hello) else None,
    ))
    while not pids:
        await asyncio.sleep(0.02)
    procs = await wait_for_tree(pids[0], 3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert survivors(procs) == []


async def test_leaving_the_stream_early_ends_the_worker():
    runner = Runner(RunSpec("sleep", "threads", workers=2, tasks=40, delay_ms=500))
    stream = runner.events()
    async for event in stream:
        if isinstance(event, WorkerStart):
            break
    procs = tree(runner.pid)
    await stream.aclose()
    assert survivors(procs) == []


async def test_worker_killed_from_outside_is_an_error_with_exit_status():
    runner = Runner(RunSpec("cpu", "threads", workers=2, scale=5.0))
    events = []
    async for event in runner.events():
        events.append(event)
        if isinstance(event, WorkerStart):
            os.kill(runner.pid, signal.SIGKILL)
    error = events[-1]
    assert isinstance(error, Error) and error.kind == "crash"
    assert error.exit_code == -signal.SIGKILL
    assert f"pid {runner.pid}" in error.message and "SIGKILL" in error.message
    assert "before reporting a result" in error.message


async def test_crash_carries_the_stderr_tail(tmp_path):
    worker = tmp_path / "crashing_worker.py"
    hello = {"v": 1, "event": "hello", "t": 0.0, "version": "3.99.0", "implementation": "cpython",
             "gil_enabled": True, "free_threaded": False, "pid": 1, "aiohttp": False}
    worker.write_text(textwrap.dedent(f"""
        import sys
        print({json.dumps(json.dumps(hello))}, flush=True)
        for i in range(2000):
            sys.stderr.write("noise %d\\n" % i)
        sys.stderr.write("MemoryError: the last words\\n")
        sys.exit(7)
    """))
    runner = Runner(RunSpec("cpu", "threads"), worker_path=str(worker))
    events = [event async for event in runner.events()]
    error = events[-1]
    assert isinstance(error, Error) and error.exit_code == 7
    assert "exited with code 7" in error.message and "MemoryError: the last words" in error.message
    assert error.stderr_tail.endswith("MemoryError: the last words")
    assert "noise 0\n" not in error.stderr_tail and len(error.stderr_tail) <= 4096


async def test_worker_error_event_ends_the_run(tmp_path):
    with pytest.raises(RunError) as info:
        await run(RunSpec("io", "threads", workers=2, tasks=2, delay_ms=1),
                  latency_url="http://127.0.0.1:9")
    assert "could not reach the latency server at http://127.0.0.1:9" in str(info.value)
    assert info.value.error.kind == "worker" and info.value.error.exit_code == 1


async def test_latency_server_trouble_is_a_start_error(monkeypatch):
    from gil_tui.engine.run import latency
    async def refuse(self):
        raise latency.LatencyServerError(
            "could not start the latency server on 127.0.0.1:0: Address already in use"
        )

    monkeypatch.setattr(latency.LatencyServer, "start", refuse)
    with pytest.raises(RunError) as info:
        await run(RunSpec("io", "threads", tasks=2, delay_ms=1))
    assert info.value.error.kind == "start"
    assert "could not start the latency server" in str(info.value)


async def test_missing_interpreter_is_a_start_error():
    runner = Runner(RunSpec("cpu", "threads", python="/no/such/python3"))
    events = [event async for event in runner.events()]
    assert len(events) == 1 and events[0].kind == "start"
    assert "/no/such/python3" in events[0].message


async def test_a_binary_that_is_not_python():
    runner = Runner(RunSpec("cpu", "threads", python="/bin/echo"))
    events = [event async for event in runner.events()]
    error = events[-1]
    assert isinstance(error, Error) and error.kind == "crash"
    assert "before saying hello" in error.message and "/bin/echo" in error.message


async def test_python_2_without_preflight_still_fails_clearly():
    matches = sorted(PYENV.glob("2.7.*/bin/python"))
    if not matches:
        pytest.skip("no pyenv Python 2.7 on this machine")
    runner = Runner(RunSpec("cpu", "threads", python=str(matches[0])))
    error = [event async for event in runner.events()][-1]
    assert isinstance(error, Error) and "SyntaxError" in error.message
    assert "CPython >= 3.8" in error.message


async def test_silent_interpreter_times_out(tmp_path):
    worker = tmp_path / "silent.py"
    worker.write_text("import time\ntime.sleep(60)\n")
    runner = Runner(RunSpec("cpu", "threads"), worker_path=str(worker), hello_timeout=0.3)
    events = [event async for event in runner.events()]
    # the worker sleeps 60 s without a hello: only the hello timeout ends it like this
    assert events[-1].kind == "timeout" and "did not start the worker" in events[-1].message
    assert group_members(runner.pid) == []


PARENT = """
import json, subprocess, sys, time
worker, spec = sys.argv[1], sys.argv[2]
proc = subprocess.Popen([sys.executable, worker, "--spec", spec, "--lifeline"],
                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, start_new_session=True)
print(proc.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
async def test_lifeline_when_the_parent_is_sigkilled(method):
    spec = RunSpec("cpu", "processes", workers=2, scale=5.0, start_method=method)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, WORKER_PATH, json.dumps(spec.worker_payload())],
        stdout=subprocess.PIPE, text=True,
    )
    worker_pid = None
    try:
        worker_pid = int(parent.stdout.readline())
        await wait_for_tree(worker_pid, 3)  # the worker and its two children at least
        procs = tree(worker_pid)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while group_members(worker_pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert survivors(procs) == []
        assert group_members(worker_pid) == []
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if worker_pid is not None:
            for pid in group_members(worker_pid):
                os.kill(pid, signal.SIGKILL)


async def test_cancel_before_the_worker_starts():
    runner = Runner(RunSpec("cpu", "threads", scale=5.0))
    await runner.cancel()
    events = [event async for event in runner.events()]
    assert len(events) == 1 and events[0].cancelled
    assert runner.pid is None


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX only")
async def test_nice_lowers_the_priority_of_the_worker_and_its_processes():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    spec = RunSpec("sleep", "processes", workers=2, tasks=4, delay_ms=300)
    runner = Runner(spec, nice=3)
    seen: dict[int, int] = {}
    async for event in runner.events():
        if isinstance(event, WorkerStart):
            for proc in tree(runner.pid):
                try:
                    seen[proc.pid] = proc.nice()
                except psutil.NoSuchProcess:
                    pass
    assert isinstance(event, Result)
    assert len(seen) >= 2, "the worker and at least one of its processes"
    assert set(seen.values()) == {min(19, base + 3)}


async def test_without_nice_the_worker_keeps_our_priority():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    runner = Runner(RunSpec("sleep", "threads", workers=2, tasks=2, delay_ms=200))
    nice = None
    async for event in runner.events():
        if isinstance(event, WorkerStart) and nice is None:
            nice = psutil.Process(runner.pid).nice()
    assert nice == base


# ---------------------------------------------------------------- cancel before the start

#: A worker that says hello (and marks that it did, in the file $MARK), then waits.
SAYS_HELLO = """
import json, os, sys, time
print(json.dumps({"v": 1, "event": "hello", "t": 0.0, "version": "3.0.0",
                  "implementation": "cpython", "executable": sys.executable,
                  "gil_enabled": True, "free_threaded": False, "cpu_count": 1,
                  "pid": os.getpid(), "start_method": None, "default_start_method": "fork",
                  "aiohttp": False, "io_client": None}), flush=True)
open(os.environ["MARK"], "w").close()
time.sleep(120)
"""


class Held:
    """Wraps an async function so that its first call waits for :meth:`release`
    (``before``: before calling it, else after); counts the calls."""

    def __init__(self, real, before: bool) -> None:
        self.real, self.before = real, before
        self.calls = 0
        self.made: list = []
        self.reached = asyncio.Event()
        self._go = asyncio.Event()

    def release(self) -> None:
        self._go.set()

    def method(self):
        """The same, to stand in for a method (a plain function binds ``self``)."""
        async def held(obj, *args, **kwargs):
            return await self(obj, *args, **kwargs)
        return held

    async def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls > 1:
            return await self.real(*args, **kwargs)
        if not self.before:
            self.made.append(await self.real(*args, **kwargs))
        self.reached.set()
        await self._go.wait()
        return self.made[0] if self.made else await self.real(*args, **kwargs)


async def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def collect(runner: Runner) -> list:
    return [event async for event in runner.events()]


async def test_a_cancel_before_the_spawn_means_no_spawn(monkeypatch):
    """cancel() while the runner prepares (its own latency server starting): the worker is
    never started, and the stream is the cancelled Error alone."""
    from gil_tui.engine.run import latency
    from gil_tui.engine.system import processes

    server_start = Held(latency.LatencyServer.start, before=False)
    spawn = Held(processes.start_async, before=True)
    monkeypatch.setattr(latency.LatencyServer, "start", server_start.method())
    monkeypatch.setattr(processes, "start_async", spawn)
    runner = Runner(RunSpec("io", "threads", workers=2, tasks=2, delay_ms=1))
    task = asyncio.ensure_future(collect(runner))
    await asyncio.wait_for(server_start.reached.wait(), 10)
    await runner.cancel()
    server_start.release()
    events = await asyncio.wait_for(task, 10)
    assert [type(e) for e in events] == [Error] and events[0].cancelled
    assert spawn.calls == 0 and runner.pid is None


async def test_drive_of_a_runner_cancelled_before_it_started_spawns_nothing(monkeypatch):
    from gil_tui.engine.run.runner import drive
    from gil_tui.engine.system import processes

    spawn = Held(processes.start_async, before=True)
    monkeypatch.setattr(processes, "start_async", spawn)
    spec = RunSpec("cpu", "sequential", scale=50.0)
    runner = Runner(spec)
    await runner.cancel()
    with pytest.raises(RunError) as info:
        await drive(runner, spec, share=None)
    assert info.value.error.cancelled and spawn.calls == 0


@pytest.mark.parametrize("made", [False, True], ids=["before-fork", "after-fork"])
async def test_a_cancel_while_the_worker_is_being_started_ends_it_before_any_event(
        tmp_path, monkeypatch, made):
    """cancel() while the worker is being started (not made yet, or made and already
    talking, but not handed to the runner): it has nothing to signal and returns; the
    runner ends the worker as soon as it has it, and reads none of its events."""
    from gil_tui.engine.system import processes

    mark = tmp_path / "said-hello"
    script = tmp_path / "says_hello.py"
    script.write_text(SAYS_HELLO)
    spawn = Held(processes.start_async, before=not made)
    monkeypatch.setattr(processes, "start_async", spawn)
    runner = Runner(RunSpec("cpu", "sequential", scale=50.0), worker_path=str(script),
                    env={**os.environ, "MARK": str(mark)})
    task = asyncio.ensure_future(collect(runner))
    await asyncio.wait_for(spawn.reached.wait(), 10)
    if made:  # its hello waits in the pipe: the runner must not pass it on
        procs = tree(spawn.made[0].pid)
        await until(mark.exists)
    await asyncio.wait_for(runner.cancel(), 5)
    spawn.release()
    events = await asyncio.wait_for(task, 15)
    assert [type(e) for e in events] == [Error] and events[0].cancelled, events
    assert runner.pid is not None and runner.hello is None
    if made:
        assert survivors(procs) == []
    assert survivors(tree(runner.pid)) == []
    assert group_members(runner.pid) == []


async def test_a_cancel_before_the_first_event_ends_a_silent_worker(tmp_path):
    worker = tmp_path / "silent.py"
    worker.write_text("import time\ntime.sleep(120)\n")
    runner = Runner(RunSpec("cpu", "threads"), worker_path=str(worker))
    task = asyncio.ensure_future(collect(runner))
    await until(lambda: runner.pid is not None and tree(runner.pid))
    procs = tree(runner.pid)
    await runner.cancel()
    events = await asyncio.wait_for(task, 10)
    assert [type(e) for e in events] == [Error] and events[0].cancelled, events
    assert survivors(procs) == [] and group_members(runner.pid) == []
