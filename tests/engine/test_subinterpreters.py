"""The subinterpreters mode, run for real on 3.12 and 3.13, and the 3.14 path on a fake.

* the worker on 3.12 (``_xxsubinterpreters``) and 3.13 (``_interpreters``): every
  workload it accepts, one native thread per worker, the API named in ``hello``;
* the 3.14 path (``concurrent.interpreters``), exercised on 3.12/3.13 through a
  stand-in module of the public API's shape that a ``sitecustomize`` installs;
* refusal before any work on 3.11 and 3.8 (one ``error`` event, exit status 2);
* cancel, the lifeline and the costs worker's subinterpreter row;
* the code the subinterpreters run, checked in this interpreter.

pyenv interpreters that are missing are skipped. Scales are tiny except in the
slow test, which checks behaviour (more than one core busy), not speed.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from gil_tui.engine.run.events import (
    Error, Hello, Progress, Result, WorkerDone, WorkerStart, parse_line,
)
from gil_tui.engine.run.runner import WORKER_PATH, Runner
from gil_tui.engine.run.spec import RunSpec
from gil_tui.engine.watch.process import group_members
from gil_tui.worker import WORKER_DIR, subinterpreters
from tests.engine.test_worker import check_run, pyenv_python

API = {"3.12": "_xxsubinterpreters (private, 3.12)", "3.13": "_interpreters (private, 3.13)"}
VERSIONS = sorted(API)
COSTS_WORKER = str(WORKER_DIR / "costs_worker.py")


def run_raw(spec: dict, python: str, env: dict | None = None, timeout: float = 60):
    """Run the worker; (exit status, decoded JSON lines, typed events, stderr)."""
    done = subprocess.run(
        [python, WORKER_PATH, "--spec", json.dumps(dict({"v": 1}, **spec))],
        capture_output=True, text=True, timeout=timeout, start_new_session=True,
        env=None if env is None else dict(os.environ, **env),
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    events = [parse_line(json.dumps(line)) for line in lines]
    assert None not in events, f"non-protocol output: {done.stdout!r}"
    return done.returncode, lines, events, done.stderr


def check_subinterpreters_run(lines, events, workers: int, tasks: int, api: str):
    hello, result = check_run(events, workers=workers, tasks=tasks)
    assert lines[0]["subinterpreters_api"] == api and lines[0]["mode"] == "subinterpreters"
    assert {w.pid for w in result.workers} == {hello.pid}, "one process"
    assert len({w.thread_id for w in result.workers}) == workers, "a native thread each"
    assert all(w.cpu_s is not None and w.cpu_s >= 0 for w in result.workers)
    for done in (e for e in events if isinstance(e, WorkerDone)):
        start = next(e for e in events if isinstance(e, WorkerStart) and e.index == done.index)
        assert start.thread_id == done.thread_id
    return hello, result


# ---------------------------------------------------------------- the private APIs


@pytest.mark.parametrize("workload", ["cpu", "hash", "sleep"])
@pytest.mark.parametrize("version", VERSIONS)
def test_every_workload_in_subinterpreters(version, workload):
    python = pyenv_python(version)
    spec = {"workload": workload, "mode": "subinterpreters", "workers": 3, "tasks": 6,
            "scale": {"cpu": 0.005, "hash": 0.006}.get(workload, 1.0), "delay_ms": 20}
    code, lines, events, stderr = run_raw(spec, python)
    assert code == 0, stderr
    hello, _ = check_subinterpreters_run(lines, events, 3, 6, API[version])
    assert hello.version.startswith(version + ".")
    assert "Traceback" not in stderr


@pytest.mark.parametrize("version", VERSIONS)
def test_sleeps_overlap_in_subinterpreters(version):
    # 3 sleeps of 1 s in 3 subinterpreters: all three are asleep at one moment
    spec = {"workload": "sleep", "mode": "subinterpreters", "workers": 3, "tasks": 3,
            "delay_ms": 1000}
    code, lines, events, stderr = run_raw(spec, pyenv_python(version))
    assert code == 0, stderr
    _, result = check_subinterpreters_run(lines, events, 3, 3, API[version])
    busy = [w for w in result.workers if w.tasks]
    assert len(busy) >= 2, result.workers
    assert max(w.start_s for w in busy) < min(w.start_s + w.seconds for w in busy), busy


@pytest.mark.parametrize("version", VERSIONS)
def test_progress_comes_from_inside_the_subinterpreters(version):
    # two sleeps of 400 ms per worker: each step is longer than the 0.25 s between
    # two progress lines, and the first one's line is read while the second sleeps
    spec = {"workload": "sleep", "mode": "subinterpreters", "workers": 2, "tasks": 4,
            "delay_ms": 400}
    code, lines, events, stderr = run_raw(spec, pyenv_python(version))
    assert code == 0, stderr
    check_subinterpreters_run(lines, events, 2, 4, API[version])
    progress = [(i, e) for i, e in enumerate(events) if isinstance(e, Progress)]
    assert progress
    for position, event in progress:
        start = next(i for i, e in enumerate(events)
                     if isinstance(e, WorkerStart) and e.index == event.index)
        done = next(i for i, e in enumerate(events)
                    if isinstance(e, WorkerDone) and e.index == event.index)
        assert start < position < done, "between its worker's start and done"
        assert event.done <= events[done].done


# ---------------------------------------------------------------- older interpreters


@pytest.mark.parametrize("version", [None, "3.8"])
def test_older_interpreters_refuse_before_any_work(version):
    python = sys.executable if version is None else pyenv_python(version)
    if version is None and sys.version_info >= (3, 12):
        pytest.skip("this interpreter has subinterpreters")
    code, lines, events, stderr = run_raw(
        {"workload": "cpu", "mode": "subinterpreters", "workers": 2}, python)
    assert code == 2
    assert len(events) == 1 and isinstance(events[0], Error), "no hello: no work started"
    assert lines[0]["unsupported"] is True and lines[0]["exit_code"] == 2
    message = events[0].message
    assert "subinterpreters need CPython 3.12 or later" in message
    assert "(this is CPython %s." % (version or "%d.%d" % sys.version_info[:2]) in message
    assert "Traceback" not in stderr


def test_the_io_workload_is_refused_first():
    code, lines, events, _ = run_raw({"workload": "io", "mode": "subinterpreters",
                                      "url": "http://127.0.0.1:9"}, sys.executable)
    assert code == 2 and len(events) == 1 and "cpu, hash and sleep" in events[0].message
    assert "unsupported" not in lines[0], "a bad spec, not a missing feature"


def test_find_api_says_what_is_missing():
    if sys.version_info >= (3, 12):
        assert subinterpreters.find_api().label
        return
    with pytest.raises(subinterpreters.Unavailable) as info:
        subinterpreters.find_api()
    assert "3.12" in info.value.message and "\n" not in info.value.message


# ---------------------------------------------------------------- the 3.14 path, on a fake

FAKE = '''
"""A stand-in for 3.14's concurrent.interpreters (PEP 734) over 3.12/3.13's private module."""
import os
import types


def _private():
    try:  # here, not at the top: sitecustomize imports this in every subinterpreter too
        import _interpreters as module
    except ImportError:
        import _xxsubinterpreters as module
    return module


def _log(what):
    path = os.environ.get("GIL_TUI_FAKE_LOG")
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, (what + "\\n").encode())
        os.close(fd)


class InterpreterError(Exception):
    pass


class ExecutionFailed(InterpreterError):
    def __init__(self, excinfo):
        InterpreterError.__init__(self, excinfo.formatted)
        self.excinfo = excinfo


class Interpreter:
    def __init__(self, id):
        self.id = id

    def exec(self, code, /):
        _log("exec")
        if os.environ.get("GIL_TUI_FAKE_FAIL") and "run_task" in code:
            code = "raise ValueError('failing on purpose')"
        try:
            excinfo = _private().run_string(self.id, code)
        except Exception as exc:  # 3.12 raises
            excinfo = types.SimpleNamespace(formatted=str(exc))
        if excinfo is not None:
            raise ExecutionFailed(excinfo)

    def call(self, callable, /, *args, **kwargs):
        raise NotImplementedError("the worker is not expected to call()")

    def close(self):
        _log("close")
        _private().destroy(self.id)


def create():
    _log("create")
    private = _private()
    if private.__name__ == "_interpreters":
        return Interpreter(private.create("isolated"))
    return Interpreter(private.create(isolated=True))
'''

SITECUSTOMIZE = '''
import os
import sys

if os.environ.get("GIL_TUI_FAKE_PUBLIC") and "concurrent.interpreters" not in sys.modules:
    import concurrent
    import fake_concurrent_interpreters as _fake

    sys.modules["concurrent.interpreters"] = _fake
    concurrent.interpreters = _fake
'''


@pytest.fixture
def fake_public(tmp_path):
    folder = tmp_path / "fake"
    folder.mkdir()
    (folder / "fake_concurrent_interpreters.py").write_text(textwrap.dedent(FAKE))
    (folder / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE))
    log = tmp_path / "calls.log"
    env = {"PYTHONPATH": str(folder), "GIL_TUI_FAKE_PUBLIC": "1", "GIL_TUI_FAKE_LOG": str(log)}
    return env, log


@pytest.mark.parametrize("version", VERSIONS)
def test_public_api_path_on_a_fake_concurrent_interpreters(version, fake_public):
    env, log = fake_public
    spec = {"workload": "cpu", "mode": "subinterpreters", "workers": 2, "tasks": 5,
            "scale": 0.005}
    code, lines, events, stderr = run_raw(spec, pyenv_python(version), env=env)
    assert code == 0, stderr
    check_subinterpreters_run(lines, events, 2, 5, "concurrent.interpreters")
    calls = log.read_text().split()
    assert calls.count("create") == 2 and calls.count("close") == 2
    assert calls.count("exec") == 2 + 5, "the set-up once per interpreter, then one per task"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_failure_inside_a_subinterpreter_is_one_error(version, fake_public):
    env, _ = fake_public
    env["GIL_TUI_FAKE_FAIL"] = "1"
    spec = {"workload": "cpu", "mode": "subinterpreters", "workers": 2, "tasks": 4,
            "scale": 0.005}
    code, lines, events, stderr = run_raw(spec, pyenv_python(version), env=env)
    assert code == 1
    assert isinstance(events[0], Hello) and isinstance(events[-1], Error)
    assert "failed: ValueError: failing on purpose" in events[-1].message
    assert "the subinterpreter of worker" in events[-1].message
    assert "Traceback" not in stderr


# ---------------------------------------------------------------- nothing left behind


def wait_survivors(procs: list[psutil.Process], timeout: float = 5) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while True:
        left = []
        for proc in procs:
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    left.append(proc)
            except psutil.NoSuchProcess:
                pass
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@pytest.mark.parametrize("version", VERSIONS)
async def test_cancel_leaves_nothing(version):
    # 4 sleeps of 10 s: the run cannot finish before the cancel
    spec = RunSpec("sleep", "subinterpreters", workers=2, tasks=4, delay_ms=10_000,
                   python=pyenv_python(version))
    runner = Runner(spec)
    events = []

    async def consume():
        async for event in runner.events():
            events.append(event)

    task = asyncio.ensure_future(consume())
    deadline = time.monotonic() + 20
    while sum(isinstance(e, WorkerStart) for e in events) < 2:
        assert time.monotonic() < deadline and not task.done(), events
        await asyncio.sleep(0.02)
    worker = psutil.Process(runner.pid)
    assert worker.num_threads() >= 3, "the main thread and one per subinterpreter"
    await runner.cancel()
    await asyncio.wait_for(task, 10)
    assert isinstance(events[-1], Error) and events[-1].cancelled
    assert not any(isinstance(e, Result) for e in events)
    assert wait_survivors([worker]) == []
    assert group_members(runner.pid) == []


PARENT = """
import subprocess, sys, time
python, worker, spec = sys.argv[1:4]
proc = subprocess.Popen([python, worker, "--spec", spec, "--lifeline"],
                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, start_new_session=True)
print(proc.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_lifeline_ends_the_subinterpreters_when_the_parent_is_sigkilled(version):
    spec = RunSpec("cpu", "subinterpreters", workers=2, scale=5.0)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, pyenv_python(version), WORKER_PATH,
         json.dumps(spec.worker_payload())],
        stdout=subprocess.PIPE, text=True,
    )
    worker_pid = None
    try:
        worker_pid = int(parent.stdout.readline())
        worker = psutil.Process(worker_pid)
        deadline = time.monotonic() + 20
        # main, lifeline, progress reader and the two subinterpreters' threads
        while worker.num_threads() < 5:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        parent.kill()
        parent.wait()
        assert wait_survivors([worker]) == []
        assert group_members(worker_pid) == []
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if worker_pid is not None:
            for proc in group_members(worker_pid):
                proc.kill()


# ---------------------------------------------------------------- costs


@pytest.mark.parametrize("version", [None] + VERSIONS)
def test_costs_worker_measures_one_subinterpreter(version):
    python = sys.executable if version is None else pyenv_python(version)
    done = subprocess.run(
        [python, COSTS_WORKER, "--repeat", "2", "--memory-rounds", "1", "--idle-threads", "2"],
        capture_output=True, text=True, timeout=120, start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    sub = data["subinterpreter"]
    if version is None and sys.version_info < (3, 12):
        assert sub["api"] is None and sub["reason"] == "needs 3.12+"
        assert "median_s" not in sub
    else:
        assert sub["api"] == API.get(version, sub["api"]) and sub["private"] is True
        assert sub["n"] == 2 and 0 < sub["median_s"] and sub["first_s"] > 0
        assert sub["alive"] >= 1 and "reason" not in sub
    from gil_tui.engine.demos.costs import parse_worker_output

    assert parse_worker_output(done.stdout, python).thread.n == 2, "the old reader still reads it"


# ---------------------------------------------------------------- the code they run


def run_source(plan: dict, index: int = 0):
    """Run the subinterpreter's code in this interpreter; (namespace, progress lines)."""
    read_fd, write_fd = os.pipe()
    namespace: dict = {"__name__": "__main__"}
    exec(subinterpreters.bench_source(plan, index, write_fd, 20000, 1 << 20, 0.0), namespace)
    return namespace, read_fd, write_fd


@pytest.mark.parametrize("workload, amount, steps", [("cpu", 50_000, 3), ("hash", 2, 2),
                                                     ("sleep", 1, 1)])
def test_the_subinterpreter_code_counts_steps_like_the_threads(workload, amount, steps):
    namespace, read_fd, write_fd = run_source({"workload": workload, "delay_ms": 1}, index=4)
    try:
        exec(subinterpreters.task_source(7, amount), namespace)
        assert namespace["DONE"] == steps
        lines = os.read(read_fd, 65536).decode().splitlines()
        assert [line.split()[:2] for line in lines] == [["4", str(n)] for n in range(1, steps + 1)]
    finally:
        os.close(read_fd)
        os.close(write_fd)
    if workload == "cpu":
        from gil_tui.worker.bench_worker import cpu_kernel

        assert namespace["cpu_kernel"](1000, 7) == cpu_kernel(1000, 7)
        assert math.ceil(amount / 20000) == steps


# ---------------------------------------------------------------- the figure (slow)


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
def test_subinterpreters_keep_more_than_one_core_busy(version):
    """CPU time / wall time above 1.3 needs two cores at once: subinterpreters get
    there as processes do, threads under the GIL do not. The machine may be shared:
    processes are the control (no two cores free for them: skipped), best of 5."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs 2 usable cores")
    python = pyenv_python(version)
    best = {"processes": 0.0, "subinterpreters": 0.0, "threads": 0.0}
    for _ in range(5):
        for mode in best:
            spec = {"workload": "cpu", "mode": mode, "workers": 2, "tasks": 8, "scale": 0.5}
            code, _, events, stderr = run_raw(spec, python, timeout=120)
            assert code == 0, stderr
            best[mode] = max(best[mode], events[-1].cpu_s / events[-1].wall_s)
        if best["subinterpreters"] > 1.3:
            break
    if best["subinterpreters"] <= 1.3 and best["processes"] <= 1.3:
        pytest.skip(f"the machine is busy: even processes never had two cores ({best})")
    assert best["subinterpreters"] > 1.3, best
    assert best["threads"] < best["subinterpreters"], best
