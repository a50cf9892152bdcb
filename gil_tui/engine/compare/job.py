"""What the matrix and the sweep share: a plan of runs made one at a time.

:class:`Job` is the base of :class:`~gil_tui.engine.compare.matrix.Matrix` and
:class:`~gil_tui.engine.compare.sweep.Sweep`. It holds what both do the same way:

* single use: ``run()`` once, then make a new job;
* one run at a time through ``run_fn`` (default :func:`default_run`, tests inject
  fakes), as a future that :meth:`Job.cancel` cancels, which ends the worker's
  process group; no other run starts after a cancel;
* one :class:`~gil_tui.engine.run.latency.LatencyServer` shared by every run of an
  io job (:meth:`Job.latency_server`);
* every finished run appended to the history (source ``compare``, the job id); a
  history that cannot be written becomes one warning, and the job goes on;
* callbacks that may be plain or coroutine functions (:func:`notify`);
* the progress every callback receives: :class:`JobProgress` (runs done of total,
  seconds since the job started, and an estimate of the seconds left).

The estimate (:func:`estimate_left`) comes from the runs so far only: each run
still to make is counted at the mean time of the finished runs most like it (the
same interpreter, mode and workers; else the same mode and workers; else the same
mode; else every run of the job, all of one workload), less what the run under way
already took. There is none before the first run has finished.

What a job runs, in what order, and what it makes of a failure is the subclass's.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from contextlib import asynccontextmanager
import statistics
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Hashable, Sequence

from gil_tui.engine.run.events import Event
from gil_tui.engine.run.results import RunResult
from gil_tui.engine.run.spec import RunSpec

__all__ = ["RunFn", "JobProgress", "Job", "default_run", "estimate_left", "notify", "run_key"]

RunFn = Callable[..., Awaitable[RunResult]]


async def default_run(spec: RunSpec, *, latency_url: str | None = None,
                      on_event: Callable[[Event], Any] | None = None) -> RunResult:
    """Run one spec to its end with the real worker (:func:`gil_tui.engine.run.runner.run`)."""
    from gil_tui.engine.run.runner import run

    return await run(spec, latency_url=latency_url, on_event=on_event)


async def notify(callback: Callable[..., Any] | None, *args: Any) -> None:
    """Call ``callback(*args)`` when there is one, awaiting it when it is a coroutine."""
    if callback is None:
        return
    outcome = callback(*args)
    if inspect.isawaitable(outcome):
        await outcome


def run_key(spec: RunSpec) -> tuple[Hashable, ...]:
    """What makes runs of one job alike in time, most general first: mode, workers,
    interpreter (the workload and the work are the job's)."""
    return (spec.mode.value, spec.workers, spec.python)


def estimate_left(remaining: Sequence[tuple[Hashable, ...]],
                  took: Sequence[tuple[tuple[Hashable, ...], float]], *,
                  running: tuple[Hashable, ...] | None = None,
                  running_s: float = 0.0) -> float | None:
    """Seconds the ``remaining`` runs (their :func:`run_key`, the one under way included)
    should take, from the finished runs ``took`` (key, seconds); None before the first.
    ``running``: the key of the run under way, which has taken ``running_s`` so far."""
    if not took:
        return None
    guesses: dict[tuple[Hashable, ...], float] = {}

    def guess(key: tuple[Hashable, ...]) -> float:
        if key not in guesses:
            for n in range(len(key), -1, -1):
                same = [s for k, s in took if k[:n] == key[:n]]
                if same:
                    guesses[key] = statistics.fmean(same)
                    break
        return guesses[key]

    total = sum(guess(k) for k in remaining)
    if running is not None:
        total -= min(guess(running), max(0.0, running_s))
    return max(0.0, total)


@dataclass(frozen=True)
class JobProgress:
    """Runs ``done`` (finished or skipped) out of ``total``; ``elapsed_s`` since the job
    started; ``eta_s``: the seconds left by :func:`estimate_left` (None before the first
    run has finished)."""

    done: int
    total: int
    elapsed_s: float = field(default=0.0, kw_only=True)
    eta_s: float | None = field(default=None, kw_only=True)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


class Job:
    """The shared machinery of a job of runs (see the module docstring)."""

    def __init__(self, *, history: Any = None, run_fn: RunFn | None = None,
                 job_id: str) -> None:
        self.history = history
        self.run_fn = run_fn or default_run
        #: the id its runs carry in the history (``matrix`` field)
        self.job_id = job_id
        #: problems that did not stop the job (history not writable...)
        self.warnings: list[str] = []
        #: seconds spent inside the runs themselves, and starting the latency server
        #: (for the overhead benchmark)
        self.run_seconds = 0.0
        self.setup_seconds = 0.0
        #: (run_key, seconds) of every run that finished (a failure too)
        self.took: list[tuple[tuple[Hashable, ...], float]] = []
        self._current: asyncio.Future[RunResult] | None = None
        self._current_key: tuple[Hashable, ...] | None = None
        self._current_t0 = 0.0
        self._t0: float | None = None
        self._cancelled = False
        self._used = False
        self._history_ok = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop the job: the current run's worker group is ended, no other run starts.
        Call it on the loop that runs the job (from another thread:
        ``loop.call_soon_threadsafe(job.cancel)``)."""
        self._cancelled = True
        if self._current is not None and not self._current.done():
            self._current.cancel()

    def _start(self) -> None:
        """Called first by ``run()``: a job runs once."""
        if self._used:
            raise RuntimeError(f"a {type(self).__name__} runs once; make a new one")
        self._used = True
        self._t0 = time.monotonic()

    @property
    def elapsed_s(self) -> float:
        """Seconds since the job started (0 before)."""
        return 0.0 if self._t0 is None else time.monotonic() - self._t0

    def remaining(self) -> list[tuple[Hashable, ...]]:
        """The :func:`run_key` of every run still to make, the one under way included
        (the subclass's: it knows its order and what it skips)."""
        return []

    def eta_s(self) -> float | None:
        """Seconds left, estimated now (see :func:`estimate_left`); 0 once cancelled."""
        if self._cancelled:
            return 0.0
        running = self._current_key if self._current is not None else None
        return estimate_left(self.remaining(), self.took, running=running,
                             running_s=time.monotonic() - self._current_t0)

    def times(self) -> dict[str, Any]:
        """``elapsed_s`` and ``eta_s`` for a progress report."""
        return {"elapsed_s": self.elapsed_s, "eta_s": self.eta_s()}

    @asynccontextmanager
    async def latency_server(self, needed: bool) -> AsyncIterator[tuple[str | None, str | None]]:
        """The one latency server of an io job: yields ``(url, None)``, or ``(None, reason)``
        when it cannot start; ``(None, None)`` when not ``needed``. Stopped on the way out."""
        if not needed:
            yield None, None
            return
        from gil_tui.engine.run.latency import LatencyServer, LatencyServerError

        t0 = time.perf_counter()
        server = LatencyServer()
        try:
            try:
                url: str | None = await server.start()
                reason = None
            except LatencyServerError as exc:
                url, reason = None, str(exc)
            self.setup_seconds = time.perf_counter() - t0
            yield url, reason
        finally:
            await server.stop()

    async def run_one(self, spec: RunSpec, latency_url: str | None,
                      on_event: Callable[[Event], Any]) -> RunResult | None:
        """Run ``spec`` as the current run. Returns its result, or ``None`` when the job
        was cancelled meanwhile; a failed run raises its
        :class:`~gil_tui.engine.run.results.RunError`. When the task running the job is
        cancelled (not the job), the cancellation goes on up."""
        t0 = time.perf_counter()
        self._current_key, self._current_t0 = run_key(spec), time.monotonic()
        self._current = asyncio.ensure_future(
            self.run_fn(spec, latency_url=latency_url, on_event=on_event))
        ended = False
        try:
            result = await self._current
            ended = True
            return result
        except asyncio.CancelledError:
            if not self._cancelled:
                raise  # the caller's task was cancelled: the run was ended on the way out
            return None
        except Exception:
            ended = True  # a failed run took its time too
            raise
        finally:
            self._current = None
            took = time.perf_counter() - t0
            self.run_seconds += took
            if ended:
                self.took.append((run_key(spec), took))

    def save(self, run: RunResult) -> None:
        """Append a finished run to the history; the first failure becomes a warning and
        ends the saving (the job goes on)."""
        if self.history is None or not self._history_ok:
            return
        try:
            self.history.append(run, source="compare", matrix=self.job_id)
        except Exception as exc:  # noqa: BLE001 - the job goes on without a history
            self._history_ok = False
            self.warnings.append(f"runs are not saved to the history: {exc}")
