"""SweepBody: a scaling sweep drawn (plot, Amdahl fit in words, points), for the scaling
view (this sitting's sweep) and for the matrix view (a sweep reloaded from the history)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from gil_tui.engine.compare.sweep import SweepResult
from gil_tui.ui.tabs.compare.chart import ScalingPlot
from gil_tui.ui.tabs.compare.rows import POINT_COLUMNS, column_widths, fit_words, point_rows
from gil_tui.ui.widgets.text_table import TextTable


class SweepBody(Vertical):
    """The plot, the fit and the points of one sweep; its parts' ids start with ``prefix``."""

    DEFAULT_CSS = """
    SweepBody { height: auto; }
    SweepBody .sweep-fit { height: auto; padding: 0 1; margin-bottom: 1; }
    """

    def __init__(self, prefix: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.prefix = prefix
        #: The sweep on show.
        self.result: SweepResult | None = None

    def compose(self) -> ComposeResult:
        yield ScalingPlot(id=f"{self.prefix}-plot")
        yield Static(id=f"{self.prefix}-fit", classes="sweep-fit")
        yield TextTable(id=f"{self.prefix}-points")

    def show(self, result: SweepResult | None) -> None:
        self.result = result
        plot = self.query_one(ScalingPlot)
        plot.show(result)
        plot.display = result is not None
        table = self.query_one(TextTable)
        rows = point_rows(result) if result is not None else []
        table.show([header for _, header in POINT_COLUMNS], rows,
                   column_widths(POINT_COLUMNS, rows))
        table.display = bool(rows)
        self.query_one(f"#{self.prefix}-fit", Static).update(fit_words(result))
