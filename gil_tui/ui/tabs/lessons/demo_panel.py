"""Live demos inside the lessons: run real code safely and show what it printed.

The demos themselves live in the engine (:mod:`gil_tui.engine.demos.registry`, and
:mod:`gil_tui.engine.demos.costs` for the creation costs); this panel picks one, runs it
in a thread worker (never on the event loop), lets the reader stop it, and shows
the real output and the summary under the lesson.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from gil_tui.engine.text import seconds
from gil_tui.ui.tabs.lessons.demo_output import demo_output

if TYPE_CHECKING:
    from gil_tui.engine.demos.registry import DemoResult

@dataclass(frozen=True)
class DemoChoice:
    name: str
    title: str
    description: str


def choices_for(slug: str) -> list[DemoChoice]:
    """The demos a lesson offers, in the registry's order (the costs demo included)."""
    from gil_tui.engine.demos.registry import demos_for_lesson

    found = {d.name: DemoChoice(d.name, d.title, d.description) for d in demos_for_lesson(slug)}
    return list(found.values())


def run_choice(name: str, python: str | None, stop: threading.Event) -> DemoResult:
    """Run a demo (blocking: call it from a thread); never raises for expected failures.

    Every demo, the costs one too, runs through the engine's registry, which times it
    (``DemoResult.duration``: the panel says "took 1.52 s")."""
    from gil_tui.engine.demos.registry import run_demo

    return run_demo(name, python=python, stop=stop)


class ChooseDemo(ModalScreen[str | None]):
    """Pick one of a lesson's demos."""

    DEFAULT_CSS = """
    ChooseDemo { align: center middle; }
    ChooseDemo > Vertical { width: 76; max-width: 100%; height: auto; border: thick $primary;
                            background: $surface; padding: 0 1; }
    ChooseDemo OptionList { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="demo.choose.cancel")]

    def __init__(self, choices: list[DemoChoice]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Which demo? (Enter runs it, Escape goes back)")
            yield OptionList(*(Option(Text.assemble((c.title, "bold"), "\n", c.description),
                                      id=c.name) for c in self.choices))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DemoPanel(Vertical):
    """Under the lesson: the running demo, then its real output and summary.

    The panel belongs to the lesson that started it: the lessons pane closes it when
    the reader moves to another lesson (:meth:`close` also stops a demo that runs).
    """

    DEFAULT_CSS = """
    DemoPanel { height: 60%; display: none; border-top: solid $accent;
                border-title-color: $accent; }
    DemoPanel.-shown { display: block; }
    DemoPanel #demo-status { height: auto; padding: 0 1; color: $text-muted; }
    DemoPanel #demo-output { height: 1fr; padding: 0 1; overflow-x: hidden; }
    DemoPanel #demo-text { width: 1fr; }
    DemoPanel #demo-summary { height: auto; max-height: 5; overflow-y: auto; padding: 0 1;
                              text-style: bold; }
    DemoPanel.-short #demo-summary { max-height: 3; }
    """

    #: Below this many rows the summary gives the output more room.
    SHORT = 14

    class Finished(Message):
        def __init__(self, result: DemoResult, stop: threading.Event | None = None) -> None:
            super().__init__()
            self.result = result
            #: The stop event of the run that finished (tells a stale run from the current one).
            self.stop = stop

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.running: str | None = None
        self.result: DemoResult | None = None
        self._stop = threading.Event()
        #: The interpreter the demos run in (None: the one gil-tui runs on).
        self.python: str | None = None
        #: What the last demo printed, laid out for the panel (see :meth:`output_text`).
        self.output: RenderableType = ""

    def compose(self) -> ComposeResult:
        yield Static(id="demo-status")
        with ScrollableContainer(id="demo-output"):  # tab here, then arrows scroll
            yield Static(id="demo-text", markup=False)
        yield Static(id="demo-summary", markup=False)

    def on_resize(self) -> None:
        self.set_class(self.size.height < self.SHORT, "-short")

    def output_text(self, width: int | None = None) -> str:
        """The output as plain text, as laid out at ``width`` (default: the panel's)."""
        console = Console(width=width or max(20, self.query_one("#demo-text").size.width),
                          color_system=None, legacy_windows=False)
        with console.capture() as capture:
            console.print(self.output)
        return capture.get()

    @property
    def shown(self) -> bool:
        """True while the panel is on screen (running or showing a result)."""
        return self.has_class("-shown")

    def start(self, choice: DemoChoice) -> None:
        if self.running:
            self.notify("A demo is running: press x to stop it first.", severity="warning")
            return
        self.add_class("-shown")
        self.border_title = choice.title
        self.running = choice.name
        self.result = None
        self._stop = threading.Event()
        python = self.python
        where = python or "this Python"
        self.query_one("#demo-status", Static).update(
            f"running in {where}… (x stops it, escape closes; demos time out after 10 s)")
        self.output = ""
        self.query_one("#demo-text", Static).update("")
        self.query_one("#demo-summary", Static).update("")
        self._run(choice.name, python, self._stop)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        """Hide the panel; a demo still running is stopped and its result dropped."""
        self.stop()
        self.running = None
        self.remove_class("-shown")

    @work(thread=True, exclusive=True, group="lesson-demo", exit_on_error=False)
    def _run(self, name: str, python: str | None, stop: threading.Event) -> None:
        try:
            result = run_choice(name, python, stop)
        except Exception as exc:  # a bug: say it in the panel rather than crash the app
            from gil_tui.engine.demos.registry import DemoResult

            result = DemoResult(name=name, title=name, ok=False, summary=str(exc),
                                error=f"{type(exc).__name__}: {exc}")
        self.post_message(self.Finished(result, stop))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        if message.stop is not None and message.stop is not self._stop:
            message.stop()  # a run closed (or replaced) before it ended: nobody waits for it
            return
        result = message.result
        self.running = None
        self.result = result
        status = f"{result.interpreter.label()} · " if result.interpreter else ""
        status += f"took {seconds(result.duration)}" if result.ok else "did not finish"
        self.query_one("#demo-status", Static).update(status)
        self.output = demo_output(result.name, result.sections, result.data)
        self.query_one("#demo-text", Static).update(self.output)
        summary = result.summary if result.ok else f"{result.error or result.summary}"
        summary_widget = self.query_one("#demo-summary", Static)
        summary_widget.styles.color = None if result.ok else "red"
        summary_widget.update(summary)
