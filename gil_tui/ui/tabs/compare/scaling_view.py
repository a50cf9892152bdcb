"""ScalingView: the Compare tab's sweep (caption, plot, Amdahl fit in words, points).

It only shows what it is given; :class:`gil_tui.ui.tabs.compare.pane.ComparePane`
decides what runs and when.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from gil_tui.engine.compare.sweep import SweepResult
from gil_tui.ui.tabs.compare.rows import sweep_caption
from gil_tui.ui.tabs.compare.sweep_body import SweepBody

NO_SWEEP = ("No sweep yet: one mode on one interpreter (i chooses it), from 1 worker to twice "
            "the cores, against the ideal line and Amdahl's law.")


class ScalingView(VerticalScroll, can_focus=False):
    """The sweep's caption, plot, fit in words and its points."""

    DEFAULT_CSS = """
    ScalingView { height: 1fr; scrollbar-size-vertical: 1; }
    ScalingView .view-caption { height: auto; padding: 0 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="cmp-sweep-caption", classes="view-caption")
        yield SweepBody("cmp", id="cmp-sweep-body")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The sweep on show (its points fill in while it runs: call show() again).
        self.result: SweepResult | None = None

    def on_mount(self) -> None:
        self.show(None)

    # The same calls as the matrix view's, while a sweep runs: each draws it again.
    def start(self, result: SweepResult) -> None:
        self.show(result)

    moved = ended = start

    def show(self, result: SweepResult | None) -> None:
        self.result = result
        self.query_one(SweepBody).show(result)
        self.query_one("#cmp-sweep-caption", Static).update(
            sweep_caption(result) if result is not None else NO_SWEEP)
