"""The Live tab's selection (workload, mode, workers, ...) and the keys that cycle it.

:func:`next_option` is how every key that steps through choices moves on (the
Compare tab's too).

Pure Python (no Textual), so the rules are tested on their own: asyncio only for
I/O workloads, sequential means one worker, the start method only for processes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

from gil_tui.engine.run.calibration import WAIT_WORKERS, delay_ms_for
from gil_tui.engine.run.spec import MAX_WORKERS, Mode, RunSpec, Workload, modes_for

WORKLOADS = tuple(Workload)
TASK_CHOICES: tuple[int | None, ...] = (None, 2, 4, 8, 16, 32, 64)
SCALE_CHOICES = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
START_CHOICES: tuple[str | None, ...] = (None, "fork", "spawn", "forkserver")
HZ_CHOICES = (1.0, 2.0, 4.0, 10.0)


def next_option(options: Sequence[Any], current: Any) -> Any:
    """The option after ``current``, round and round; the first one if ``current`` is not one."""
    try:
        position = list(options).index(current)
    except ValueError:
        return options[0]
    return options[(position + 1) % len(options)]


@dataclass(frozen=True)
class Selection:
    workload: Workload = Workload.CPU
    mode: Mode = Mode.THREADS
    workers: int = 2
    tasks: int | None = None
    scale: float = 1.0
    start_method: str | None = None
    python: str | None = None          # None: the interpreter gil-tui runs on
    python_label: str = "this Python"

    def replace(self, **changes: Any) -> "Selection":
        return dataclasses.replace(self, **changes)

    def next_workload(self) -> "Selection":
        workload = next_option(WORKLOADS, self.workload)
        mode = self.mode if self.mode in modes_for(workload) else Mode.THREADS
        # waiting work: a few at once (calibration.WAIT_WORKERS), so that its default run
        # is long enough to watch while its sequential baseline stays ~6 s
        workers = max(self.workers, WAIT_WORKERS) if workload.io_bound else self.workers
        if not workload.io_bound and self.workload.io_bound:
            workers = 2
        return self.replace(workload=workload, mode=mode, workers=workers)

    def next_mode(self) -> "Selection":
        return self.replace(mode=next_option(modes_for(self.workload), self.mode))

    def add_workers(self, step: int) -> "Selection":
        return self.replace(workers=min(MAX_WORKERS, max(1, self.workers + step)))

    def next_tasks(self) -> "Selection":
        return self.replace(tasks=next_option(TASK_CHOICES, self.tasks))

    def next_scale(self) -> "Selection":
        return self.replace(scale=next_option(SCALE_CHOICES, self.scale))

    def next_start_method(self) -> "Selection":
        return self.replace(start_method=next_option(START_CHOICES, self.start_method))

    def next(self, what: str) -> "Selection":
        """The next value of one control: ``workload``, ``mode``, ``tasks``, ``scale`` or
        ``start`` (the start method)."""
        steps = {"workload": self.next_workload, "mode": self.next_mode,
                 "tasks": self.next_tasks, "scale": self.next_scale,
                 "start": self.next_start_method}
        return steps[what]()

    def to_spec(self) -> RunSpec:
        """The run to start. For waiting work (io, sleep) the scale sets the length of
        each wait (1.0: 100 ms, :func:`calibration.delay_ms_for`), so that ``s`` makes a
        waiting run longer or shorter just as it does for CPU work."""
        extra: dict[str, Any] = {}
        if self.workload.io_bound:
            extra["delay_ms"] = delay_ms_for(self.scale)
        return RunSpec(
            workload=self.workload,
            mode=self.mode,
            workers=self.workers,
            tasks=self.tasks,
            scale=self.scale,
            start_method=self.start_method if self.mode is Mode.PROCESSES else None,
            python=self.python,
            **extra,
        )

    @classmethod
    def from_try(cls, values: dict[str, str], base: "Selection | None" = None) -> "Selection":
        """A selection from a lesson's `try:` line or the `live` command's flags."""
        selection = base or cls()
        changes: dict[str, Any] = {}
        if "workload" in values:
            changes["workload"] = Workload(values["workload"])
        if "mode" in values:
            changes["mode"] = Mode(values["mode"])
        if "workers" in values:
            changes["workers"] = int(values["workers"])
        if "tasks" in values:
            changes["tasks"] = int(values["tasks"])
        if "scale" in values:
            changes["scale"] = float(values["scale"])
        if "start_method" in values:
            changes["start_method"] = values["start_method"]
        selection = selection.replace(**changes)
        selection.to_spec()  # validates; raises SpecError
        return selection
