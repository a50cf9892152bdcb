"""WorkersTable: each worker of the run with its thread or process, CPU % and progress."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import DataTable

from gil_tui.engine.tracker import WorkerRow
from gil_tui.ui.widgets.core_bars import bar

COLUMNS = (("who", "who"), ("pid", "pid"), ("tid", "thread id"), ("cpu", "CPU %"),
           ("progress", "share of the work"), ("rss", "RSS"))
#: Fixed widths (cells), so columns do not jump as values come and go during a run;
#: "who" is sized by its content.
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


class WorkersTable(DataTable):
    """The run's workers; updated in place a few times a second."""

    DEFAULT_CSS = """
    WorkersTable { height: 1fr; min-height: 3; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for key, label in COLUMNS:
            self.add_column(label, key=key, width=WIDTHS.get(key))

    def show_rows(self, rows: Sequence[WorkerRow]) -> None:
        """Make the table hold exactly these rows (updating cells in place)."""
        hidden = max(0, len(rows) - MAX_ROWS)
        rows = list(rows[:MAX_ROWS])
        wanted = [row.key for row in rows]
        for key in [k.value for k in self.rows if k.value not in wanted]:
            self.remove_row(key)
        for row in rows:
            cells = {
                "who": row.label + (f" ✓ {row.tasks} tasks" if row.finished else ""),
                "pid": str(row.pid or ""),
                "tid": "" if row.tid is None else str(row.tid),
                "cpu": cpu_cell(row.cpu_percent),
                "progress": progress_cell(row.done, row.total),
                "rss": human_bytes(row.rss),
            }
            if row.key in self.rows:
                for column, value in cells.items():
                    if self.get_cell(row.key, column) != value:
                        self.update_cell(row.key, column, value, update_width=True)
            else:
                self.add_row(*cells.values(), key=row.key)
        if hidden:
            more = f"+{hidden} more"
            if "more" in self.rows:
                self.update_cell("more", "who", more)
            else:
                self.add_row(more, "", "", "", "", "", key="more")
        elif "more" in self.rows:
            self.remove_row("more")
