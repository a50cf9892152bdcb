"""ResultsTable: every finished run of the sitting, newest first."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import DataTable

from gil_tui.engine.run.session import RunRecord
from gil_tui.ui.text import python_gil, speedup_cell

COLUMNS = ("workload", "mode", "workers", "python", "wall", "speedup", "cores busy")


def python_cell(record: RunRecord) -> str:
    """``3.13.1 GIL``, ``3.14.0t GIL off`` (empty for a run without a result)."""
    if record.result is None:
        return ""
    info = record.result.interpreter
    label = info.version + ("t" if info.free_threaded else "")
    return python_gil(label, info.free_threaded, info.gil_enabled)


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

    def on_mount(self) -> None:
        self.border_title = TITLE
        self.cursor_type = "row"
        for name in COLUMNS:
            self.add_column(name, key=name)

    def show_records(self, records: Sequence[RunRecord]) -> None:
        self.clear()
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
                python_cell(record),
                f"{result.wall_s:.2f} s" if result else "",
                outcome_cell(record),
                f"{result.busy_cores:.2f}" if result else "",
                key=str(n),
            )
        if records:
            self.move_cursor(row=0)
        shared = any(r.shared for r in records)
        self.border_title = TITLE + (f" · {SHARED_NOTE}" if shared else "")
