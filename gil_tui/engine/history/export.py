"""Matrices and history entries as text, Markdown, CSV and JSON.

The JSON shapes are an API (``compare --json``, ``results --json``) and can be
imported on another machine (``results --import``), so both carry the machine
description (hostname, cores, platform...) and every run in the history-line
shape (``RunResult.to_dict()`` + ``machine``, ``source``, ``matrix``).

* ``compare --json``: ``{"kind": "gil-tui-compare", "format": 1, "matrix": id,
  "workload", "workers", "scale", "tasks", "delay_ms", "repeat", "machine": {...},
  "date", "started_at", "finished_at", "cancelled", "interpreters": [...],
  "rows": [one per interpreter x mode], "verdict", "warnings", "runs": [...]}``
* ``results --json``: ``{"kind": "gil-tui-results", "format": 1, "machine": {...},
  "history": path, "entries": [...], "warnings": [...]}``, written as the history
  streams by :mod:`gil_tui.engine.history.listing` (with the history's text, Markdown
  and CSV tables).

Strings that did not come from gil-tui (paths, host names, error texts) are
cleaned in every format: :func:`~gil_tui.engine.text.clean_line` in text and
Markdown (which also escapes ``|``), :func:`~gil_tui.engine.text.csv_cell` in CSV.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
import time
from typing import Any, Sequence

from gil_tui.engine.compare.model import Cell, MatrixResult
from gil_tui.engine.compare.noise import Noise, matrix_noise
from gil_tui.engine.compare.verdict import verdict
from gil_tui.engine.history.entry import HistoryEntry, machine_cores, machine_label
from gil_tui.engine.run.spec import Mode
from gil_tui.engine.text import clean_line, csv_cell, plural, seconds, speedup

__all__ = [
    "date_text", "dumps", "iso_date",
    "matrix_rows", "matrix_json", "matrix_markdown", "matrix_csv", "matrix_text",
]

EXPORT_FORMAT = 1


def date_text(timestamp: float | None) -> str:
    if not timestamp:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def iso_date(timestamp: float | None) -> str | None:
    if not timestamp:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(timestamp))


def _range_text(cell: Cell) -> str:
    if cell.min_s is None or cell.max_s is None:
        return "-"
    if len(cell.runs) == 1:
        return "-"
    return f"{seconds(cell.min_s)} - {seconds(cell.max_s)}"


def worker_counts(result: MatrixResult) -> list[int]:
    """The worker counts of the parallel cells (one in a matrix run here; a table of Live
    runs may hold several: threads x4 next to asyncio x16)."""
    counts = {c.workers for c in result.cells
              if c.mode is not Mode.SEQUENTIAL and c.status != "skipped"}
    return sorted(counts) or [result.plan.workers]


def workers_text(result: MatrixResult) -> str:
    """``2 workers``, or ``4/16 workers (rows differ)``."""
    counts = worker_counts(result)
    if len(counts) == 1:
        return plural(result.plan.workers, "worker")
    return f"{'/'.join(map(str, counts))} workers (rows differ)"


def grouped(result: MatrixResult) -> bool:
    """True for a table grouped from separate runs (Live, bench) rather than a matrix:
    its cells hold however many runs were made, not ``repeat`` each."""
    return any(c.run_speedups is not None for c in result.cells)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# ----------------------------------------------------------------- matrices


def matrix_rows(result: MatrixResult) -> list[dict[str, Any]]:
    """One dict per cell (interpreter x mode): the rows of every matrix format."""
    labels = result.labels()
    noise = matrix_noise(result)
    rows = []
    for c in result.cells:
        rows.append({
            "python": c.target.path, "label": labels[c.target.path], "version": c.target.version,
            "mode": c.mode.value, "workers": c.workers, "status": c.status, "error": c.error,
            "runs": len(c.runs), "median_s": _round(c.median_s), "min_s": _round(c.min_s),
            "max_s": _round(c.max_s), "speedup": _round(c.speedup, 3),
            "busy_cores": _round(c.busy_cores, 3), "cpu_s": _round(c.cpu_s),
            "free_threaded": c.free_threaded, "gil_enabled": c.gil_enabled, "gil": c.gil_state,
            "noisy": c.key in noise,
            "noise": noise[c.key].words if c.key in noise else None,
        })
    return rows


def _caption(result: MatrixResult) -> str:
    plan = result.plan
    what = f"{plan.workload.value}: {workers_text(result)}, {plural(plan.tasks or 0, 'task')}"
    if plan.workload.io_bound:
        what += f" of {plan.delay_ms} ms"
    else:
        what += f", scale {plan.scale:g}"
    runs = "1 run per cell" if plan.repeat == 1 else f"median of {plan.repeat} runs per cell"
    if grouped(result):
        runs = f"grouped from {plural(len(result.runs), 'separate run')}"
    where = machine_label(result.machine)
    if result.imported:
        where += ", imported"
    return f"{what}, {runs}, on {where}, {date_text(result.started_at)}"


def matrix_json(result: MatrixResult) -> dict[str, Any]:
    """The ``compare --json`` object."""
    plan = result.plan
    runs = [HistoryEntry(r, result.machine, "compare", result.matrix_id).to_dict()
            for c in result.cells for r in c.runs]
    return {
        "kind": "gil-tui-compare", "format": EXPORT_FORMAT, "matrix": result.matrix_id,
        "workload": plan.workload.value, "workers": plan.workers, "scale": plan.scale,
        "tasks": plan.tasks, "delay_ms": plan.delay_ms, "repeat": plan.repeat,
        "machine": dict(result.machine), "date": iso_date(result.started_at),
        "started_at": result.started_at, "finished_at": result.finished_at,
        "cancelled": result.cancelled,
        "interpreters": [
            {"path": t.path, "version": t.version, "label": result.labels()[t.path],
             "free_threaded": t.free_threaded, "gil_enabled": t.gil_enabled,
             "supported": t.supported, "reason": t.reason} for t in result.targets],
        "rows": matrix_rows(result),
        "verdict": verdict(result),
        "warnings": list(result.warnings),
        "runs": runs,
    }


def _md(text: Any) -> str:
    return clean_line(text).replace("|", "\\|")


_MATRIX_HEAD = ("Python", "GIL", "Mode", "Workers", "Wall (median)", "Min - max", "Speedup",
                "Busy cores")


def _matrix_cells(c: Cell, label: str, noise: Noise | None = None) -> list[str]:
    label = clean_line(label)
    if c.status != "ok":
        status = c.status if c.status != "failed" else clean_line(
            f"failed: {c.error or 'unknown reason'}")
        if c.status == "cancelled":
            status = "cancelled"
        if c.status == "skipped":
            status = clean_line(f"skipped: {c.error or 'not available'}")
        return [label, c.gil_state, c.mode.value, str(c.workers), status, "", "", ""]
    return [label, c.gil_state, c.mode.value, str(c.workers), seconds(c.median_s),
            _range_text(c), speedup(c.speedup) + ("*" if noise is not None else ""),
            f"{c.busy_cores:.2f}" if c.busy_cores is not None else "-"]


def noise_notes(result: MatrixResult, labels: dict[str, str]) -> list[str]:
    """``* noisy, 3.13 threads: other programs used 0.8 cores during its runs``: one
    footnote line per noisy cell (a ``*`` marks its speedup)."""
    noise = matrix_noise(result)
    return [clean_line(f"* noisy, {labels[c.target.path]} {c.mode.value}: {noise[c.key].words}")
            for c in result.cells if c.key in noise]


def matrix_markdown(result: MatrixResult) -> str:
    """A caption, a table ready to paste into an issue or a post, and the verdict."""
    labels = result.labels()
    noise = matrix_noise(result)
    lines = [f"**{_md(_caption(result))}**", "",
             "| " + " | ".join(_MATRIX_HEAD) + " |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for c in result.cells:
        cells = _matrix_cells(c, labels[c.target.path], noise.get(c.key))
        lines.append("| " + " | ".join(_md(x).replace("*", "\\*") for x in cells) + " |")
    notes = noise_notes(result, labels)
    if notes:
        lines += [""] + [_md(n).replace("*", "\\*", 1) + "  " for n in notes]
    lines += ["", _md(verdict(result))]
    return "\n".join(lines) + "\n"


_CSV_MATRIX = ("matrix", "hostname", "cores", "date", "workload", "scale", "tasks", "delay_ms",
               "python", "label", "version", "free_threaded", "gil_enabled", "mode", "workers",
               "status", "runs", "median_s", "min_s", "max_s", "speedup", "busy_cores", "cpu_s",
               "error", "noisy", "noise")


def matrix_csv(result: MatrixResult) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_CSV_MATRIX, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    common = {"matrix": result.matrix_id, "hostname": result.machine.get("hostname"),
              "cores": machine_cores(result.machine), "date": iso_date(result.started_at),
              "workload": result.workload.value, "scale": result.plan.scale,
              "tasks": result.plan.tasks, "delay_ms": result.plan.delay_ms}
    for row in matrix_rows(result):
        writer.writerow({k: csv_cell(v) if isinstance(v, str) else v
                         for k, v in {**common, **row}.items()})
    return out.getvalue()


def _columns(head: Sequence[str], rows: list[list[str]]) -> list[str]:
    """Aligned columns; a row shorter than the head lets its last cell run to the end."""
    widths = [len(h) for h in head]
    for row in rows:
        short = len(row) < len(head)
        for n, cell in enumerate(row):
            if not (short and n == len(row) - 1):
                widths[n] = max(widths[n], len(cell))
    fmt = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    return [fmt([h.upper() for h in head])] + [fmt(r) for r in rows]


def matrix_text(result: MatrixResult, width: int = 100) -> str:
    """The table `gil-tui compare` prints by default, and the verdict under it."""
    labels = result.labels()
    noise = matrix_noise(result)
    rows = []
    for c in result.cells:
        cells = _matrix_cells(c, labels[c.target.path], noise.get(c.key))
        if c.status != "ok":
            cells = cells[:4] + [cells[4]]  # the reason takes the rest of the line
        rows.append(cells)
    head = ("python", "gil", "mode", "workers", "wall", "min - max", "speedup", "busy")
    lines = [clean_line(_caption(result))] + _columns(head, rows)
    lines += noise_notes(result, labels)
    lines.append("")
    lines += textwrap.wrap(clean_line(verdict(result)), width=width)
    # result.warnings ("not saved"...) are said once, on stderr, by the command
    return "\n".join(lines) + "\n"


def dumps(data: dict[str, Any]) -> str:
    """One JSON object on one line (what the --json options print)."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False)
