"""The history as text, Markdown, CSV and JSON, written as it is read.

``gil-tui results`` prints a history of any size with memory flat in the number
of runs: the history is read once, as a stream (:meth:`HistoryStore.scan`),
keeping in memory only what the table needs (the sequential runs' wall times
for the speedups, the column widths) while the formatted rows wait in a
temporary file; once every run was seen, the rows are printed one by one with
their speedups. The JSON object is written as the history is read, its
``entries`` one at a time.

Every string that did not come from gil-tui (host names, interpreter paths and
versions, matrix ids...) is cleaned here again, whatever the reader did: text
and Markdown cells with :func:`~gil_tui.engine.text.clean_line` (Markdown also
escapes ``|``), CSV cells with :func:`~gil_tui.engine.text.csv_cell` (a cell
starting with ``= + - @`` is defused for spreadsheets).

* text: aligned columns (``No runs in the history yet.`` when empty)
* Markdown: one table, ``| Date | Machine | ... |``
* CSV: one row per run (the columns of :data:`CSV_COLUMNS`)
* JSON: ``{"kind": "gil-tui-results", "format": 1, "machine": {...}, "history":
  path, "entries": [...], "warnings": [...]}`` on one line (``results --import``
  takes it on another machine)
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from typing import Any, Callable, Iterable, Iterator, Sequence, TextIO

from gil_tui.engine.history.entry import HistoryEntry
from gil_tui.engine.history.export import EXPORT_FORMAT, date_text, iso_date
from gil_tui.engine.history.regroup import Baselines
from gil_tui.engine.run.spec import Workload
from gil_tui.engine.text import clean_line, csv_cell, seconds, speedup

__all__ = [
    "CSV_COLUMNS", "EMPTY", "Scan",
    "write_text", "write_markdown", "write_csv", "write_json",
    "history_text", "history_markdown", "history_csv", "history_json",
]

#: a pass over the history: ``scan(warnings)`` yields entries; warnings (a list, or None
#: to drop them) are filled in when the pass ends. ``HistoryStore.scan`` is one.
Scan = Callable[[Any], Iterator[HistoryEntry]]

EMPTY = "No runs in the history yet.\n"
HEAD = ("date", "machine", "source", "python", "gil", "workload", "mode", "workers", "wall",
        "busy cores", "speedup")
CSV_COLUMNS = ("date", "hostname", "cores", "source", "origin", "imported", "matrix", "python",
               "version", "free_threaded", "gil_enabled", "workload", "mode", "workers", "tasks",
               "scale", "delay_ms", "start_method", "wall_s", "cpu_s", "busy_cores", "speedup")


def _cells(e: HistoryEntry) -> list[str]:
    """One row of the text and Markdown tables but its speedup (the last column, known only
    once every run was seen), every cell cleaned."""
    r = e.result
    interp = r.interpreter
    version = interp.version + ("t" if interp.free_threaded else "")
    gil = "off" if interp.gil_enabled is False else "on"
    source = e.source if not e.imported else f"imported ({e.origin or '?'})"
    what = r.spec.workload.value
    if r.spec.workload is not Workload.IO and r.spec.workload is not Workload.SLEEP:
        what += f" x{r.spec.scale:g}"
    return [date_text(r.started_at), clean_line(e.machine_label), clean_line(source),
            clean_line(version), gil, what, r.spec.mode.value, str(r.spec.workers),
            seconds(r.wall_s), f"{r.busy_cores:.2f}"]


def _csv_values(e: HistoryEntry) -> list[Any]:
    """The CSV row of an entry, without its speedup (the last column), cells defused."""
    r = e.result
    values = [
        iso_date(r.started_at), e.machine.get("hostname"), e.cores, e.source, e.origin,
        e.imported, e.matrix, r.interpreter.path, r.interpreter.version,
        r.interpreter.free_threaded, r.interpreter.gil_enabled, r.spec.workload.value,
        r.spec.mode.value, r.spec.workers, r.tasks, r.spec.scale, r.spec.delay_ms,
        r.start_method, round(r.wall_s, 4), round(r.cpu_s, 4), round(r.busy_cores, 3),
    ]
    return ["" if v is None else csv_cell(v) for v in values]


def md_cell(text: Any) -> str:
    """A Markdown table cell: cleaned to one line, ``|`` escaped."""
    return clean_line(text).replace("|", "\\|")


class _Spool:
    """The rows of the first pass, kept on disk until the second (memory stays flat), each
    with its speedup key and wall time (speedups are known only once every run was seen)."""

    def __init__(self) -> None:
        self.base = Baselines()
        self.count = 0
        self._file = tempfile.TemporaryFile()

    def add(self, e: HistoryEntry, cells: list[Any]) -> None:
        key = self.base.add(e)
        self._file.write(_dumps([key, e.result.wall_s, *cells]).encode("utf-8") + b"\n")
        self.count += 1

    def rows(self) -> Iterator[tuple[float | None, list[Any]]]:
        """``(speedup, cells)`` in the order they were added."""
        self._file.seek(0)
        for line in self._file:
            key, wall, *cells = json.loads(line)
            yield self.base.speedup_of(key, wall), cells

    def __enter__(self) -> "_Spool":
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


def write_text(scan: Scan, out: TextIO, warnings: list[str] | None = None) -> int:
    """The aligned table; returns how many runs it shows."""
    widths = [len(h) for h in HEAD]
    with _Spool() as spool:
        for e in scan(warnings):  # pass 1: column widths, speedup baselines, rows to disk
            cells = _cells(e)
            for n, cell in enumerate(cells):  # the last column (speedup) is never padded
                widths[n] = max(widths[n], len(cell))
            spool.add(e, cells)
        if not spool.count:
            out.write(EMPTY)
            return 0

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n"

        out.write(line([h.upper() for h in HEAD]))
        for gain, cells in spool.rows():  # pass 2: the rows
            out.write(line(cells + [speedup(gain)]))
        return spool.count


def write_markdown(scan: Scan, out: TextIO, warnings: list[str] | None = None) -> int:
    with _Spool() as spool:
        for e in scan(warnings):
            spool.add(e, [md_cell(x) for x in _cells(e)])
        out.write("| " + " | ".join(h.capitalize() for h in HEAD) + " |\n")
        out.write("|" + "---|" * 7 + "---:|" * 4 + "\n")
        for gain, cells in spool.rows():
            out.write("| " + " | ".join(cells + [speedup(gain)]) + " |\n")
        return spool.count


def write_csv(scan: Scan, out: TextIO, warnings: list[str] | None = None) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    with _Spool() as spool:
        for e in scan(warnings):
            spool.add(e, _csv_values(e))
        for gain, cells in spool.rows():
            writer.writerow(cells + ["" if gain is None else round(gain, 3)])
        return spool.count


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def write_json(scan: Scan, out: TextIO, warnings: list[str] | None = None, *,
               machine: dict[str, Any] | None = None, path: str | None = None) -> int:
    """The ``results --json`` object on one line, in one pass (``warnings`` comes last)."""
    found: list[str] = []
    out.write('{"kind":"gil-tui-results","format":' + _dumps(EXPORT_FORMAT)
              + ',"machine":' + _dumps(dict(machine or {})) + ',"history":' + _dumps(path)
              + ',"entries":[')
    count = 0
    for e in scan(found):
        out.write(("," if count else "") + _dumps(e.to_dict()))
        count += 1
    if warnings is not None:
        warnings.extend(found)
    out.write('],"warnings":' + _dumps(found) + "}\n")
    return count


# ------------------------------------------------- the same for a list of entries


def _of(entries: Iterable[HistoryEntry]) -> Scan:
    items = list(entries)
    return lambda warnings=None: iter(items)


def history_text(entries: Iterable[HistoryEntry]) -> str:
    out = io.StringIO()
    write_text(_of(entries), out)
    return out.getvalue()


def history_markdown(entries: Iterable[HistoryEntry]) -> str:
    out = io.StringIO()
    write_markdown(_of(entries), out)
    return out.getvalue()


def history_csv(entries: Iterable[HistoryEntry]) -> str:
    out = io.StringIO()
    write_csv(_of(entries), out)
    return out.getvalue()


def history_json(entries: Iterable[HistoryEntry], *, machine: dict[str, Any] | None = None,
                 path: str | None = None, warnings: Sequence[str] = ()) -> dict[str, Any]:
    """The ``results --json`` object (importable elsewhere) as a dict."""
    return {"kind": "gil-tui-results", "format": EXPORT_FORMAT, "machine": dict(machine or {}),
            "history": path, "entries": [e.to_dict() for e in entries],
            "warnings": list(warnings)}
