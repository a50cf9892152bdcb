"""Running the comparison matrix: every interpreter x every mode, same work in each.

    plan = MatrixPlan.make("cpu", targets, workers=2, scale=0.5, repeat=3)
    matrix = Matrix(plan, history=HistoryStore(), on_progress=callback)
    result = await matrix.run()          # a MatrixResult; matrix.cancel() stops it
    print(verdict(result))               # gil_tui.engine.compare.verdict

Runs go one at a time (through :class:`~gil_tui.engine.compare.job.Job`), in
passes: the first pass runs every cell once, the next pass every cell again, and
so on, so slow drift of the machine (heat, other programs) spreads over all cells
instead of favouring the first ones. io matrices share one LatencyServer.

When a run fails, its cell is failed with the reason; when the interpreter
itself fails (it cannot start, or dies before saying hello) its remaining cells
are failed with that reason, and the matrix goes on with the others. Every
finished run is appended to the history (source ``compare``, the matrix id).

The data model (Target, Cell, MatrixPlan, MatrixResult) lives in
:mod:`gil_tui.engine.compare.model` and is re-exported here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from gil_tui.engine.compare.job import Job, JobProgress, RunFn, notify, run_key
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
from gil_tui.engine.run.events import Error, Event, Hello
from gil_tui.engine.run.results import RunError, RunResult
from gil_tui.engine.run.spec import RunSpec, Workload

__all__ = [
    "MODES_FOR", "Target", "Cell", "MatrixPlan", "MatrixResult", "MatrixProgress", "Matrix",
    "default_targets", "default_workers", "matrix_tasks", "new_matrix_id", "short_labels",
    "RunFn",
]


@dataclass(frozen=True)
class MatrixProgress(JobProgress):
    """What the progress callback receives, at the start and the end of every run.

    ``phase``: ``start`` (a run begins; ``spec`` is its spec), ``finished`` (a run
    ended, ``result`` or ``error`` set), ``skipped`` (runs not made: their cell or
    interpreter failed, or the matrix was cancelled; ``skipped`` says how many),
    ``done`` (the matrix is over). ``done`` counts finished plus skipped runs out
    of ``total``.
    """

    phase: str
    cell: Cell | None = None
    repeat: int = 0
    result: RunResult | None = None
    error: str | None = None
    skipped: int = 0
    spec: RunSpec | None = None


class Matrix(Job):
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
        if machine is None:
            machine = history.machine if history is not None else _machine()
        result = MatrixResult.empty(plan, matrix_id, machine)
        super().__init__(history=history, run_fn=run_fn, job_id=result.matrix_id)
        self.plan = plan
        self.on_progress = on_progress
        self.on_event = on_event
        self.result = result
        self.result.warnings = self.warnings  # one list: the job's warnings are the result's
        self._done = 0
        self._dead: set[str] = set()  # interpreters that failed as a whole

    async def _progress(self, phase: str, cell: Cell | None = None, repeat: int = 0,
                        **fields: Any) -> None:
        await notify(self.on_progress, MatrixProgress(self._done, self.plan.total_runs, phase,
                                                      cell, repeat, **fields, **self.times()))

    def remaining(self) -> list[tuple]:
        """The runs still to make: every cell's missing runs, unless it or its
        interpreter failed (or the matrix was cancelled)."""
        if self._cancelled:
            return []
        left = []
        for cell in self.result.cells:
            if cell.status in ("failed", "cancelled", "skipped") or cell.target.path in self._dead:
                continue
            key = run_key(self.plan.spec(cell.target, cell.mode))
            left += [key] * max(0, self.plan.repeat - len(cell.runs))
        return left

    async def run(self) -> MatrixResult:
        """Run every cell ``repeat`` times; returns the result (also when cancelled)."""
        self._start()
        plan, result = self.plan, self.result
        for target in plan.targets:
            if not target.supported:
                reason = target.reason or f"{target.path} cannot run the benchmarks"
                await self._fail_target(target, reason, started=False)
        needed = plan.workload is Workload.IO and any(c.status == "pending" for c in result.cells)
        async with self.latency_server(needed) as (latency_url, problem):
            if problem is not None:
                for target in plan.targets:
                    await self._fail_target(target, problem, started=False)
            for repeat in range(1, plan.repeat + 1):
                for cell in result.cells:
                    if self._cancelled:
                        break
                    if cell.status in ("failed", "cancelled", "skipped") \
                            or cell.target.path in self._dead:
                        continue
                    await self._run_cell(cell, repeat, latency_url)
        if self._cancelled:
            await self._skip_the_rest()
        result.finished_at = time.time()
        result.refresh()
        await self._progress("done")
        return result

    async def _skip_the_rest(self) -> None:
        plan, result = self.plan, self.result
        result.cancelled = True
        left = 0
        for cell in result.cells:
            if cell.status in ("failed", "skipped") or cell.target.path in self._dead \
                    or len(cell.runs) >= plan.repeat:
                continue
            left += plan.repeat - len(cell.runs)
            if not cell.runs:
                cell.status, cell.error = "cancelled", "the matrix was cancelled"
        if left:
            self._done += left
            await self._progress("skipped", skipped=left)

    async def _run_cell(self, cell: Cell, repeat: int, latency_url: str | None) -> None:
        spec = self.plan.spec(cell.target, cell.mode)
        cell.running = True
        await self._progress("start", cell, repeat, spec=spec)
        hello_seen = False

        async def on_event(event: Event) -> None:
            nonlocal hello_seen
            if isinstance(event, Hello):
                hello_seen = True
            await notify(self.on_event, cell, event)

        try:
            run = await self.run_one(spec, latency_url, on_event)
        except RunError as exc:
            await self._run_failed(cell, repeat, exc.error, hello_seen)
            return
        finally:
            cell.running = False
        if run is None:  # the matrix was cancelled
            if not cell.runs:
                cell.status, cell.error = "cancelled", "the matrix was cancelled"
            return
        cell.runs.append(run)
        cell.status = "ok"
        self._done += 1
        self.save(run)
        self.result.refresh()
        await self._progress("finished", cell, repeat, result=run)

    async def _run_failed(self, cell: Cell, repeat: int, error: Error, hello_seen: bool) -> None:
        message = error.message
        self._done += 1
        # unsupported: the worker refused the mode before any work (no subinterpreters module)
        cell.status, cell.error = "skipped" if error.unsupported else "failed", message
        left = self.plan.repeat - repeat  # this cell's later runs
        await self._progress("finished", cell, repeat, error=message)
        if left:
            self._done += left
            await self._progress("skipped", cell, repeat, error=message, skipped=left)
        if not error.unsupported and (error.kind in ("start", "timeout", "protocol")
                                      or not hello_seen):
            # the interpreter itself does not work: its other cells would fail the same way
            await self._fail_target(cell.target, message, started=True)
        self.result.refresh()

    async def _fail_target(self, target: Target, reason: str, *, started: bool) -> None:
        """The interpreter does not work: its cells without runs fail, the others keep the
        runs they have (with a note), and their missing runs count as skipped."""
        self._dead.add(target.path)
        skipped = 0
        for c in self.result.cells_of(target):
            if c.status in ("failed", "cancelled", "skipped"):
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
            await self._progress("skipped", error=reason, skipped=skipped)


def _machine() -> dict[str, Any]:
    from gil_tui.engine.system.monitor import machine_info

    return machine_info()
