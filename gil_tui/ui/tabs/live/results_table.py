"""ResultsTable: every finished run of the sitting, newest first."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import DataTable

from gil_tui.engine.run.session import RunRecord

COLUMNS = ("workload", "mode", "workers", "python", "wall", "speedup", "cores busy")


def python_cell(record: RunRecord) -> str:
    if record.result is None:
        return ""
    info = record.result.interpreter
    gil = "GIL off" if info.gil_enabled is False else "GIL"
    return f"{info.version}{'t' if info.free_threaded else ''} {gil}"


def speedup_cell(record: RunRecord) -> Text:
    if record.result is None:
        return Text(record.status, style="yellow" if record.cancelled else "bold red")
    if record.speedup is None:
        return Text("?", style="dim")
    style = "bold green" if record.speedup >= 1.3 else "yellow" if record.speedup >= 0.9 \
        else "red"
    return Text(f"{record.speedup:.2f}x", style=style)


class ResultsTable(DataTable):
    """Finished runs: what ran, how long it took, how much faster than sequential."""

    DEFAULT_CSS = """
    ResultsTable { height: auto; max-height: 8; min-height: 3; }
    """

    def on_mount(self) -> None:
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
                speedup_cell(record),
                f"{result.busy_cores:.2f}" if result else "",
                key=str(n),
            )
        if records:
            self.move_cursor(row=0)
