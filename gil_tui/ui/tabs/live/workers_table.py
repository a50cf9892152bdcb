"""WorkersTable: each worker of the Live run with its thread or process, CPU % and progress."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from gil_tui.engine.run.tracker import WorkerRow, progress_fraction
from gil_tui.engine.text import bytes_text, plural
from gil_tui.ui.text import cpu_cell
from gil_tui.ui.widgets.core_bars import bar
from gil_tui.ui.widgets.text_table import TextTable

COLUMNS = (("who", "who"), ("pid", "pid"), ("tid", "thread id"), ("cpu", "CPU %"),
           ("progress", "share of the work"), ("rss", "RSS"))
#: Fixed widths (cells), so columns do not jump as values come and go during a run;
#: "who" is sized by its content (its key is not here).
WIDTHS = {"pid": 7, "tid": 9, "cpu": 6, "progress": 17, "rss": 10}
#: At most this many rows are drawn; the rest are counted in the last row.
MAX_ROWS = 200


def progress_cell(done: int, total: int, width: int = 8) -> Text:
    """This worker's share of the whole run's steps."""
    if not total:
        return Text("")
    share = progress_fraction(done, total)
    return Text.assemble((bar(share, width), "green"), f" {share:4.0%}")


def rss_cell(rss: int | None) -> str:
    """The memory of a worker process; nothing for a thread (it shares its process's)."""
    return "" if rss is None else bytes_text(rss)


class WorkersTable(VerticalScroll):
    """The run's workers; redrawn a few times a second during a run.

    Text in a scroll, not a DataTable: the DataTable re-rendered every cell at each
    update (11 ms a time here, 4 times a second, while the run being measured wanted
    the CPU).
    """

    # As tall as its rows (the header and every worker), up to half the space below the
    # cores, where it scrolls; the results below get the rest (see LivePane).
    DEFAULT_CSS = """
    WorkersTable { height: auto; min-height: 3; max-height: 50%; }
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
            [row.label + (f" ✓ {plural(row.tasks, 'task')}" if row.finished else ""),
             str(row.pid or ""), "" if row.tid is None else str(row.tid),
             cpu_cell(row.cpu_percent), progress_cell(row.done, row.total),
             rss_cell(row.rss)]
            for row in rows[:MAX_ROWS]
        ]
        if hidden:
            cells.append([f"+{hidden} more", "", "", "", "", ""])
        who = max([len(COLUMNS[0][1]), *(len(str(row[0])) for row in cells)])
        widths = [who, *(WIDTHS[key] for key, _ in COLUMNS[1:])]
        self.table.show([label for _, label in COLUMNS], cells, widths)
