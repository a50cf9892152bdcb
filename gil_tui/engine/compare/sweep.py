"""The scaling view: one workload, mode and interpreter, workers = 1 .. 2x cores.

    sweep = Sweep(SweepPlan.make("cpu", "threads", target, scale=0.5))
    result = await sweep.run()        # result.points, result.ideal, result.fit, result.fit_text

A sequential run gives the baseline; then the mode runs with 1, 2, ... workers
on the same work (the task count is a multiple of every worker count where that
stays small, so no worker count is handicapped by an uneven split). Each point
is (workers, speedup against the sequential median). The ideal line is
``min(workers, cores)``; the Amdahl fit (:mod:`gil_tui.engine.compare.amdahl`) comes
from the measured points only.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Callable

from gil_tui.engine.compare import amdahl
from gil_tui.engine.run.events import Event
from gil_tui.engine.compare.model import MODES_FOR, Target, new_matrix_id, usable_cores
from gil_tui.engine.run.results import RunError, RunResult
from gil_tui.engine.run.spec import MAX_TASKS, MAX_WORKERS, Mode, RunSpec, Workload

__all__ = ["SweepPlan", "SweepPoint", "SweepResult", "SweepProgress", "Sweep", "sweep_tasks"]


def sweep_tasks(max_workers: int, workload: Workload) -> int:
    """A task count every worker count 1..max_workers divides, when that stays small."""
    lcm = 1
    for n in range(1, max_workers + 1):
        lcm = lcm * n // math.gcd(lcm, n)
    if lcm <= 840:
        base = 8 if not workload.io_bound else 16
        return lcm * max(1, math.ceil(base / lcm))
    return min(MAX_TASKS, 16 * max_workers)


@dataclass(frozen=True)
class SweepPlan:
    workload: Workload
    mode: Mode
    target: Target
    max_workers: int
    cores: int
    scale: float = 1.0
    repeat: int = 1
    tasks: int = 8
    delay_ms: int = 100

    @classmethod
    def make(cls, workload: Workload | str, mode: Mode | str, target: Any, *,
             max_workers: int | None = None, cores: int | None = None, scale: float = 1.0,
             repeat: int = 1, delay_ms: int = 100) -> "SweepPlan":
        workload, mode = Workload(workload), Mode(mode)
        if workload not in MODES_FOR or mode not in MODES_FOR[workload]:
            raise ValueError(f"no {mode.value} sweep for the {workload.value} workload")
        if mode is Mode.SEQUENTIAL:
            raise ValueError("sequential has one worker: sweep threads, processes or asyncio")
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            raise ValueError(f"repeat must be a whole number of at least 1, got {repeat!r}")
        if not isinstance(target, Target):
            target = Target.from_interpreter(target)
        cores = cores or usable_cores()
        max_workers = max_workers or 2 * cores
        if not 1 <= max_workers <= MAX_WORKERS:
            raise ValueError(f"max workers must be from 1 to {MAX_WORKERS}, got {max_workers}")
        plan = cls(workload, mode, target, max_workers, cores, float(scale), repeat,
                   sweep_tasks(max_workers, workload), delay_ms)
        plan.spec(max_workers)  # validates
        return plan

    @property
    def worker_counts(self) -> list[int]:
        return list(range(1, self.max_workers + 1))

    @property
    def total_runs(self) -> int:
        return (1 + self.max_workers) * self.repeat

    def spec(self, workers: int | None) -> RunSpec:
        mode = Mode.SEQUENTIAL if workers is None else self.mode
        return RunSpec(self.workload, mode, workers=workers or 1, tasks=self.tasks,
                       scale=self.scale, delay_ms=self.delay_ms, python=self.target.path)


@dataclass(frozen=True)
class SweepPoint:
    workers: int
    median_s: float
    speedup: float
    busy_cores: float
    runs: int


@dataclass
class SweepResult:
    plan: SweepPlan
    baseline: list[RunResult] = field(default_factory=list)
    runs: dict[int, list[RunResult]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False

    @property
    def baseline_s(self) -> float | None:
        return statistics.median(r.wall_s for r in self.baseline) if self.baseline else None

    @property
    def points(self) -> list[SweepPoint]:
        base = self.baseline_s
        if not base:
            return []
        out = []
        for n in sorted(self.runs):
            items = self.runs[n]
            if not items:
                continue
            median = statistics.median(r.wall_s for r in items)
            busy = statistics.median(r.busy_cores for r in items)
            out.append(SweepPoint(n, median, base / median if median > 0 else 0.0, busy, len(items)))
        return out

    @property
    def ideal(self) -> list[tuple[int, float]]:
        """(workers, ideal speedup): the worker count, capped at the cores."""
        return [(n, float(min(n, self.plan.cores))) for n in self.plan.worker_counts]

    @property
    def fit(self) -> amdahl.AmdahlFit | None:
        return amdahl.fit([(p.workers, p.speedup) for p in self.points], cores=self.plan.cores)

    @property
    def fit_text(self) -> str:
        return amdahl.describe(self.fit, points=len(self.points), cores=self.plan.cores)

    def to_dict(self) -> dict[str, Any]:
        fit = self.fit
        return {
            "kind": "gil-tui-sweep", "format": 1,
            "workload": self.plan.workload.value, "mode": self.plan.mode.value,
            "python": self.plan.target.path, "version": self.plan.target.full,
            "cores": self.plan.cores, "scale": self.plan.scale, "tasks": self.plan.tasks,
            "repeat": self.plan.repeat, "baseline_s": self.baseline_s,
            "points": [vars(p) for p in self.points],
            "ideal": [{"workers": n, "speedup": s} for n, s in self.ideal],
            "fit": None if fit is None else {
                "serial_fraction": fit.serial_fraction, "parallel_fraction": fit.parallel_fraction,
                "limit": None if math.isinf(fit.limit) else fit.limit, "rmse": fit.rmse,
                "curve": [{"workers": n, "speedup": s}
                          for n, s in fit.curve(self.plan.worker_counts)]},
            "fit_text": self.fit_text,
            "errors": self.errors, "cancelled": self.cancelled,
        }


@dataclass(frozen=True)
class SweepProgress:
    done: int
    total: int
    workers: int | None  # None: the sequential baseline
    phase: str  # start | finished | done
    error: str | None = None


class Sweep:
    """Runs a SweepPlan; ``cancel()`` like :class:`gil_tui.engine.compare.matrix.Matrix`."""

    def __init__(self, plan: SweepPlan, *, history: Any = None,
                 on_progress: Callable[[SweepProgress], Any] | None = None,
                 on_event: Callable[[int | None, Event], Any] | None = None,
                 run_fn: Callable[..., Any] | None = None) -> None:
        from gil_tui.engine.compare.matrix import _default_run

        self.plan = plan
        self.history = history
        self.on_progress = on_progress
        self.on_event = on_event
        self.run_fn = run_fn or _default_run
        self.result = SweepResult(plan)
        self._current: asyncio.Future | None = None
        self._cancelled = False
        #: the matrix id its runs carry in the history
        self.sweep_id = "sweep-" + new_matrix_id()

    def cancel(self) -> None:
        self._cancelled = True
        if self._current is not None and not self._current.done():
            self._current.cancel()

    async def run(self) -> SweepResult:
        plan, done = self.plan, 0
        server = url = None
        try:
            if plan.workload is Workload.IO:
                from gil_tui.engine.run.latency import LatencyServer, LatencyServerError

                server = LatencyServer()
                try:
                    url = await server.start()
                except LatencyServerError as exc:
                    self.result.errors["sequential"] = str(exc)
            for _ in range(plan.repeat):
                for workers in [None, *plan.worker_counts]:
                    key = "sequential" if workers is None else str(workers)
                    if self._cancelled or key in self.errors_or_dead():
                        done += 1
                        continue
                    await _call(self.on_progress, SweepProgress(done, plan.total_runs, workers, "start"))
                    outcome = await self._one(workers, url)
                    done += 1
                    if isinstance(outcome, RunResult):
                        (self.result.baseline if workers is None
                         else self.result.runs.setdefault(workers, [])).append(outcome)
                        self._save(outcome)
                        error = None
                    else:
                        error = outcome
                        if error is not None:
                            self.result.errors[key] = error
                    await _call(self.on_progress, SweepProgress(
                        done, plan.total_runs, workers, "finished", error))
        finally:
            if server is not None:
                await server.stop()
        self.result.cancelled = self._cancelled
        await _call(self.on_progress, SweepProgress(done, plan.total_runs, None, "done"))
        return self.result

    def errors_or_dead(self) -> set[str]:
        if "sequential" in self.result.errors:  # no baseline: nothing can be compared
            return {"sequential", *map(str, self.plan.worker_counts)}
        return set(self.result.errors)

    async def _one(self, workers: int | None, url: str | None) -> RunResult | str | None:
        async def on_event(event: Event) -> None:
            await _call(self.on_event, workers, event)

        self._current = asyncio.ensure_future(
            self.run_fn(self.plan.spec(workers), latency_url=url, on_event=on_event))
        try:
            return await self._current
        except asyncio.CancelledError:
            if not self._cancelled:
                raise
            return None
        except RunError as exc:
            return exc.error.message
        finally:
            self._current = None

    def _save(self, run: RunResult) -> None:
        if self.history is None:
            return
        try:
            self.history.append(run, source="compare", matrix=self.sweep_id)
        except Exception:  # noqa: BLE001 - the sweep goes on without a history
            self.history = None


async def _call(callback: Callable[..., Any] | None, *args: Any) -> None:
    if callback is None:
        return
    outcome = callback(*args)
    if inspect.isawaitable(outcome):
        await outcome
