"""Running the comparison matrix: every interpreter x every mode, same work in each.

    plan = MatrixPlan.make("cpu", targets, workers=2, scale=0.5, repeat=3)
    matrix = Matrix(plan, history=HistoryStore(), on_progress=callback)
    result = await matrix.run()          # a MatrixResult; matrix.cancel() stops it
    print(verdict(result))

Runs go one at a time through :func:`gil_tui.engine.run.runner.run`, in passes: the
first pass runs every cell once, the next pass every cell again, and so on, so
slow drift of the machine (heat, other programs) spreads over all cells instead
of favouring the first ones. io matrices share one LatencyServer.

When a run fails, its cell is failed with the reason; when the interpreter
itself fails (it cannot start, or dies before saying hello) its remaining cells
are failed with that reason, and the matrix goes on with the others. Every
finished run is appended to the history (source ``compare``, the matrix id).

The data model (Target, Cell, MatrixPlan, MatrixResult) lives in
:mod:`gil_tui.engine.compare.model` and is re-exported here.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from gil_tui.engine.run.events import Error, Event, Hello
from gil_tui.engine.compare.model import (
    MODES_FOR,
    Cell,
    MatrixPlan,
    MatrixResult,
    Target,
    default_targets,
    default_workers,
    matrix_tasks,
    new_matrix_id,
    short_labels,
)
from gil_tui.engine.run.results import RunError, RunResult
from gil_tui.engine.run.spec import RunSpec, Workload

__all__ = [
    "MODES_FOR", "Target", "Cell", "MatrixPlan", "MatrixResult", "MatrixProgress", "Matrix",
    "default_targets", "default_workers", "matrix_tasks", "new_matrix_id", "short_labels",
    "verdict", "RunFn",
]

RunFn = Callable[..., Awaitable[RunResult]]


def verdict(result: MatrixResult) -> str:
    """The matrix's verdict paragraph (see :mod:`gil_tui.engine.compare.verdict`)."""
    from gil_tui.engine.compare.verdict import verdict as _verdict

    return _verdict(result)


@dataclass(frozen=True)
class MatrixProgress:
    """What the progress callback receives, at the start and the end of every run.

    ``phase``: ``start`` (a run begins), ``finished`` (a run ended, ``result`` or
    ``error`` set), ``skipped`` (runs not made: their cell or interpreter failed, or
    the matrix was cancelled; ``skipped`` says how many), ``done`` (the matrix is
    over). ``done`` counts finished plus skipped runs out of ``total``.
    """

    done: int
    total: int
    phase: str
    cell: Cell | None = None
    repeat: int = 0
    result: RunResult | None = None
    error: str | None = None
    skipped: int = 0

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


async def _default_run(spec: RunSpec, *, latency_url: str | None = None,
                       on_event: Callable[[Event], Any] | None = None) -> RunResult:
    from gil_tui.engine.run.runner import run

    return await run(spec, latency_url=latency_url, on_event=on_event)


async def _call(callback: Callable[..., Any] | None, *args: Any) -> None:
    if callback is None:
        return
    outcome = callback(*args)
    if inspect.isawaitable(outcome):
        await outcome


class Matrix:
    """Runs a :class:`MatrixPlan` once; single use.

    ``on_progress(MatrixProgress)`` and ``on_event(cell, event)`` (every worker
    event of the current run: Hello has the worker pid, Progress the steps) may
    be plain or coroutine functions. ``history``: a HistoryStore (or None); every
    finished run is appended with source ``compare`` and the matrix id.
    ``run_fn``: the coroutine that runs one spec (tests inject fakes).
    """

    def __init__(self, plan: MatrixPlan, *, history: Any = None,
                 on_progress: Callable[[MatrixProgress], Any] | None = None,
                 on_event: Callable[[Cell, Event], Any] | None = None,
                 run_fn: RunFn | None = None, matrix_id: str | None = None,
                 machine: dict[str, Any] | None = None) -> None:
        self.plan = plan
        self.history = history
        self.on_progress = on_progress
        self.on_event = on_event
        self.run_fn = run_fn or _default_run
        if machine is None:
            machine = history.machine if history is not None else _machine()
        self.result = MatrixResult.empty(plan, matrix_id, machine)
        self._done = 0
        self._current: asyncio.Future[RunResult] | None = None
        self._cancelled = False
        self._used = False
        self._history_ok = True
        self._dead: set[str] = set()  # interpreters that failed as a whole
        #: seconds spent inside the runs themselves, and starting the latency server
        #: (for the overhead benchmark)
        self.run_seconds = 0.0
        self.setup_seconds = 0.0

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop the matrix: the current run's worker group is ended, no other run starts.
        Call it on the loop that runs the matrix (from another thread:
        ``loop.call_soon_threadsafe(matrix.cancel)``)."""
        self._cancelled = True
        if self._current is not None and not self._current.done():
            self._current.cancel()

    async def run(self) -> MatrixResult:
        """Run every cell ``repeat`` times; returns the result (also when cancelled)."""
        if self._used:
            raise RuntimeError("a Matrix runs once; make a new one")
        self._used = True
        plan, result = self.plan, self.result
        for target in plan.targets:
            if not target.supported:
                reason = target.reason or f"{target.path} cannot run the benchmarks"
                await self._fail_target(target, reason, started=False)
        server = None
        latency_url = None
        try:
            if plan.workload is Workload.IO and any(c.status == "pending" for c in result.cells):
                t0 = time.perf_counter()
                from gil_tui.engine.run.latency import LatencyServer, LatencyServerError

                server = LatencyServer()
                try:
                    latency_url = await server.start()
                except LatencyServerError as exc:
                    for target in plan.targets:
                        await self._fail_target(target, str(exc), started=False)
                self.setup_seconds = time.perf_counter() - t0
            for repeat in range(1, plan.repeat + 1):
                for cell in result.cells:
                    if self._cancelled:
                        break
                    if cell.status in ("failed", "cancelled") or cell.target.path in self._dead:
                        continue
                    await self._run_cell(cell, repeat, latency_url)
        finally:
            if server is not None:
                await server.stop()
        if self._cancelled:
            result.cancelled = True
            left = 0
            for cell in result.cells:
                if cell.status == "failed" or cell.target.path in self._dead \
                        or len(cell.runs) >= plan.repeat:
                    continue
                left += plan.repeat - len(cell.runs)
                if not cell.runs:
                    cell.status, cell.error = "cancelled", "the matrix was cancelled"
            if left:
                self._done += left
                await _call(self.on_progress, MatrixProgress(
                    self._done, plan.total_runs, "skipped", skipped=left))
        result.finished_at = time.time()
        result.refresh()
        await _call(self.on_progress, MatrixProgress(self._done, plan.total_runs, "done"))
        return result

    async def _run_cell(self, cell: Cell, repeat: int, latency_url: str | None) -> None:
        plan, total = self.plan, self.plan.total_runs
        spec = plan.spec(cell.target, cell.mode)
        cell.running = True
        await _call(self.on_progress, MatrixProgress(self._done, total, "start", cell, repeat))
        hello_seen = False

        async def on_event(event: Event) -> None:
            nonlocal hello_seen
            if isinstance(event, Hello):
                hello_seen = True
            await _call(self.on_event, cell, event)

        t0 = time.perf_counter()
        self._current = asyncio.ensure_future(
            self.run_fn(spec, latency_url=latency_url, on_event=on_event))
        try:
            run = await self._current
        except asyncio.CancelledError:
            if not self._cancelled:
                raise  # the caller's task was cancelled: the run was ended on the way out
            if not cell.runs:
                cell.status, cell.error = "cancelled", "the matrix was cancelled"
            return
        except RunError as exc:
            self.run_seconds += time.perf_counter() - t0
            await self._run_failed(cell, repeat, exc.error, hello_seen)
            return
        finally:
            self._current = None
            cell.running = False
        self.run_seconds += time.perf_counter() - t0
        cell.runs.append(run)
        cell.status = "ok"
        self._done += 1
        self._save(run)
        self.result.refresh()
        await _call(self.on_progress, MatrixProgress(self._done, total, "finished", cell, repeat,
                                                     result=run))

    async def _run_failed(self, cell: Cell, repeat: int, error: Error, hello_seen: bool) -> None:
        total = self.plan.total_runs
        message = error.message
        self._done += 1
        cell.status, cell.error = "failed", message
        left = self.plan.repeat - repeat  # this cell's later runs
        await _call(self.on_progress, MatrixProgress(self._done, total, "finished", cell, repeat,
                                                     error=message))
        if left:
            self._done += left
            await _call(self.on_progress, MatrixProgress(self._done, total, "skipped", cell,
                                                         repeat, error=message, skipped=left))
        if error.kind in ("start", "timeout", "protocol") or not hello_seen:
            # the interpreter itself does not work: its other cells would fail the same way
            await self._fail_target(cell.target, message, started=True)
        self.result.refresh()

    async def _fail_target(self, target: Target, reason: str, *, started: bool) -> None:
        """The interpreter does not work: its cells without runs fail, the others keep the
        runs they have (with a note), and their missing runs count as skipped."""
        self._dead.add(target.path)
        skipped = 0
        for c in self.result.cells_of(target):
            if c.status in ("failed", "cancelled"):
                continue
            missing = self.plan.repeat - len(c.runs)
            if missing <= 0:
                continue
            skipped += missing
            if c.runs:
                c.error = f"only {len(c.runs)} of {self.plan.repeat} runs: {reason}"
            else:
                c.status, c.error = "failed", (f"not run: {reason}" if started else reason)
        if skipped:
            self._done += skipped
            await _call(self.on_progress, MatrixProgress(
                self._done, self.plan.total_runs, "skipped", error=reason, skipped=skipped))

    def _save(self, run: RunResult) -> None:
        if self.history is None or not self._history_ok:
            return
        try:
            self.history.append(run, source="compare", matrix=self.result.matrix_id)
        except Exception as exc:  # noqa: BLE001 - the matrix goes on without a history
            self._history_ok = False
            self.result.warnings.append(f"runs are not saved to the history: {exc}")


def _machine() -> dict[str, Any]:
    from gil_tui.engine.system.monitor import machine_info

    return machine_info()
