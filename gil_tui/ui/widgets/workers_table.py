"""WorkersTable: each worker of the run with its thread or process, CPU % and progress."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from gil_tui.engine.run.tracker import WorkerRow
from gil_tui.ui.widgets.core_bars import bar
from gil_tui.ui.widgets.text_table import TextTable

COLUMNS = (("who", "who"), ("pid", "pid"), ("tid", "thread id"), ("cpu", "CPU %"),
           ("progress", "share of the work"), ("rss", "RSS"))
#: Fixed widths (cells), so columns do not jump as values come and go during a run;
#: "who" is sized by its content (its key is not here).
WIDTHS = {"pid": 7, "tid": 9, "cpu": 6, "progress": 17, "rss": 10}
#: At most this many rows are drawn; the rest are counted in the last row.
MAX_ROWS = 200


def human_bytes(value: int | None) -> str:
    if value is None:
        return ""
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def progress_cell(done: int, total: int, width: int = 8) -> Text:
    """This worker's share of the whole run's steps."""
    if not total:
        return Text("")
    return Text.assemble((bar(done / total, width), "green"), f" {done / total:4.0%}")


def cpu_cell(percent: float | None) -> Text:
    if percent is None:
        return Text("–", style="dim")
    style = "green" if percent < 50 else "yellow" if percent < 85 else "bold red"
    return Text(f"{percent:5.0f}%", style=style, justify="right")


class WorkersTable(VerticalScroll):
    """The run's workers; redrawn a few times a second during a run.

    Text in a scroll, not a DataTable: the DataTable re-rendered every cell at each
    update (11 ms a time here, 4 times a second, while the run being measured wanted
    the CPU).
    """

    DEFAULT_CSS = """
    WorkersTable { height: 1fr; min-height: 3; }
    """

    def compose(self) -> ComposeResult:
        yield TextTable()

    def on_mount(self) -> None:
        self.table = self.query_one(TextTable)
        self.show_rows([])  # the header, before any run

    def show_rows(self, rows: Sequence[WorkerRow]) -> None:
        """Show exactly these rows (the first MAX_ROWS, then a count of the rest)."""
        hidden = max(0, len(rows) - MAX_ROWS)
        cells: list[list[str | Text]] = [
            [row.label + (f" ✓ {row.tasks} tasks" if row.finished else ""),
             str(row.pid or ""), "" if row.tid is None else str(row.tid),
             cpu_cell(row.cpu_percent), progress_cell(row.done, row.total),
             human_bytes(row.rss)]
            for row in rows[:MAX_ROWS]
        ]
        if hidden:
            cells.append([f"+{hidden} more", "", "", "", "", ""])
        who = max([len(COLUMNS[0][1]), *(len(str(row[0])) for row in cells)])
        widths = [who, *(WIDTHS[key] for key, _ in COLUMNS[1:])]
        self.table.show([label for _, label in COLUMNS], cells, widths)
