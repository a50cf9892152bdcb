"""The Live tab's Costs preset: what creating a thread and a process costs in the selected
interpreter, measured in a thread (:func:`measure_costs`) and shown in a panel of its
own (:class:`CostsPanel`, opened by `c`, closed by `c` or Escape), in place of the
workers and results: the engine's table (under 80 columns) and its notes."""

from __future__ import annotations

import io
import threading
from typing import Callable

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from gil_tui.engine.demos.costs_result import CostsResult
from gil_tui.ui.run_gate import UNDER_WAY
from gil_tui.ui.text import shorten_path

#: Creations of each kind the preset measures (the median is shown).
REPEAT = 20
TITLE = "Creation costs · c or escape closes"


def measure_costs(python: str | None, cancel: threading.Event,
                  on_start: Callable[[int], None]) -> CostsResult | str:
    """Measure and remember for the lessons (blocking: call it from a thread); the result,
    or why there is none. ``on_start`` gets the measuring process's pid; ``cancel``
    stops it."""
    from gil_tui.engine.demos.costs import CostsCancelled, CostsError, remember, run_costs

    try:
        result = run_costs(python, repeat=REPEAT, cancel=cancel, on_start=on_start)
    except CostsCancelled:
        return "Costs not measured: cancelled."
    except CostsError as exc:
        return f"Costs not measured: {exc}"
    remember(result)
    return result


def costs_renderable(result: CostsResult, width: int) -> RenderableType:
    """The whole panel: where it was measured, the engine's table (under 80 columns,
    never wrapped), and what each figure timed (wrapped to the panel)."""
    from gil_tui.engine.demos.costs_text import notes, table, text_table

    head = Text.assemble(
        ("Create + start + join", "bold"),
        f", {result.repeat} runs of each, in {result.interpreter_label()} ",
        (shorten_path(result.python, max(12, width // 3)), "dim"),
        f" · {result.cpu_count or '?'} usable cores")
    lines = text_table(result)
    headings = {row.label for row in table(result).rows if row.heading}
    body = Text(no_wrap=True, overflow="crop")
    for n, line in enumerate(lines):
        if n:
            body.append("\n")
        bold = n == 0 or line.strip() in headings
        body.append(line, style="bold" if bold else "")
    return Group(head, Text(""), body, Text(""),
                 Text("\n".join(notes(result)), style="dim"))


class CostsPanel(VerticalScroll):
    """The Costs preset's panel, which also measures (in a thread worker); the pane shows
    it in place of the workers and results."""

    DEFAULT_CSS = """
    CostsPanel { height: 1fr; display: none; border: none; border-top: solid $accent;
                 border-title-color: $text; border-title-style: bold; padding: 0 1; }
    CostsPanel #costs-body { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = TITLE
        self.result: CostsResult | None = None
        self._text: str = ""
        self._cancel: threading.Event | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="costs-body")

    def start(self, python: str | None, python_label: str, on_start: Callable[[int], None],
              done: Callable[[CostsResult | str], None]) -> None:
        """Measure in ``python``; ``on_start(pid)`` once the measuring process runs,
        ``done(outcome)`` at the end (in the app's thread)."""
        self._cancel = threading.Event()
        self.result, self._text = None, f"Measuring in {python_label}… (x stops)"
        self._draw()
        self._measure(python, self._cancel, on_start, done)

    def stop(self) -> None:
        """Cancel a measurement under way (its ``done`` still comes)."""
        if self._cancel is not None:
            self._cancel.set()

    @property
    def measuring(self) -> bool:
        return self._cancel is not None

    @work(thread=True, exclusive=True, group="live-costs", exit_on_error=False)
    def _measure(self, python: str | None, cancel: threading.Event,
                 on_start: Callable[[int], None],
                 done: Callable[[CostsResult | str], None]) -> None:
        outcome = measure_costs(python, cancel, on_start)
        self.app.call_from_thread(self._finished, outcome, done)

    def _finished(self, outcome: CostsResult | str,
                  done: Callable[[CostsResult | str], None]) -> None:
        self._cancel = None
        self.show(outcome)
        done(outcome)

    def show(self, outcome: CostsResult | str) -> None:
        """The measurement, or why there is none."""
        if isinstance(outcome, str):
            self.result, self._text = None, outcome
        else:
            self.result, self._text = outcome, ""
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        self.query_one("#costs-body", Static).update(self._renderable())

    def _renderable(self) -> RenderableType:
        if self.result is None:
            return Text(self._text)
        return costs_renderable(self.result, self.content_size.width or 80)

    def plain(self) -> str:
        """What the panel shows, as plain text at its width (tests)."""
        from rich.console import Console

        console = Console(width=self.content_size.width or 80, record=True, file=io.StringIO())
        console.print(self._renderable())
        return console.export_text()


class CostsKeys:
    """The Live pane's Costs keys (mixed into :class:`~gil_tui.ui.tabs.live.pane.LivePane`,
    which has ``costs_open``, ``costs_panel``, ``running``, ``sampler``, ``gate``,
    ``run_display`` and ``tell``): `c` opens the panel and measures, `c` or Escape closes it."""

    def action_costs(self) -> None:
        """The Costs preset: thread vs fork/spawn/forkserver, in the selected interpreter,
        in a panel of its own; `c` again closes it."""
        self.run_display.status.tell(None)
        if self.costs_open:
            self.action_close_costs()
            return
        if self.running:
            self.tell(UNDER_WAY, "warning")
            return
        if self.gate.refuse(self):
            return
        self.running = self.costs_open = True
        self.run_display.costs_started()
        panel = self.costs_panel
        panel.start(self.selection.python, self.selection.python_label,
                    self._costs_started, self._costs_done)
        panel.focus()

    def action_close_costs(self) -> None:
        """Close the Costs panel (a measurement under way is cancelled)."""
        if self.costs_open:
            self.costs_panel.stop()
            self.costs_open = False
            if not self.costs_panel.measuring:  # else when its measurement has ended
                self.run_display.costs_closed()
            self.query_one("#live-results").focus()

    def watch_costs_open(self, open_: bool) -> None:
        self.set_class(open_, "-costs")

    def _costs_started(self, pid: int) -> None:
        self.sampler.pid = pid  # its process tree is sampled from now on (from a thread)

    def _costs_done(self, outcome: CostsResult | str) -> None:
        self.running = False
        self.sampler.pid = None
        self.run_display.costs_done(outcome, shown=self.costs_open)
