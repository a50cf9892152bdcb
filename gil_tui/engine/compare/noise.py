"""Which figures of a matrix or a sweep are noise, and why: the one rule every view uses.

A figure is *noisy* when it cannot be read as a finding:

* ``beyond``: a speedup above what its mode can reach here
  (:func:`gil_tui.engine.run.explain.expected_cores`; threads on a GIL build keep one
  core busy on CPU work, so any real gain above 1x is impossible there): the
  sequential baseline was slowed, or the CPU changed speed.
* ``shared``: other programs took cores the runs needed (the runs' ``others_cores``,
  :func:`gil_tui.engine.run.explain.crowded`).
* ``baseline``: the sequential baseline it divides was itself shared, or got less
  than :data:`~gil_tui.engine.run.explain.CONTENDED` of a core (CPU work only).

Waiting work (io, sleep) is never shared (it needs no core), but a speedup above
the workers it overlaps is still impossible. The verdict
(:mod:`gil_tui.engine.compare.verdict`), the sweep's words, the tab's table and
every export read the flag from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from gil_tui.engine.run.explain import BEYOND, CONTENDED, crowded, expected_cores
from gil_tui.engine.run.results import RunResult
from gil_tui.engine.run.share import SHARED
from gil_tui.engine.run.spec import Mode
from gil_tui.engine.text import SCALED

__all__ = ["Noise", "cap", "cell_noise", "matrix_noise", "most_others", "point_noise",
           "run_noise"]


@dataclass(frozen=True)
class Noise:
    """Why a figure is noisy: ``kind`` (beyond | shared | baseline; a sequential cell that
    got less than a core: starved) and the figures."""

    kind: str
    #: the most cores other programs used on average during one of the runs involved
    others: float | None = None
    #: the speedup this mode can reach here (for ``beyond``)
    cap: float | None = None
    #: the least a CPU-bound sequential baseline kept busy (for ``baseline``)
    baseline_busy: float | None = None

    @property
    def short(self) -> str:
        """A few words for a table cell: ``others 0.8 cores``, ``above 1x possible``."""
        if self.kind == "beyond":
            return f"above {self.cap:g}x possible"
        if self.kind == "shared":
            return f"others {self.others:.1f} cores"
        if self.kind == "starved":
            return f"busy only {self.baseline_busy:.2f}"
        if self.others is not None:
            return f"baseline shared ({self.others:.1f} cores)"
        return "baseline slowed"

    @property
    def words(self) -> str:
        """The reason in words: ``other programs used 0.8 cores``."""
        if self.kind == "beyond":
            return f"more than the {self.cap:g}x its mode can reach here"
        if self.kind == "shared":
            return f"other programs used {self.others:.1f} cores during its runs"
        if self.kind == "starved":
            return (f"it kept only {self.baseline_busy:.2f} of a core busy while other "
                    "programs took the rest")
        if self.others is not None:
            return f"other programs used {self.others:.1f} cores during its sequential baseline"
        return (f"its sequential baseline kept only {self.baseline_busy:.2f} of a core busy "
                "while other programs took the rest")

    @property
    def crowd(self) -> float | None:
        """The cores other programs used, when they are part of the reason: always for
        shared runs (they took cores the runs needed), from
        :data:`~gil_tui.engine.run.share.SHARED` on otherwise (a speedup beyond its cap
        measured the figure too, but a quiet machine's 0.02 cores explain nothing)."""
        if self.others is None:
            return None
        if self.kind in ("shared", "baseline") or self.others >= SHARED:
            return self.others
        return None


def most_others(runs: Iterable[RunResult]) -> float | None:
    """The most cores other programs used during one of ``runs`` (None: not measured)."""
    values = [r.others_cores for r in runs if r.others_cores is not None]
    return max(values) if values else None


def cap(workload: object, mode: object, workers: int, cores: int | None,
        gil_enabled: bool | None, tasks: int | None) -> float:
    """The speedup a mode can reach here: its cores on CPU work, its overlapping workers
    (never more than the tasks) on waiting work."""
    value = str(getattr(workload, "value", workload))
    if value in ("io", "sleep"):
        return float(min(max(1, workers), tasks or workers))
    return max(1.0, expected_cores(workload, mode, workers, cores, gil_enabled, tasks))


def run_noise(workload: object, runs: list[RunResult], cores: int | None,
              needed: float) -> Noise | None:
    """Did other programs take cores ``runs`` needed (``needed`` cores each)?"""
    if needed <= 0 or not cores:
        return None
    crowd = [r.others_cores for r in runs if crowded(r.others_cores, cores, needed)]
    return Noise("shared", others=max(crowd)) if crowd else None


def baseline_noise(workload: object, baseline: list[RunResult], cores: int | None) -> Noise | None:
    """Was a CPU-bound sequential baseline shared, or short of a whole core?"""
    if str(getattr(workload, "value", workload)) in ("io", "sleep") or not baseline:
        return None
    shared = run_noise(workload, baseline, cores, 1.0)
    if shared is not None:
        return Noise("baseline", others=shared.others)
    least = min(r.busy_cores for r in baseline)
    if least < CONTENDED:
        return Noise("baseline", others=None, baseline_busy=least)
    return None


def point_noise(workload: object, mode: object, workers: int, cores: int | None,
                gil_enabled: bool | None, tasks: int | None, speedup: float | None,
                runs: list[RunResult], baseline: list[RunResult]) -> Noise | None:
    """The noise of one figure: ``speedup`` of ``runs`` against ``baseline``'s median."""
    limit = cap(workload, mode, workers, cores, gil_enabled, tasks)
    if speedup is not None and speedup >= max(SCALED, BEYOND * limit):
        return Noise("beyond", others=most_others([*runs, *baseline]), cap=limit)
    shared = run_noise(workload, runs, cores,
                       expected_cores(workload, mode, workers, cores, gil_enabled, tasks))
    if shared is not None:
        return shared
    return baseline_noise(workload, baseline, cores)


def cell_noise(result, cell) -> Noise | None:
    """The noise of one matrix cell (a :class:`~gil_tui.engine.compare.model.Cell` of
    ``result``), or None when its figures can be read as they are."""
    if not cell.ok or not cell.runs:
        return None
    base = result.cell(cell.target.path, Mode.SEQUENTIAL)
    baseline = base.runs if base is not None and base.ok else []
    if cell.mode is Mode.SEQUENTIAL:  # the baseline itself: said of its own runs
        found = baseline_noise(result.workload, cell.runs, result.cores)
        if found is None or found.others is not None:
            return found if found is None else Noise("shared", others=found.others)
        return Noise("starved", baseline_busy=found.baseline_busy)
    return point_noise(result.workload, cell.mode, cell.workers, result.cores,
                       cell.gil_enabled, result.plan.tasks, cell.speedup, cell.runs, baseline)


def matrix_noise(result) -> dict[tuple[str, str, int], Noise]:
    """cell key -> its noise, for every noisy cell of ``result``."""
    out = {}
    for cell in result.cells:
        found = cell_noise(result, cell)
        if found is not None:
            out[cell.key] = found
    return out
