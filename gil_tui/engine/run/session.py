"""The runs of one sitting: finished results, failures, baselines and speedups.

Pure data, no UI: the Live tab and the CLI both keep their runs here.

The one rule of a run's speedup outside a matrix (the Live tab, ``bench``, and
the same runs read back from the history by ``gil-tui results`` and the History
view): it divides the wall time of **the latest sequential run of the same work
before it** (same workload, scale, task count, delay and interpreter path) by
its own; a sequential run is its own baseline (1.0x). :class:`LatestBaselines`
applies it one run at a time; :func:`speedup_against` divides. (In a matrix or
a sweep the baseline is the median of its sequential runs on that interpreter:
:mod:`gil_tui.engine.history.regroup`.) When the baseline is missing,
:meth:`Session.baseline_spec` says which run to make first.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Generic, Hashable, TypeVar

from gil_tui.engine.run.explain import Outcome, crowded, explain
from gil_tui.engine.run.results import RunResult
from gil_tui.engine.run.spec import Mode, RunSpec

T = TypeVar("T")

__all__ = ["LatestBaselines", "RunRecord", "Session", "result_work_key", "speedup_against",
           "work_key"]


def _key(spec: RunSpec, python: str) -> Hashable:
    io = spec.workload.io_bound
    return (spec.workload.value, None if io else spec.scale, spec.effective_tasks,
            spec.delay_ms if io else None, python)


def work_key(spec: RunSpec) -> Hashable:
    """Runs with the same key did the same work (mode and workers aside), before they ran:
    the interpreter is ``spec.python``, or the one gil-tui runs on (what a runner uses)."""
    return _key(spec, spec.python or sys.executable)


def result_work_key(result: RunResult) -> Hashable:
    """:func:`work_key` of a run read back (the history): the interpreter path it recorded,
    which is ``spec.python`` or the interpreter gil-tui ran on, as in :func:`work_key`."""
    return _key(result.spec, result.interpreter.path or result.spec.python or "?")


def speedup_against(baseline_s: float | None, wall_s: float) -> float | None:
    """How many times faster than the baseline; None without one (or without a time)."""
    if not baseline_s or baseline_s <= 0 or wall_s <= 0:
        return None
    return baseline_s / wall_s


class LatestBaselines(Generic[T]):
    """The speedup rule outside matrices, applied in the order the runs were made: each run
    against the latest sequential run of the same work before it (itself, when sequential).

    ``add(key, sequential, item)`` counts a run and returns a token for its baseline (None
    when there is none yet); ``self[token]`` is what was added with that baseline: a
    :class:`RunResult` in a :class:`Session`, only its wall time where memory must stay
    flat (``gil-tui results``). ``key`` groups the runs that may share a baseline
    (:func:`work_key`, plus the machine when several machines' runs are read together).
    """

    def __init__(self) -> None:
        self._latest: dict[Hashable, int] = {}
        self._items: list[T] = []

    def add(self, key: Hashable, sequential: bool, item: T) -> int | None:
        if sequential:
            self._items.append(item)
            self._latest[key] = len(self._items) - 1
        return self._latest.get(key)

    def current(self, key: Hashable) -> int | None:
        """The token of the latest baseline of ``key`` so far."""
        return self._latest.get(key)

    def __getitem__(self, token: int) -> T:
        return self._items[token]


@dataclass(frozen=True)
class RunRecord:
    """One finished, failed or cancelled run, as the results table shows it."""

    spec: RunSpec
    result: RunResult | None = None
    error: str | None = None
    cancelled: bool = False
    speedup: float | None = None
    explanation: str = ""
    auto_baseline: bool = False
    #: other programs took cores this run (or its baseline) needed: its figure is not a
    #: conclusion (the explanation says so)
    shared: bool = False

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def status(self) -> str:
        if self.result is not None:
            return "ok"
        return "cancelled" if self.cancelled else "failed"

    @property
    def others_cores(self) -> float | None:
        """Cores other programs used during the run (None: not measured, or no run)."""
        return self.result.others_cores if self.result is not None else None


class Session:
    """Every run of this sitting, in order."""

    def __init__(self, cores: int | None = None) -> None:
        import os

        self.records: list[RunRecord] = []
        self.cores = cores or os.cpu_count() or 1
        self._baselines: LatestBaselines[RunResult] = LatestBaselines()

    def baseline(self, spec: RunSpec) -> RunResult | None:
        """The latest successful sequential run of the same work, if any."""
        token = self._baselines.current(work_key(spec))
        return None if token is None else self._baselines[token]

    def baseline_spec(self, spec: RunSpec) -> RunSpec | None:
        """The sequential run to make before `spec`, or None when there is one already."""
        if spec.mode is Mode.SEQUENTIAL or self.baseline(spec) is not None:
            return None
        return spec.replace(mode=Mode.SEQUENTIAL, workers=1)

    def outcome(self, result: RunResult, base: RunResult | None = None) -> Outcome:
        if base is None:
            base = self.baseline(result.spec)
        return Outcome(
            workload=result.spec.workload.value,
            mode=result.spec.mode.value,
            workers=result.spec.workers,
            wall_s=result.wall_s,
            cpu_s=result.cpu_s,
            cores=result.interpreter.cpu_count or self.cores,
            gil_enabled=result.interpreter.gil_enabled,
            baseline_wall_s=base.wall_s if base is not None else None,
            baseline_busy=base.busy_cores if base is not None else None,
            others=result.others_cores,
            baseline_others=base.others_cores if base is not None else None,
            tasks=result.tasks or result.spec.effective_tasks,
        )

    def add_result(self, result: RunResult, *, auto_baseline: bool = False) -> RunRecord:
        sequential = result.spec.mode is Mode.SEQUENTIAL
        token = self._baselines.add(work_key(result.spec), sequential, result)
        base = None if token is None else self._baselines[token]
        outcome = self.outcome(result, base)
        shared = outcome.shared or (not sequential and outcome.baseline_shared)
        if sequential:
            shared = crowded(outcome.others, outcome.cores, 0.0 if outcome.waiting else 1.0)
        record = RunRecord(
            spec=result.spec,
            result=result,
            speedup=speedup_against(base.wall_s if base is not None else None, result.wall_s),
            explanation=explain(outcome),
            auto_baseline=auto_baseline,
            shared=shared,
        )
        self.records.append(record)
        return record

    def add_failure(self, spec: RunSpec, message: str, *, cancelled: bool = False,
                    auto_baseline: bool = False) -> RunRecord:
        record = RunRecord(spec=spec, error=message, cancelled=cancelled,
                           explanation=("Cancelled." if cancelled else f"Failed: {message}"),
                           auto_baseline=auto_baseline)
        self.records.append(record)
        return record

    @property
    def last(self) -> RunRecord | None:
        return self.records[-1] if self.records else None
