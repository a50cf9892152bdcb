"""The runs of one sitting: finished results, failures, baselines and speedups.

Pure data, no UI: the Live tab and the CLI both keep their runs here. A run's
speedup is measured against the sequential run of the *same work*: same
workload, scale, task count, delay and interpreter. When that baseline is
missing, :meth:`Session.baseline_spec` says which run to make first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Hashable

from gil_tui.engine.run.explain import Outcome, explain
from gil_tui.engine.run.results import RunResult
from gil_tui.engine.run.spec import Mode, RunSpec


def work_key(spec: RunSpec) -> Hashable:
    """Runs with the same key did the same work (mode and workers aside)."""
    python = os.path.realpath(spec.python) if spec.python else "<current>"
    delay = spec.delay_ms if spec.workload.io_bound else None
    scale = None if spec.workload.io_bound else spec.scale
    return (spec.workload.value, scale, spec.effective_tasks, delay, python)


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

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def status(self) -> str:
        if self.result is not None:
            return "ok"
        return "cancelled" if self.cancelled else "failed"


class Session:
    """Every run of this sitting, in order."""

    def __init__(self, cores: int | None = None) -> None:
        self.records: list[RunRecord] = []
        self.cores = cores or os.cpu_count() or 1

    def baseline(self, spec: RunSpec) -> RunResult | None:
        """The latest successful sequential run of the same work, if any."""
        key = work_key(spec)
        for record in reversed(self.records):
            result = record.result
            if result is not None and result.spec.mode is Mode.SEQUENTIAL \
                    and work_key(result.spec) == key:
                return result
        return None

    def baseline_spec(self, spec: RunSpec) -> RunSpec | None:
        """The sequential run to make before `spec`, or None when there is one already."""
        if spec.mode is Mode.SEQUENTIAL or self.baseline(spec) is not None:
            return None
        return spec.replace(mode=Mode.SEQUENTIAL, workers=1)

    def outcome(self, result: RunResult) -> Outcome:
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
        )

    def add_result(self, result: RunResult, *, auto_baseline: bool = False) -> RunRecord:
        outcome = self.outcome(result)
        record = RunRecord(
            spec=result.spec,
            result=result,
            speedup=outcome.speedup if result.spec.mode is not Mode.SEQUENTIAL else 1.0,
            explanation=explain(outcome),
            auto_baseline=auto_baseline,
        )
        self.records.append(record)
        return record

    def add_failure(self, spec: RunSpec, message: str, *, cancelled: bool = False) -> RunRecord:
        record = RunRecord(spec=spec, error=message, cancelled=cancelled,
                           explanation=("Cancelled." if cancelled else f"Failed: {message}"))
        self.records.append(record)
        return record

    @property
    def last(self) -> RunRecord | None:
        return self.records[-1] if self.records else None
