"""Past runs from the history, put back into matrices and given their speedups.

The Compare tab reloads the history through :func:`matrices_from_history`: one
:class:`~gil_tui.engine.compare.model.MatrixResult` per compare matrix (its id), and one
per group of other runs (live, bench) that did the same work. Runs are grouped
per machine, and imported runs never share a group with this machine's runs,
so a speedup always divides two times measured on the same machine.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Hashable, Iterable

from gil_tui.engine.history.store import HistoryEntry
from gil_tui.engine.compare.model import Cell, MatrixPlan, MatrixResult, Target
from gil_tui.engine.run.spec import Mode, RunSpec

__all__ = ["group_key", "matrices_from_history", "entry_speedups"]


def _work(spec: RunSpec) -> tuple:
    io = spec.workload.io_bound
    return (spec.workload.value, None if io else spec.scale, spec.effective_tasks,
            spec.delay_ms if io else None)


def group_key(entry: HistoryEntry) -> Hashable:
    """Entries with the same key belong to one table: same machine, same origin, same
    matrix (or, outside matrices, the same work)."""
    where = (entry.machine_key, entry.imported)
    if entry.matrix:
        return (*where, "matrix", entry.matrix)
    return (*where, "work", _work(entry.result.spec))


def _interp_key(entry: HistoryEntry) -> str:
    return entry.result.interpreter.path


def entry_speedups(entries: Iterable[HistoryEntry]) -> list[float | None]:
    """Each entry's speedup against the median sequential run of its group and interpreter."""
    items = list(entries)
    base: dict[tuple, list[float]] = {}
    for e in items:
        if e.result.spec.mode is Mode.SEQUENTIAL:
            key = (group_key(e), _work(e.result.spec), _interp_key(e))
            base.setdefault(key, []).append(e.result.wall_s)
    out: list[float | None] = []
    for e in items:
        walls = base.get((group_key(e), _work(e.result.spec), _interp_key(e)))
        if not walls or e.result.wall_s <= 0:
            out.append(None)
        else:
            out.append(statistics.median(walls) / e.result.wall_s)
    return out


def _matrix_of(key: Hashable, group: list[HistoryEntry]) -> MatrixResult:
    first = group[0]
    spec = first.result.spec
    targets: dict[str, Target] = {}
    cells: dict[tuple[str, Mode, int], Cell] = {}
    for e in group:
        info = e.result.interpreter
        target = targets.setdefault(info.path, Target.from_info(info))
        s = e.result.spec
        cell = cells.get((info.path, s.mode, s.workers))
        if cell is None:
            cell = cells[(info.path, s.mode, s.workers)] = Cell(target, s.mode, s.workers,
                                                                status="ok")
        cell.runs.append(e.result)
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
    result = MatrixResult(plan, matrix_id, ordered, dict(first.machine),
                          started_at=min(e.result.started_at for e in group),
                          imported=first.imported)
    result.finished_at = max(e.result.started_at + e.result.wall_s for e in group)
    result.sources = sorted({e.origin or e.source for e in group})
    result.refresh()
    return result


def matrices_from_history(entries: Iterable[HistoryEntry]) -> list[MatrixResult]:
    """Tables of past runs, oldest first; each one machine's, never mixed."""
    groups: dict[Hashable, list[HistoryEntry]] = {}
    for entry in entries:
        groups.setdefault(group_key(entry), []).append(entry)
    results = [_matrix_of(key, group) for key, group in groups.items()]
    results.sort(key=lambda r: r.started_at)
    return results
