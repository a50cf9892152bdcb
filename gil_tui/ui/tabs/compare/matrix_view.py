"""MatrixView: the matrix on show (caption, table, speedup chart, verdict) and browsing the
tables: this sitting's matrices and those reloaded from the results history, paged
with ``[`` and ``]``. A scaling sweep of the history is drawn as a sweep (plot, fit,
points), not as a matrix."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from gil_tui.engine.compare.model import MatrixResult
from gil_tui.engine.compare.sweep import SweepResult
from gil_tui.engine.compare.verdict import verdict
from gil_tui.engine.text import clean_line
from gil_tui.ui.tabs.compare.chart import SpeedupChart
from gil_tui.ui.tabs.compare.cores import CompactCores, OursMeter
from gil_tui.ui.tabs.compare.history import Result, TableBook, history_note, load_tables
from gil_tui.ui.tabs.compare.rows import MATRIX_COLUMNS, caption, column_widths, matrix_rows
from gil_tui.ui.tabs.compare.sweep_body import SweepBody
from gil_tui.ui.widgets.tab_message import tell
from gil_tui.ui.widgets.text_table import TextTable


class MatrixView(VerticalScroll, can_focus=False):
    """Compact core bars, the caption, the table, the speedup chart and the verdict."""

    DEFAULT_CSS = """
    MatrixView { height: 1fr; scrollbar-size-vertical: 1; }
    MatrixView #cmp-matrix-body { height: auto; }
    MatrixView .view-caption { height: auto; padding: 0 1; color: $text-muted; }
    MatrixView TextTable { margin-bottom: 1; }
    MatrixView #cmp-verdict { height: auto; padding: 0 1; margin-top: 1; }
    """

    class Reloaded(Message):
        """The tables of the history are on show, or this sitting's again."""

    def __init__(self, book: TableBook, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The tables and the one on show.
        self.book = book
        #: The matrix still running (its verdict waits), if any.
        self.running: MatrixResult | None = None
        self._texts: tuple[Any, Any] | None = None
        self._cores = CompactCores(id="cmp-cores")  # kept: drawn 4 times a second
        #: How much of the machine was ours (gil-tui and its runs), for the bars' two
        #: shades; set on mount from the pane's services (None: bars not split).
        self.ours: OursMeter | None = None

    def compose(self) -> ComposeResult:
        yield self._cores
        # The rest in a container of its own: the core bars redraw 4 times a second,
        # and Textual redraws every sibling of a widget that changes (the table too).
        with Vertical(id="cmp-matrix-body"):
            yield Static(id="cmp-caption", classes="view-caption")
            yield TextTable(id="cmp-table")
            yield SpeedupChart(id="cmp-chart")
            yield Static(id="cmp-verdict")
            yield SweepBody("cmp-hist", id="cmp-hist-sweep")

    def on_mount(self) -> None:
        services = next((n.services for n in self.ancestors if hasattr(n, "services")), None)
        if self.ours is None and services is not None:
            self.ours = OursMeter(getattr(services, "own_cpu", None))
        self.redraw()

    def show_cores(self, percents: Sequence[float]) -> bool:
        """Draw a sample of the cores (0-100 each) if the view is on show; False if not.

        Scrolled out of sight, the bars only keep the sample: refreshing a widget that is
        not on screen makes Textual rebuild its map of the screen at the next look-up,
        and one made while a notification was being removed forgot that notification
        (it stayed drawn over the verdict until a scroll)."""
        node: Any = self
        while node is not None:
            if not node.display:
                return False
            node = node.parent
        ours = self.ours.percent() if self.ours is not None else None
        self._cores.push(percents, visible=self.scroll_offset.y < self._cores.outer_size.height,
                         ours=ours, running=self.running is not None)
        return True

    def start(self, result: MatrixResult) -> None:
        """A matrix starts: it goes first and on show, and fills in as its runs end."""
        self.book.add(result)
        self.running = result
        self.redraw()

    def moved(self, result: MatrixResult) -> None:
        """The running matrix moved on: drawn again if it is on show."""
        shown = self.book.shown
        if self.running is not None and shown is not None and shown[0] is self.running:
            self.redraw()

    def ended(self, result: MatrixResult) -> None:
        """The matrix ended (done, cancelled or failed): its verdict, if it is on show."""
        if self.running is result:
            self.running = None
        shown = self.book.shown
        if shown is not None and shown[0] is result:
            self.redraw()

    def page(self, step: int) -> bool:
        """A newer (``-1``) or older (``1``) table; False when there is only one."""
        if not self.book.page(step):
            return False
        self.redraw()
        self.scroll_home(animate=False)
        return True

    @work(thread=True, exclusive=True, group="compare-history", exit_on_error=False)
    def load_history(self, history: Callable[[], Any]) -> None:
        """Reload the tables of the results history (in a thread: it reads the file)."""
        try:
            tables, warnings = load_tables(history())
        except Exception as exc:  # noqa: BLE001 - one line, the tab goes on
            self.app.call_from_thread(tell, self, clean_line(f"Cannot read the history: {exc}"),
                                      severity="error", markup=False)
            return
        self.app.call_from_thread(self._reloaded, tables, warnings)

    def leave_history(self) -> bool:
        """Back from the history to this sitting's newest matrix; False if not in it."""
        if not self.book.leave_history():
            return False
        self.redraw()
        self.scroll_home(animate=False)
        self.post_message(self.Reloaded())
        return True

    def _reloaded(self, tables: list[Result], warnings: list[str]) -> None:
        newest = self.book.reload(tables, keep=self.running)
        self.redraw()
        self.scroll_home(animate=False)
        self.post_message(self.Reloaded())
        said = [clean_line(warning) for warning in warnings[:3]] + [history_note(newest)]
        tell(self, " · ".join(said), severity="warning" if warnings else "information")

    def redraw(self) -> None:
        """Draw the table on show; only what changed is drawn again."""
        shown = self.book.shown
        result, from_history = shown if shown is not None else (None, False)
        sweep = result if isinstance(result, SweepResult) else None
        matrix = result if isinstance(result, MatrixResult) else None
        table = self.query_one("#cmp-table", TextTable)
        rows = matrix_rows(matrix) if matrix is not None else []
        table.show([header for _, header in MATRIX_COLUMNS], rows,
                   column_widths(MATRIX_COLUMNS, rows))
        table.display = bool(rows)
        chart = self.query_one(SpeedupChart)
        chart.display = sweep is None
        chart.show(matrix)
        body = self.query_one(SweepBody)
        body.display = sweep is not None
        if sweep is not None or body.result is not None:
            body.show(sweep)
        if result is None:
            texts: tuple[Any, Any] = ("", "")
        else:
            words = caption(result, from_history=from_history, position=self.book.position)
            if sweep is not None:
                texts = (words, "")
            elif result is self.running:
                texts = (words, Text("The verdict comes when the matrix is done.", style="dim"))
            else:
                texts = (words, Text(verdict(result)))
        if texts != self._texts:  # an update lays the whole screen out again
            self._texts = texts
            self.query_one("#cmp-caption", Static).update(texts[0])
            self.query_one("#cmp-verdict", Static).update(texts[1])
        self.query_one("#cmp-verdict", Static).display = sweep is None
