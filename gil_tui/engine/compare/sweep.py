"""The scaling view: one workload, mode and interpreter, workers = 1 .. 2x cores.

    sweep = Sweep(SweepPlan.make("cpu", "threads", target, scale=0.5))
    result = await sweep.run()        # result.points, result.ideal, result.fit, result.fit_text

A sequential run gives the baseline; then the mode runs with 1, 2, ... workers
on the same work (the task count is a multiple of every worker count where that
stays small, so no worker count is handicapped by an uneven split). Each point
is (workers, speedup against the sequential median). The ideal line is
``min(workers, cores)``; the Amdahl fit (:mod:`gil_tui.engine.compare.amdahl`) comes
from the measured points only, and only when they can carry it: no fit for threads
on a GIL build on CPU work, none from noisy points
(:mod:`gil_tui.engine.compare.noise`); :mod:`gil_tui.engine.compare.sweep_words`
says why instead.

A mode the interpreter cannot run (subinterpreters before CPython 3.12) is refused
by :meth:`SweepPlan.make` with the reason; when the worker itself refuses it (a
build without the module), the points left are not run.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from gil_tui.engine.compare import amdahl
from gil_tui.engine.compare.job import Job, JobProgress, RunFn, notify, run_key
from gil_tui.engine.compare.model import (MODES_FOR, Target, new_matrix_id, unavailable,
                                          usable_cores)
from gil_tui.engine.compare.noise import Noise, point_noise
from gil_tui.engine.compare.sweep_words import sweep_words
from gil_tui.engine.run.events import Event
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
            raise ValueError("sequential has one worker: sweep threads, processes, asyncio "
                             "or subinterpreters")
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            raise ValueError(f"repeat must be a whole number of at least 1, got {repeat!r}")
        if not isinstance(target, Target):
            target = Target.from_interpreter(target)
        why = unavailable(target, mode)
        if why is not None:
            raise ValueError(f"no {mode.value} sweep on {target.path}: {mode.value} {why} "
                             f"(it is {target.full})")
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
    #: why this point is noise (:class:`gil_tui.engine.compare.noise.Noise` ``short``),
    #: or None when it can be read as measured
    noise: str | None = None


@dataclass
class SweepResult:
    plan: SweepPlan
    baseline: list[RunResult] = field(default_factory=list)
    runs: dict[int, list[RunResult]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False
    #: the id its runs carry in the history (``sweep-...``)
    sweep_id: str | None = None
    machine: dict[str, Any] = field(default_factory=dict)
    started_at: float | None = None
    finished_at: float | None = None
    #: True when the runs were made on another machine (rebuilt from the history)
    imported: bool = False
    #: where the runs came from (``compare``)
    sources: list[str] = field(default_factory=lambda: ["compare"])

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
            gain = base / median if median > 0 else 0.0
            found = self.noise_of(n, gain)
            out.append(SweepPoint(n, median, gain, busy, len(items),
                                  None if found is None else found.short))
        return out

    @property
    def gil_enabled(self) -> bool | None:
        """GIL at run time, as the workers reported it (else as the probe said)."""
        runs = [r for items in self.runs.values() for r in items] or self.baseline
        return runs[-1].interpreter.gil_enabled if runs else self.plan.target.gil_enabled

    @property
    def gil_capped(self) -> bool:
        """Threads on a GIL build, on pure-Python work: the GIL keeps them to one core."""
        return (self.plan.workload is Workload.CPU and self.plan.mode is Mode.THREADS
                and self.gil_enabled is not False)

    def noise_of(self, workers: int, gain: float | None) -> Noise | None:
        """Why the point of ``workers`` (its speedup ``gain``) is noise, or None."""
        plan = self.plan
        return point_noise(plan.workload, plan.mode, workers, plan.cores, self.gil_enabled,
                           plan.tasks, gain, self.runs.get(workers, []), self.baseline)

    @property
    def noisy(self) -> bool:
        """True when at least one point is noise (then there is no fit)."""
        return any(p.noise is not None for p in self.points)

    @property
    def ideal(self) -> list[tuple[int, float]]:
        """(workers, ideal speedup): the worker count, capped at the cores."""
        return [(n, float(min(n, self.plan.cores))) for n in self.plan.worker_counts]

    @property
    def fit(self) -> amdahl.AmdahlFit | None:
        """The Amdahl fit, only when the data can carry it: never for threads on a GIL
        build on CPU work (the GIL, not a serial fraction, sets their limit), never from
        noisy points."""
        points = self.points
        if self.gil_capped or any(p.noise is not None for p in points):
            return None
        return amdahl.fit([(p.workers, p.speedup) for p in points], cores=self.plan.cores)

    @property
    def fit_text(self) -> str:
        return sweep_words(self)

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
class SweepProgress(JobProgress):
    """``phase``: ``start`` (a run begins; ``spec`` is its spec), ``finished``
    (``error`` says why it failed, if it did) or ``done`` (the sweep is over)."""

    workers: int | None  # None: the sequential baseline
    phase: str  # start | finished | done
    error: str | None = None
    spec: RunSpec | None = None


class Sweep(Job):
    """Runs a SweepPlan once; ``cancel()`` like :class:`gil_tui.engine.compare.matrix.Matrix`.

    ``on_progress(SweepProgress)`` and ``on_event(workers, event)`` may be plain or
    coroutine functions; ``run_fn``: the coroutine that runs one spec (tests inject
    fakes). Every finished run goes to ``history`` with :attr:`sweep_id`.
    """

    def __init__(self, plan: SweepPlan, *, history: Any = None,
                 on_progress: Callable[[SweepProgress], Any] | None = None,
                 on_event: Callable[[int | None, Event], Any] | None = None,
                 run_fn: RunFn | None = None) -> None:
        super().__init__(history=history, run_fn=run_fn, job_id="sweep-" + new_matrix_id())
        self.plan = plan
        self.on_progress = on_progress
        self.on_event = on_event
        machine = getattr(history, "machine", None) if history is not None else None
        self.result = SweepResult(plan, sweep_id=self.job_id, machine=dict(machine or {}))
        self._unsupported = False  # the worker refused the mode: no point can run

    @property
    def sweep_id(self) -> str:
        """The matrix id its runs carry in the history."""
        return self.job_id

    async def run(self) -> SweepResult:
        self._start()
        self.result.started_at = time.time()
        plan, total, done = self.plan, self.plan.total_runs, 0
        async with self.latency_server(plan.workload is Workload.IO) as (url, problem):
            if problem is not None:
                self.result.errors["sequential"] = problem
            for _ in range(plan.repeat):
                for workers in [None, *plan.worker_counts]:
                    key = "sequential" if workers is None else str(workers)
                    if self._cancelled or key in self._blocked():
                        done += 1
                        continue
                    spec = plan.spec(workers)
                    await notify(self.on_progress, SweepProgress(
                        done, total, workers, "start", spec=spec, **self.times()))
                    error = await self._one(workers, spec, url)
                    done += 1
                    if error is not None:
                        self.result.errors[key] = error
                    await notify(self.on_progress, SweepProgress(
                        done, total, workers, "finished", error, **self.times()))
        self.result.cancelled = self._cancelled
        self.result.finished_at = time.time()
        await notify(self.on_progress, SweepProgress(done, total, None, "done", **self.times()))
        return self.result

    def remaining(self) -> list[tuple]:
        """The runs still to make: each point's missing runs, unless it failed (none when
        the baseline failed, or the sweep was cancelled)."""
        if self._cancelled:
            return []
        blocked, left = self._blocked(), []
        for workers in [None, *self.plan.worker_counts]:
            if ("sequential" if workers is None else str(workers)) in blocked:
                continue
            made = len(self.result.baseline if workers is None
                       else self.result.runs.get(workers, []))
            left += [run_key(self.plan.spec(workers))] * max(0, self.plan.repeat - made)
        return left

    def _blocked(self) -> set[str]:
        """The points not to run (again): failed ones; all of them without a baseline, or
        when the worker refused the mode (``unsupported``: nothing to compare the baseline to)."""
        if "sequential" in self.result.errors or self._unsupported:
            return {"sequential", *map(str, self.plan.worker_counts)}
        return set(self.result.errors)

    async def _one(self, workers: int | None, spec: RunSpec, url: str | None) -> str | None:
        """Run one point; returns why it failed, or None (done, or cancelled)."""
        async def on_event(event: Event) -> None:
            await notify(self.on_event, workers, event)

        try:
            run = await self.run_one(spec, url, on_event)
        except RunError as exc:
            self._unsupported = self._unsupported or exc.error.unsupported
            return exc.error.message
        if run is not None:
            (self.result.baseline if workers is None
             else self.result.runs.setdefault(workers, [])).append(run)
            self.save(run)
        return None
