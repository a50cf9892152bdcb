"""The Compare tab's parts: the interpreter picker, the matrix view, the scaling view.

Each only shows what it is given; :class:`gil_tui.ui.tabs.compare.pane.ComparePane`
decides what runs and when.
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection as Choice

from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.engine.compare.model import MatrixResult
from gil_tui.engine.compare.sweep import SweepResult
from gil_tui.ui.tabs.compare.rows import (MATRIX_COLUMNS, POINT_COLUMNS, caption, matrix_rows,
                                     point_rows, sweep_caption)
from gil_tui.ui.tabs.interpreters.pane import shorten_path
from gil_tui.ui.tabs.compare.cores import CompactCores
from gil_tui.ui.tabs.compare.chart import ScalingPlot, SpeedupChart
from gil_tui.ui.widgets.text_table import TextTable


def picker_prompt(interp: Interpreter) -> Text:
    """``3.14.0t (free-threaded, GIL off)  pyenv  …/bin/python3.14t``, free-threaded in green."""
    text = Text(interp.label(), style="bold green" if interp.free_threaded else "bold")
    text.append(f"  {interp.source}  {shorten_path(interp.path, 40)}", style="dim")
    return text


def column_widths(columns: Sequence[tuple[str, str]], rows: list[list[str | Text]]) -> list[int]:
    """Each column's width: its widest cell or header."""
    return [max([cell_len(header), *(cell_len(str(row[n])) for row in rows)])
            for n, (_, header) in enumerate(columns)]


class InterpreterPicker(Vertical):
    """A SelectionList of interpreters; at least one always stays selected."""

    DEFAULT_CSS = """
    InterpreterPicker { height: auto; border: round $accent; border-title-color: $text-accent;
                        padding: 0 1; }
    InterpreterPicker SelectionList { height: auto; max-height: 8; padding: 0; }
    InterpreterPicker SelectionList, InterpreterPicker SelectionList:focus { border: none; }
    InterpreterPicker .picker-note { color: $text-muted; height: 1; }
    """

    class Changed(Message):
        """The user changed the selection: ``paths`` in the list's order."""

        def __init__(self, paths: tuple[str, ...]) -> None:
            super().__init__()
            self.paths = paths

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Interpreters in the matrix"
        self.paths: tuple[str, ...] = ()
        self._order: list[str] = []

    def compose(self) -> ComposeResult:
        yield SelectionList[str](disabled=True)
        yield Static("space toggles · i or escape closes · at least one stays in",
                     classes="picker-note")

    @property
    def options(self) -> SelectionList[str]:
        return self.query_one(SelectionList)

    def fill(self, interpreters: Sequence[Interpreter], selected: Sequence[str]) -> None:
        """Show ``interpreters`` with ``selected`` (paths) ticked."""
        self._order = [i.path for i in interpreters]
        self.paths = tuple(p for p in self._order if p in set(selected))
        options = self.options
        options.clear_options()
        options.add_options([Choice(picker_prompt(i), i.path, i.path in self.paths)
                             for i in interpreters])

    def open(self, show: bool) -> None:
        self.display = show
        self.options.disabled = not show
        if show:
            if self.options.highlighted is None and self.options.option_count:
                self.options.highlighted = 0
            self.options.focus()

    @on(SelectionList.SelectedChanged)
    def _changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        selected = set(self.options.selected)
        if not selected and self._order:
            keep = self.paths[0] if self.paths else self._order[0]
            self.options.select(keep)
            self.notify("At least one interpreter stays in the matrix.", timeout=3)
            return
        paths = tuple(p for p in self._order if p in selected)
        if paths != self.paths:  # fill() sets self.paths first: only the user gets here
            self.paths = paths
            self.post_message(self.Changed(paths))


class MatrixView(VerticalScroll, can_focus=False):
    """Compact core bars, the caption, the table, the speedup chart and the verdict."""

    DEFAULT_CSS = """
    MatrixView { height: 1fr; scrollbar-size-vertical: 1; }
    MatrixView #cmp-matrix-body { height: auto; }
    MatrixView .view-caption { height: auto; padding: 0 1; color: $text-muted; }
    MatrixView TextTable { margin-bottom: 1; }
    MatrixView #cmp-verdict { height: auto; padding: 0 1; margin-top: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._texts: tuple[Any, Any] | None = None

    def compose(self) -> ComposeResult:
        yield CompactCores(id="cmp-cores")
        # The rest in a container of its own: the core bars redraw 4 times a second,
        # and Textual redraws every sibling of a widget that changes (the table too).
        with Vertical(id="cmp-matrix-body"):
            yield Static(id="cmp-caption", classes="view-caption")
            yield TextTable(id="cmp-table")
            yield SpeedupChart(id="cmp-chart")
            yield Static(id="cmp-verdict")

    def on_mount(self) -> None:
        self.show(None)

    def show(self, result: MatrixResult | None, *, from_history: bool = False,
             position: tuple[int, int] = (1, 1), running: bool = False) -> None:
        """Draw ``result``; only what changed is drawn again."""
        table = self.query_one(TextTable)
        rows = matrix_rows(result) if result is not None else []
        table.show([header for _, header in MATRIX_COLUMNS], rows,
                   column_widths(MATRIX_COLUMNS, rows))
        table.display = bool(rows)
        self.query_one(SpeedupChart).show(result)
        if result is None:
            texts: tuple[Any, Any] = ("", "")
        elif running:
            texts = (caption(result, from_history=from_history, position=position),
                     Text("The verdict comes when the matrix is done.", style="dim"))
        else:
            texts = (caption(result, from_history=from_history, position=position),
                     Text(result.verdict()))
        if texts != self._texts:  # an update lays the whole screen out again
            self._texts = texts
            self.query_one("#cmp-caption", Static).update(texts[0])
            self.query_one("#cmp-verdict", Static).update(texts[1])


class ScalingView(VerticalScroll, can_focus=False):
    """The sweep's caption, plot, fit in words and its points."""

    DEFAULT_CSS = """
    ScalingView { height: 1fr; scrollbar-size-vertical: 1; }
    ScalingView .view-caption { height: auto; padding: 0 1; color: $text-muted; }
    ScalingView #cmp-fit { height: auto; padding: 0 1; margin-bottom: 1; }

    """

    def compose(self) -> ComposeResult:
        yield Static(id="cmp-sweep-caption", classes="view-caption")
        yield ScalingPlot(id="cmp-plot")
        yield Static(id="cmp-fit")
        yield TextTable(id="cmp-points")

    def on_mount(self) -> None:
        self.show(None)

    def show(self, result: SweepResult | None) -> None:
        plot = self.query_one(ScalingPlot)
        plot.show(result)
        plot.display = result is not None
        table = self.query_one(TextTable)
        rows = point_rows(result) if result is not None else []
        table.show([header for _, header in POINT_COLUMNS], rows,
                   column_widths(POINT_COLUMNS, rows))
        table.display = bool(rows)
        self.query_one("#cmp-sweep-caption", Static).update(
            sweep_caption(result) if result is not None else
            "No sweep yet: one mode on the first interpreter, from 1 worker to twice the "
            "cores, against the ideal line and Amdahl's law.")
        fit = Text()
        if result is not None:
            fit.append(result.fit_text)
            for key, error in result.errors.items():
                what = "the sequential baseline" if key == "sequential" else f"{key} workers"
                fit.append(f"\n{what} failed: {error}", style="red")
        self.query_one("#cmp-fit", Static).update(fit)
