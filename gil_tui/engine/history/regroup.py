"""Past runs from the history, put back into tables and given their speedups.

The Compare tab reloads the history through :func:`tables_from_history`: one
:class:`~gil_tui.engine.compare.sweep.SweepResult` per scaling sweep (its runs carry
the sweep's id, ``sweep-...``), one
:class:`~gil_tui.engine.compare.model.MatrixResult` per compare matrix (its id), and
one per group of other runs (live, bench) that did the same work. Runs are
grouped per machine, and imported runs never share a group with this machine's
runs, so a speedup always divides two times measured on the same machine.

A run's speedup (:func:`entry_speedups`, :class:`Baselines`; ``gil-tui results``
prints them) follows the one rule of :mod:`gil_tui.engine.run.session`: outside
matrices, against the latest sequential run of the same work before it (what
the Live tab showed); in a matrix or a sweep, against the median of its
sequential runs on that interpreter (what the matrix and the sweep showed).
A table of live/bench runs shows, per cell, the median of its runs' speedups.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Hashable, Iterable, Union

from gil_tui.engine.compare.model import Cell, MatrixPlan, MatrixResult, Target
from gil_tui.engine.compare.sweep import SweepPlan, SweepResult
from gil_tui.engine.history.entry import HistoryEntry, machine_cores
from gil_tui.engine.run.session import LatestBaselines, result_work_key, speedup_against
from gil_tui.engine.run.spec import Mode, RunSpec

__all__ = ["Baselines", "SWEEP_PREFIX", "Table", "entry_speedups", "group_key", "is_sweep",
           "matrices_from_history", "tables_from_history"]

#: the id of a sweep's runs in the history starts with this (a matrix's never does)
SWEEP_PREFIX = "sweep-"

Table = Union[MatrixResult, SweepResult]


def _work(spec: RunSpec) -> tuple:
    io = spec.workload.io_bound
    return (spec.workload.value, None if io else spec.scale, spec.effective_tasks,
            spec.delay_ms if io else None)


def group_key(entry: HistoryEntry) -> Hashable:
    """Entries with the same key belong to one table: same machine, same origin, same
    matrix or sweep (or, outside them, the same work)."""
    where = (entry.machine_key, entry.imported)
    if entry.matrix:
        return (*where, "matrix", entry.matrix)
    return (*where, "work", _work(entry.result.spec))


class Baselines:
    """The baselines of the runs, gathered one entry at a time (a history is read as a
    stream): what each entry's speedup divides. Keeps one float per sequential run and a
    small int per baseline, never the entries (nor their strings).

    ``add(entry)`` returns a token; once every entry was added, ``speedup_of(token,
    wall_s)`` is that entry's speedup (a matrix's median is known only at the end).
    """

    def __init__(self) -> None:
        self._latest: LatestBaselines[float] = LatestBaselines()
        #: token -> the sequential wall times of a matrix or sweep on one interpreter
        self._groups: dict[int, list[float]] = {}
        self._group_tokens: dict[int, int] = {}
        self._medians: dict[int, float] = {}

    @staticmethod
    def key(e: HistoryEntry) -> int:
        """Entries with the same key may share a baseline (the hash of table, work and
        interpreter: two different ones collide once in ~10^19)."""
        return hash((group_key(e), result_work_key(e.result)))

    def add(self, e: HistoryEntry) -> int:
        """Count the entry; returns its baseline's token (-1: none yet)."""
        sequential = e.result.spec.mode is Mode.SEQUENTIAL
        if not e.matrix:
            token = self._latest.add(self.key(e), sequential, e.result.wall_s)
            return -1 if token is None else token
        key = self.key(e)
        token = self._group_tokens.setdefault(key, -2 - len(self._group_tokens))
        if sequential:
            self._groups.setdefault(token, []).append(e.result.wall_s)
            self._medians.pop(token, None)
        return token

    def baseline_s(self, token: int) -> float | None:
        if token >= 0:
            return self._latest[token]
        walls = self._groups.get(token)
        if not walls:
            return None
        if token not in self._medians:
            self._medians[token] = statistics.median(walls)
        return self._medians[token]

    def speedup_of(self, token: int, wall_s: float) -> float | None:
        return speedup_against(self.baseline_s(token), wall_s)


def entry_speedups(entries: Iterable[HistoryEntry]) -> list[float | None]:
    """Each entry's speedup, by the rule of the module docstring (oldest entry first)."""
    items = list(entries)
    base = Baselines()
    tokens = [base.add(e) for e in items]
    return [base.speedup_of(t, e.result.wall_s) for t, e in zip(tokens, items)]


def is_sweep(group: list[HistoryEntry]) -> bool:
    """A sweep's runs: its id, one interpreter, one parallel mode besides sequential."""
    first = group[0]
    if not (first.matrix or "").startswith(SWEEP_PREFIX):
        return False
    paths = {e.result.interpreter.path for e in group}
    modes = {e.result.spec.mode for e in group} - {Mode.SEQUENTIAL}
    return len(paths) == 1 and len(modes) <= 1


def _finish(table: Table, group: list[HistoryEntry]) -> None:
    first = group[0]
    table.machine = dict(first.machine)
    table.started_at = min(e.result.started_at for e in group)
    table.finished_at = max(e.result.started_at + e.result.wall_s for e in group)
    table.imported = first.imported
    table.sources = sorted({e.origin or e.source for e in group})


def _sweep_of(group: list[HistoryEntry]) -> SweepResult:
    first = group[0]
    info = first.result.interpreter
    spec = first.result.spec
    parallel = [e.result for e in group if e.result.spec.mode is not Mode.SEQUENTIAL]
    mode = parallel[0].spec.mode if parallel else Mode.THREADS
    runs: dict[int, list] = {}
    for r in parallel:
        runs.setdefault(r.spec.workers, []).append(r)
    baseline = [e.result for e in group if e.result.spec.mode is Mode.SEQUENTIAL]
    counts = [len(baseline), *(len(v) for v in runs.values())]
    cores = machine_cores(first.machine) or info.cpu_count or 1
    plan = SweepPlan(spec.workload, mode, Target.from_info(info),
                     max(runs, default=1), cores, spec.scale, max(1, max(counts)),
                     spec.effective_tasks, spec.delay_ms)
    result = SweepResult(plan, baseline=baseline, runs=dict(sorted(runs.items())),
                         sweep_id=first.matrix)
    _finish(result, group)
    return result


def _matrix_of(group: list[HistoryEntry], speedups: list[float | None]) -> MatrixResult:
    first = group[0]
    spec = first.result.spec
    targets: dict[str, Target] = {}
    cells: dict[tuple[str, Mode, int], Cell] = {}
    for e, gain in zip(group, speedups):
        info = e.result.interpreter
        target = targets.setdefault(info.path, Target.from_info(info))
        s = e.result.spec
        cell = cells.get((info.path, s.mode, s.workers))
        if cell is None:
            cell = cells[(info.path, s.mode, s.workers)] = Cell(
                target, s.mode, s.workers, status="ok",
                run_speedups=None if first.matrix else [])
        cell.runs.append(e.result)
        if cell.run_speedups is not None:
            cell.run_speedups.append(gain)
    parallel = [c.workers for c in cells.values() if c.mode is not Mode.SEQUENTIAL]
    workers = Counter(parallel).most_common(1)[0][0] if parallel else 1
    repeat = max(len(c.runs) for c in cells.values())
    plan = MatrixPlan(spec.workload, tuple(targets.values()), workers, spec.scale, repeat,
                      spec.effective_tasks, spec.delay_ms)
    order = {m: n for n, m in enumerate(plan.modes)}
    paths = list(targets)
    ordered = sorted(cells.values(), key=lambda c: (paths.index(c.target.path),
                                                    order.get(c.mode, 9), c.workers))
    matrix_id = first.matrix or f"runs-{spec.workload.value}"
    result = MatrixResult(plan, matrix_id, ordered)
    _finish(result, group)
    result.refresh()
    return result


def tables_from_history(entries: Iterable[HistoryEntry]) -> list[Table]:
    """Sweeps and matrices of past runs, oldest first; each one machine's, never mixed."""
    items = list(entries)
    gains = entry_speedups(items)
    groups: dict[Hashable, list[int]] = {}
    for n, entry in enumerate(items):
        groups.setdefault(group_key(entry), []).append(n)
    tables: list[Table] = []
    for rows in groups.values():
        group = [items[n] for n in rows]
        tables.append(_sweep_of(group) if is_sweep(group)
                      else _matrix_of(group, [gains[n] for n in rows]))
    tables.sort(key=lambda t: t.started_at or 0.0)
    return tables


def matrices_from_history(entries: Iterable[HistoryEntry]) -> list[MatrixResult]:
    """The matrices of :func:`tables_from_history` (sweeps left out), oldest first."""
    return [t for t in tables_from_history(entries) if isinstance(t, MatrixResult)]
