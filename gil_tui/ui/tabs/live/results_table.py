"""ResultsTable: every finished run of the sitting, newest first."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import DataTable

from gil_tui.engine.run.session import RunRecord
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.ui.text import python_gil, speedup_cell

COLUMNS = ("workload", "mode", "workers", "python", "wall", "speedup", "cores busy")


def interpreter_cell(version: str, free_threaded: bool | None,
                     gil_enabled: bool | None) -> str:
    """``3.13.1 GIL``, ``3.14.0t GIL off``."""
    return python_gil(version + ("t" if free_threaded else ""), free_threaded, gil_enabled)


def python_cell(record: RunRecord) -> str:
    """``3.13.1 GIL``, ``3.14.0t GIL off`` (empty for a run without a result)."""
    if record.result is None:
        return ""
    info = record.result.interpreter
    return interpreter_cell(info.version, info.free_threaded, info.gil_enabled)


def found_cell(python: str | None, found: Sequence[Interpreter]) -> str:
    """The python cell of an interpreter from what discovery found of it (a run that
    ended before its worker said which it is); ``this Python`` or "" when not found."""
    interp = next((i for i in found if (i.path == python if python is not None
                                        else i.source == "current")), None)
    if interp is not None and interp.version:
        return interpreter_cell(interp.version, interp.free_threaded, interp.gil_enabled)
    return "this Python" if python is None else ""


def python_cells(records: Sequence[RunRecord], noted: dict[int, str]) -> list[str]:
    """The python column: each run's interpreter; for a run without a result (cancelled,
    failed) what was noted of it, else that of an earlier run in the same interpreter."""
    cells: list[str] = []
    seen: dict[str | None, str] = {}
    for n, record in enumerate(records):
        cell = python_cell(record) or noted.get(n) or seen.get(record.spec.python, "")
        if record.result is not None or record.spec.python not in seen:
            seen[record.spec.python] = cell
        cells.append(cell)
    return cells


#: After the speedup of a run whose machine was shared (other programs took cores it
#: needed): the figure is noise, not a result (the explanation says so).
SHARED_MARK = " *"
SHARED_NOTE = "* other programs were busy: a noisy figure"
TITLE = "Results, newest first"


def outcome_cell(record: RunRecord) -> Text:
    """The speedup in the colour of its level; ``?`` without a baseline; or why it failed.
    Dimmed and marked when other programs took cores the run needed."""
    if record.result is None:
        return Text(record.status, style="yellow" if record.cancelled else "bold red")
    if record.speedup is None:
        return Text("?" + (SHARED_MARK if record.shared else ""), style="dim")
    if record.shared:
        return speedup_cell(record.speedup, style="dim") + SHARED_MARK
    return speedup_cell(record.speedup)


class ResultsTable(DataTable):
    """Finished runs: what ran, how long it took, how much faster than sequential."""

    # What the workers leave (they are sized to their rows first): at least a row.
    DEFAULT_CSS = """
    ResultsTable { height: 1fr; min-height: 3; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: What is known of the interpreter of a run without a result, by its position.
        self.noted: dict[int, str] = {}

    def note_python(self, index: int, cell: str) -> None:
        """The python cell of the run at ``index`` (one without a result: cancelled)."""
        if cell:
            self.noted[index] = cell

    def on_mount(self) -> None:
        self.border_title = TITLE
        self.cursor_type = "row"
        for name in COLUMNS:
            self.add_column(name, key=name)

    def show_records(self, records: Sequence[RunRecord]) -> None:
        self.clear()
        pythons = python_cells(records, self.noted)
        for n, record in reversed(list(enumerate(records))):
            spec = record.spec
            workers = "1" if spec.mode.value == "sequential" else str(spec.workers)
            if spec.start_method:
                workers += f" {spec.start_method}"
            result = record.result
            self.add_row(
                spec.workload.value + (" (auto)" if record.auto_baseline else ""),
                spec.mode.value,
                workers,
                pythons[n],
                f"{result.wall_s:.2f} s" if result else "",
                outcome_cell(record),
                f"{result.busy_cores:.2f}" if result else "",
                key=str(n),
            )
        if records:
            self.move_cursor(row=0)
        shared = any(r.shared for r in records)
        self.border_title = TITLE + (f" · {SHARED_NOTE}" if shared else "")
