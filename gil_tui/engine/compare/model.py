"""The comparison matrix as data: interpreters, cells, plan, result. Running it is
:mod:`gil_tui.engine.compare.matrix`; this module only describes and sums up.

* :class:`Target`: one interpreter (from a probe or from a recorded run).
* :class:`MatrixPlan`: workload, interpreters, workers, scale, repeat; every
  interpreter runs every mode of :data:`MODES_FOR` on the same work, but the
  modes it cannot run (subinterpreters before CPython 3.12: :func:`unavailable`).
* :class:`Cell`: one interpreter x mode and its runs: median, min and max wall
  time, busy cores (median of CPU seconds / wall seconds), speedup (that
  interpreter's sequential median / this median) and the GIL state the worker
  reported. A mode the interpreter cannot run is a cell with status ``skipped``
  and the reason in ``error``; it is never run and not counted in the runs.
* :class:`MatrixResult`: the cells, the machine they ran on, the matrix id.
"""

from __future__ import annotations

import math
import os
import secrets
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.spec import (DEFAULT_TASKS, MAX_TASKS, Mode, RunSpec, Workload,
                                     mode_unavailable)
from gil_tui.engine.text import version_label

__all__ = [
    "MODES_FOR", "Target", "Cell", "MatrixPlan", "MatrixResult", "default_targets",
    "default_workers", "matrix_tasks", "new_matrix_id", "short_labels", "unavailable",
    "usable_cores",
]

#: The modes of each matrix workload, in :class:`Mode` order (subinterpreters only
#: where the interpreter can run them: :func:`unavailable`).
MODES_FOR: dict[Workload, tuple[Mode, ...]] = {
    Workload.CPU: (Mode.SEQUENTIAL, Mode.THREADS, Mode.PROCESSES, Mode.SUBINTERPRETERS),
    Workload.IO: (Mode.SEQUENTIAL, Mode.THREADS, Mode.PROCESSES, Mode.ASYNCIO),
    Workload.HASH: (Mode.SEQUENTIAL, Mode.THREADS, Mode.PROCESSES, Mode.SUBINTERPRETERS),
}


def usable_cores() -> int:
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return count() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(workload: Workload | str) -> int:
    """cpu and hash: the usable cores (at least 2); io: one worker per request (16)."""
    workload = Workload(workload)
    if workload.io_bound:
        return DEFAULT_TASKS[workload]
    return max(2, usable_cores())


def matrix_tasks(workload: Workload | str, workers: int) -> int:
    """The task count: the workload's default, raised to a multiple of ``workers``."""
    base = DEFAULT_TASKS[Workload(workload)]
    if base % workers == 0:
        return base
    return min(MAX_TASKS, workers * math.ceil(base / workers))


def new_matrix_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class Target:
    """One interpreter of the matrix, as probed (or as a past run recorded it)."""

    path: str
    version: str | None
    free_threaded: bool = False
    gil_enabled: bool | None = True
    supported: bool = True
    reason: str | None = None

    @classmethod
    def from_interpreter(cls, interp: Any) -> "Target":
        """From an :class:`gil_tui.engine.system.interpreters.Interpreter`."""
        return cls(interp.path, interp.version, interp.free_threaded, interp.gil_enabled,
                   interp.supported, interp.reason)

    @classmethod
    def from_info(cls, info: InterpreterInfo) -> "Target":
        return cls(info.path, info.version, info.free_threaded, info.gil_enabled)

    @property
    def minor(self) -> str:
        return version_label(".".join((self.version or "?").split(".")[:2]), self.free_threaded)

    @property
    def full(self) -> str:
        return version_label(self.version or "?", self.free_threaded)

    @property
    def version_info(self) -> tuple[int, ...] | None:
        """(major, minor) from :attr:`version`; None when unknown or unreadable."""
        try:
            info = tuple(int(p) for p in (self.version or "").split(".")[:2])
        except ValueError:
            return None
        return info if len(info) == 2 else None

    @property
    def gil_state(self) -> str:
        """``on``, ``off (free-threaded)``, ``on (free-threaded build)`` or ``?`` (unknown)."""
        if self.version is None:
            return "?"
        if self.free_threaded:
            return "off (free-threaded)" if self.gil_enabled is False else "on (free-threaded build)"
        return "on" if self.gil_enabled is not False else "off"


def unavailable(target: Target, mode: Mode | str) -> str | None:
    """Why ``target`` cannot run ``mode`` at all (``needs CPython 3.12+``), from its version;
    None when it can or when its version is unknown (the worker then decides)."""
    info = target.version_info
    return mode_unavailable(mode, info) if info is not None else None


def short_labels(targets: Iterable[Target]) -> dict[str, str]:
    """path -> the shortest label that tells the targets apart: ``3.13``, ``3.14t``, ``3.12.1``."""
    items = list(dict.fromkeys(targets))
    labels: dict[str, str] = {}
    for t in items:
        if t.version is None:
            labels[t.path] = t.path
            continue
        same_minor = [o for o in items if o.minor == t.minor]
        if len(same_minor) == 1:
            labels[t.path] = t.minor
            continue
        same_full = [o for o in items if o.full == t.full]
        labels[t.path] = t.full if len(same_full) == 1 else f"{t.full} ({t.path})"
    return labels


def default_targets(found: Iterable[Any]) -> list[Target]:
    """The default selection from ``interpreters.discover()``: every supported one, one per
    minor version and build (the current interpreter wins its version, otherwise the newest
    patch release), free-threaded builds always included; the current one first."""
    chosen: dict[tuple, Any] = {}
    order: list[tuple] = []
    for interp in found:
        if not interp.supported or not interp.version_info:
            continue
        key = (tuple(interp.version_info[:2]), bool(interp.free_threaded))
        held = chosen.get(key)
        if held is None:
            chosen[key] = interp
            order.append(key)
        elif held.source != "current" and (interp.source == "current"
                                           or tuple(interp.version_info) > tuple(held.version_info)):
            chosen[key] = interp
    picked = [chosen[k] for k in order]
    picked.sort(key=lambda i: (i.source != "current", tuple(i.version_info), i.free_threaded))
    return [Target.from_interpreter(i) for i in picked]


@dataclass
class Cell:
    """One interpreter x mode of the matrix and its runs."""

    target: Target
    mode: Mode
    workers: int
    runs: list[RunResult] = field(default_factory=list)
    #: pending | ok | failed | cancelled | skipped (ok: at least one run finished and none
    #: failed; skipped: the interpreter cannot run this mode, ``error`` says why, no run made)
    status: str = "pending"
    #: a run of this cell is going on now
    running: bool = False
    error: str | None = None
    #: that interpreter's sequential median / this median (None without a baseline)
    speedup: float | None = None
    #: runs rebuilt from the history outside a matrix: each run's own speedup (against
    #: the latest sequential run before it, :mod:`gil_tui.engine.run.session`); the
    #: cell's speedup is then their median, the figure the Live tab showed
    run_speedups: list[float | None] | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.target.path, self.mode.value, self.workers)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def _walls(self) -> list[float]:
        return [r.wall_s for r in self.runs]

    @property
    def median_s(self) -> float | None:
        walls = self._walls()
        return statistics.median(walls) if walls else None

    @property
    def min_s(self) -> float | None:
        return min(self._walls(), default=None)

    @property
    def max_s(self) -> float | None:
        return max(self._walls(), default=None)

    @property
    def busy_cores(self) -> float | None:
        """Median CPU seconds per wall second over the runs."""
        values = [r.busy_cores for r in self.runs]
        return statistics.median(values) if values else None

    @property
    def cpu_s(self) -> float | None:
        values = [r.cpu_s for r in self.runs]
        return statistics.median(values) if values else None

    @property
    def free_threaded(self) -> bool:
        if self.runs:
            return self.runs[-1].interpreter.free_threaded
        return self.target.free_threaded

    @property
    def gil_enabled(self) -> bool | None:
        """GIL at run time, as the worker reported it (else as the probe said)."""
        if self.runs:
            return self.runs[-1].interpreter.gil_enabled
        return self.target.gil_enabled

    @property
    def gil_state(self) -> str:
        return Target(self.target.path, self.target.version, self.free_threaded,
                      self.gil_enabled).gil_state


@dataclass(frozen=True)
class MatrixPlan:
    """What a matrix runs. Make it with :meth:`make` (it fills the defaults)."""

    workload: Workload
    targets: tuple[Target, ...]
    workers: int
    scale: float = 1.0
    repeat: int = 1
    tasks: int | None = None
    delay_ms: int = 100
    start_method: str | None = None

    @classmethod
    def make(cls, workload: Workload | str, targets: Sequence[Any], *, workers: int | None = None,
             scale: float = 1.0, repeat: int = 1, tasks: int | None = None,
             delay_ms: int = 100, start_method: str | None = None) -> "MatrixPlan":
        """``targets``: Target or Interpreter objects (paths: probe them first)."""
        workload = Workload(workload)
        if workload not in MODES_FOR:
            raise ValueError(f"no matrix for the {workload.value} workload; "
                             f"choose from {', '.join(w.value for w in MODES_FOR)}")
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            raise ValueError(f"repeat must be a whole number of at least 1, got {repeat!r}")
        items = [t if isinstance(t, Target) else Target.from_interpreter(t) for t in targets]
        if not items:
            raise ValueError("a matrix needs at least one interpreter")
        unique = list({t.path: t for t in items}.values())
        workers = workers or default_workers(workload)
        tasks = tasks if tasks is not None else matrix_tasks(workload, workers)
        plan = cls(workload, tuple(unique), workers, float(scale), repeat, tasks, delay_ms,
                   start_method)
        plan.spec(unique[0], Mode.THREADS)  # validates scale, workers, tasks, delay
        return plan

    @property
    def modes(self) -> tuple[Mode, ...]:
        """The modes of this workload (``sleep``, only seen in past runs: all four)."""
        return MODES_FOR.get(self.workload, tuple(Mode))

    def skips(self, target: Target, mode: Mode) -> str | None:
        """Why this plan does not run ``mode`` on ``target`` (:func:`unavailable`), or None
        (also for an interpreter that cannot run gil-tui at all: all its cells fail)."""
        return unavailable(target, mode) if target.supported and mode in self.modes else None

    @property
    def total_runs(self) -> int:
        """The runs to make: every cell but the skipped ones, ``repeat`` times."""
        cells = sum(1 for t in self.targets for m in self.modes if self.skips(t, m) is None)
        return cells * self.repeat

    def spec(self, target: Target, mode: Mode) -> RunSpec:
        return RunSpec(self.workload, mode, workers=self.workers, tasks=self.tasks,
                       scale=self.scale, delay_ms=self.delay_ms,
                       start_method=self.start_method if mode is Mode.PROCESSES else None,
                       python=target.path)

    def to_dict(self) -> dict[str, Any]:
        return {"workload": self.workload.value, "workers": self.workers, "scale": self.scale,
                "repeat": self.repeat, "tasks": self.tasks, "delay_ms": self.delay_ms,
                "start_method": self.start_method,
                "interpreters": [t.path for t in self.targets]}


@dataclass
class MatrixResult:
    """The cells of a matrix, filled while it runs."""

    plan: MatrixPlan
    matrix_id: str
    cells: list[Cell]
    machine: dict[str, Any] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    cancelled: bool = False
    #: problems that did not stop the matrix (history not writable...)
    warnings: list[str] = field(default_factory=list)
    #: True when the runs were made on another machine (imported into the history)
    imported: bool = False
    #: where the runs came from: ``compare`` for a matrix run here; ``live``/``bench``...
    #: for tables rebuilt from the history
    sources: list[str] = field(default_factory=lambda: ["compare"])

    @classmethod
    def empty(cls, plan: MatrixPlan, matrix_id: str | None = None,
              machine: dict[str, Any] | None = None) -> "MatrixResult":
        cells = []
        for t in plan.targets:
            for m in plan.modes:
                cell = Cell(t, m, 1 if m is Mode.SEQUENTIAL else plan.workers)
                why = plan.skips(t, m)
                if why is not None:
                    cell.status, cell.error = "skipped", why
                cells.append(cell)
        return cls(plan, matrix_id or new_matrix_id(), cells, dict(machine or {}))

    @property
    def workload(self) -> Workload:
        return self.plan.workload

    @property
    def targets(self) -> tuple[Target, ...]:
        return self.plan.targets

    def labels(self) -> dict[str, str]:
        return short_labels(self.targets)

    def cell(self, path: str, mode: Mode | str) -> Cell | None:
        mode = Mode(mode)
        return next((c for c in self.cells if c.target.path == path and c.mode is mode), None)

    def cells_of(self, target: Target) -> list[Cell]:
        return [c for c in self.cells if c.target.path == target.path]

    @property
    def runs(self) -> list[RunResult]:
        return [r for c in self.cells for r in c.runs]

    @property
    def failed(self) -> list[Cell]:
        return [c for c in self.cells if c.status == "failed"]

    def skipped(self) -> list[tuple[Target, Mode, str]]:
        """(interpreter, mode, why) for each mode an interpreter could not run: its
        ``skipped`` cells, and in a matrix rebuilt from the history the modes that other
        interpreters ran and this one cannot (it has no cell for them)."""
        out = [(c.target, c.mode, c.error or "not available")
               for c in self.cells if c.status == "skipped"]
        ran = {c.mode for c in self.cells if c.status != "skipped"}
        for target in self.targets:
            lacking = ran - {c.mode for c in self.cells_of(target)}
            out += [(target, mode, why) for mode in sorted(lacking, key=list(Mode).index)
                    if (why := unavailable(target, mode)) is not None]
        return out

    @property
    def cores(self) -> int | None:
        for name in ("cpu_count_usable", "cpu_count_logical"):
            if isinstance(self.machine.get(name), int):
                return self.machine[name]
        counts = [r.interpreter.cpu_count for r in self.runs if r.interpreter.cpu_count]
        return counts[0] if counts else None

    def refresh(self) -> None:
        """Recompute every cell's speedup from the current medians."""
        for target in self.targets:
            base = self.cell(target.path, Mode.SEQUENTIAL)
            base_median = base.median_s if base is not None and base.ok else None
            for c in self.cells_of(target):
                if c.run_speedups is not None:
                    known = [v for v in c.run_speedups if v is not None]
                    c.speedup = statistics.median(known) if known and c.status == "ok" else None
                    continue
                median = c.median_s
                c.speedup = (base_median / median
                             if base_median and median and c.status == "ok" else None)
