"""Launch the worker, turn its output into typed events, cancel it cleanly.

The worker runs as ``PYTHON bench_worker.py --spec JSON --lifeline`` in a new
session (so its pid is also its process group id, and one signal reaches its
threads' process and every multiprocessing child), with stdin a pipe this side
never writes to: if gil-tui dies, even by SIGKILL, the pipe closes and the
worker ends its own group (see DESIGN.md, "Lifeline").

    runner = Runner(RunSpec("cpu", "threads", workers=2))
    async for event in runner.events():
        ...                      # Hello, WorkerStart, Progress, WorkerDone, then Result or Error

``events()`` always ends with exactly one :class:`Result` or :class:`Error`;
when the worker crashes, is killed, stops mid-line or prints something else
than the protocol, the runner makes up the Error itself, with the exit status
and the tail of the worker's stderr. ``cancel()`` ends the whole group within
a second. POSIX only for now: on Windows the group would need a job object or
``CREATE_NEW_PROCESS_GROUP``, which is not done yet.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Protocol

from gil_tui.engine.system import processes
from gil_tui.engine.run.events import Error, Event, Hello, Result, parse_line
from gil_tui.engine.run.results import RunError, RunResult
from gil_tui.engine.run.share import ShareMeter, start_meter, stop_meter
from gil_tui.engine.run.spec import RunSpec, Workload
from gil_tui.worker import WORKER_DIR

__all__ = ["Runner", "RunnerLike", "drive", "run", "WORKER_PATH", "RunError"]

WORKER_PATH = str(WORKER_DIR / "bench_worker.py")
STDERR_TAIL_BYTES = 4096
LINE_LIMIT = 4 * 1024 * 1024
#: SIGINT, then this long for the group to end (the worker ends it), then SIGKILL
CANCEL_GRACE_S = 0.8


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


class Runner:
    """Runs one :class:`RunSpec` in a worker process; single use."""

    def __init__(
        self,
        spec: RunSpec,
        *,
        latency_url: str | None = None,
        worker_path: str | None = None,
        hello_timeout: float | None = 30.0,
        env: dict[str, str] | None = None,
        nice: int = 0,
    ) -> None:
        self.spec = spec
        #: Lower the worker's CPU priority by this much (see PROTOCOL.md, --nice).
        self.nice = nice
        self.latency_url = latency_url
        self.worker_path = worker_path or WORKER_PATH
        self.hello_timeout = hello_timeout
        self.env = env
        self.python = spec.python or sys.executable
        #: Worker pid once started (also its process group id).
        self.pid: int | None = None
        self.hello: Hello | None = None
        self.started_at: float | None = None
        #: Lines of output that were not protocol events.
        self.garbage_lines = 0
        self._garbage_sample = ""
        self._proc: asyncio.subprocess.Process | None = None
        self._stderr = bytearray()
        self._cancelled = False
        self._used = False

    # ------------------------------------------------------------ public

    @property
    def stderr_tail(self) -> str:
        return bytes(self._stderr).decode("utf-8", errors="replace").strip()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    async def events(self) -> AsyncIterator[Event]:
        """Start the worker and yield its events; ends with one Result or Error."""
        if self._used:
            raise RuntimeError("a Runner runs once; make a new one")
        self._used = True
        self.started_at = time.time()
        server = None
        stderr_task: asyncio.Task[None] | None = None
        finished = False
        try:
            url = self.latency_url
            if self.spec.workload is Workload.IO and url is None:
                # aiohttp loads only when an io run needs the server
                from gil_tui.engine.run.latency import LatencyServer, LatencyServerError

                server = LatencyServer(clients=self.spec.workers)  # its own connections
                try:
                    url = await server.start()
                except LatencyServerError as exc:
                    yield Error(str(exc), kind="start")
                    return
            if self._cancelled:  # cancel() came before the worker existed
                finished = True
                yield Error("the run was cancelled", kind="cancelled")
                return
            try:
                self._proc = await self._spawn(url)
            except OSError as exc:
                yield Error(self._spawn_failure(exc), kind="start")
                return
            self.pid = self._proc.pid
            if self._cancelled:  # cancel() came while it was being started: it ends now,
                await self.cancel()  # before any of its events is read
                finished = True
                yield self._finish_error(None)
                return
            stderr_task = asyncio.ensure_future(self._drain_stderr())
            final: Event | None = None
            async for event in self._read_events():
                if isinstance(event, (Result, Error)):
                    final = event
                    break
                yield event
            if isinstance(final, Error) and final.kind in ("protocol", "timeout"):
                processes.signal_group(self.pid, signal.SIGKILL)  # not a worker we can talk to
            if final is None or isinstance(final, Error):
                await self._wait_exit(2.0 if final is None else 1.0)
                if stderr_task is not None:
                    await asyncio.wait([stderr_task], timeout=0.5)
                final = self._finish_error(final)
            finished = True
            yield final
        finally:
            if not finished:  # the consumer left early, or the task was cancelled
                await self.cancel()
            else:
                await self._end_group()
            if stderr_task is not None:
                stderr_task.cancel()
            if server is not None:
                await server.stop()

    async def cancel(self, grace: float = CANCEL_GRACE_S) -> None:
        """SIGINT to the worker's group and tree, then SIGKILL after ``grace`` seconds.

        Before the worker exists (``events()`` not started, or still starting its latency
        server) it is never started: ``events()`` yields only the cancelled Error. While it
        is being started, ``events()`` ends it as soon as it exists, before reading any of
        its events. Either way the stream ends with the cancelled Error."""
        self._cancelled = True
        proc = self._proc
        if proc is None:
            return
        await processes.end_process_async(
            proc, grace, signal.SIGINT if proc.returncode is None else None)

    # ------------------------------------------------------------ internals

    async def _spawn(self, url: str | None) -> asyncio.subprocess.Process:
        payload = json.dumps(self.spec.worker_payload(url), separators=(",", ":"))
        return await processes.start_async(
            [self.python, self.worker_path, "--spec", payload, "--lifeline",
             *(("--nice", str(self.nice)) if self.nice > 0 else ())],
            lifeline=True,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
            env=self.env,
        )

    def _spawn_failure(self, exc: OSError) -> str:
        reason = exc.strerror or str(exc)
        if isinstance(exc, FileNotFoundError):
            return f"{self.python}: no such interpreter (file not found)"
        if isinstance(exc, PermissionError):
            return f"{self.python}: not executable ({reason})"
        return f"could not start {self.python}: {reason}"

    async def _read_events(self) -> AsyncIterator[Event]:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        deadline = None
        if self.hello_timeout is not None:
            deadline = asyncio.get_running_loop().time() + self.hello_timeout
        while True:
            try:
                if self.hello is None and deadline is not None:
                    left = max(0.0, deadline - asyncio.get_running_loop().time())
                    line = await asyncio.wait_for(stdout.readline(), left)
                else:
                    line = await stdout.readline()
            except asyncio.TimeoutError:
                yield Error(
                    f"{self.python} did not start the worker within {self.hello_timeout:g} s",
                    kind="timeout",
                )
                return
            except ValueError:  # a line longer than LINE_LIMIT: consumed, skipped
                self._note_garbage(b"<a line longer than 4 MiB>")
                continue
            if not line:
                return
            event = parse_line(line)
            if event is None:
                self._note_garbage(line)
                continue
            if isinstance(event, Hello):
                self.hello = event
            yield event

    def _note_garbage(self, line: bytes) -> None:
        if line.strip():
            self.garbage_lines += 1
            if not self._garbage_sample:
                self._garbage_sample = line.decode("utf-8", errors="replace").strip()[:120]

    async def _drain_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        while True:
            chunk = await self._proc.stderr.read(65536)
            if not chunk:
                return
            self._stderr += chunk
            if len(self._stderr) > STDERR_TAIL_BYTES:
                del self._stderr[: len(self._stderr) - STDERR_TAIL_BYTES]

    async def _wait_exit(self, timeout: float) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        try:
            await asyncio.wait_for(proc.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def _finish_error(self, error: Error | None) -> Error:
        """The last event when the run did not end with a Result."""
        code = self._proc.returncode if self._proc is not None else None
        tail = self.stderr_tail
        if self._cancelled or (error is not None and error.cancelled):
            return Error("the run was cancelled", t=error.t if error else None,
                         kind="cancelled", exit_code=code, stderr_tail=tail)
        if error is not None:
            exit_code = error.exit_code if error.exit_code is not None else code
            return Error(error.message, t=error.t, kind=error.kind, exit_code=exit_code,
                         stderr_tail=tail)
        who = f"the worker (pid {self.pid})"
        if self.hello is None:
            message = f"{who} {_describe_exit(code)} before saying hello"
            if self.garbage_lines:
                message += f"; it printed {self._garbage_sample!r} instead of the gil-tui protocol"
            message += f"; is {self.python} a CPython >= 3.8?"
        else:
            message = f"{who} {_describe_exit(code)} before reporting a result"
            if self.garbage_lines:
                message += f" ({self.garbage_lines} line(s) of its output were not protocol events)"
        last = tail.splitlines()[-1].strip() if tail else ""
        if last:
            message += f": {last}"
        return Error(message, kind="crash", exit_code=code, stderr_tail=tail)

    async def _end_group(self, linger: float = processes.LINGER_S) -> None:
        """Give the group ``linger`` s to empty by itself (a resource tracker unlinks
        semaphores on its way out), SIGKILL what is left (a fork server), reap the worker."""
        if self._proc is not None:
            await processes.end_process_async(self._proc, linger, signals=())


class RunnerLike(Protocol):
    """What :func:`drive` needs of a runner: a :class:`Runner`, or a test's replay of one."""

    #: the worker's pid (also its process group id) once started
    pid: int | None
    #: the interpreter that runs the worker
    python: str
    #: when the run started (``time.time()``), None before
    started_at: float | None

    @property
    def cancelled(self) -> bool: ...

    def events(self) -> AsyncIterator[Event]: ...

    async def cancel(self, grace: float = ...) -> None: ...


async def drive(
    runner: RunnerLike,
    spec: RunSpec,
    *,
    on_event: Callable[[Event], Any | Awaitable[Any]] | None = None,
    share: Callable[[], Any] | None = ShareMeter,
) -> RunResult:
    """Read ``runner``'s events to the end and build the run's one RunResult.

    The one place where a result is made from a worker's events: ``gil-tui bench``
    (through :func:`run`) and the Live tab both come here, so a result always has
    the start time of the run (``runner.started_at``) and the interpreter the
    runner really used (``runner.python``). ``runner`` is a :class:`Runner` or
    anything with the same ``events()``, ``cancel()``, ``python`` and
    ``started_at`` (tests replay recorded runs). Raises :class:`RunError` on
    failure; on any exception, cancellation included, the runner is cancelled.

    The result also says how many cores other programs kept busy during the run
    (``others_cores``): ``share()`` makes a :class:`~gil_tui.engine.run.share.ShareMeter`
    when the worker says hello (its run starts right after), stopped with the CPU
    seconds the worker reports. ``share=None`` measures nothing (None).
    """
    hello: Hello | None = None
    meter: Any = None
    stream = runner.events()
    try:
        async for event in stream:
            if isinstance(event, Hello) and meter is None:
                meter = start_meter(share)
            if on_event is not None:
                outcome = on_event(event)
                if inspect.isawaitable(outcome):
                    await outcome
            if isinstance(event, Hello):
                hello = event
            elif isinstance(event, Error):
                raise RunError(event)
            elif isinstance(event, Result):
                if hello is None:
                    raise RunError(Error("the worker reported a result without a hello", kind="crash"))
                return RunResult.from_hello_result(
                    spec, hello, event,
                    python=getattr(runner, "python", None) or spec.python,
                    started_at=getattr(runner, "started_at", None),
                    others_cores=stop_meter(meter, event.cpu_s, event.wall_s),
                )
        if getattr(runner, "cancelled", False):
            raise RunError(Error("cancelled", kind="cancelled"))
        raise RunError(Error("the run ended without a result", kind="crash"))
    except BaseException:
        await runner.cancel()
        raise
    finally:
        await stream.aclose()


async def run(
    spec: RunSpec,
    *,
    latency_url: str | None = None,
    on_event: Callable[[Event], Any | Awaitable[Any]] | None = None,
    worker_path: str | None = None,
    nice: int = 0,
) -> RunResult:
    """Run ``spec`` to the end and return its RunResult; raises RunError on failure.

    ``on_event`` sees every event (it may be a coroutine function). For io
    workloads without ``latency_url`` a LatencyServer runs for the duration.
    Cancelling the calling task cancels the worker.
    """
    runner = Runner(spec, latency_url=latency_url, worker_path=worker_path, nice=nice)
    return await drive(runner, spec, on_event=on_event)
