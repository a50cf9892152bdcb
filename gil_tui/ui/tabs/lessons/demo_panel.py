"""Live demos inside the lessons: run real code safely and show what it printed.

The demos themselves live in the engine (:mod:`gil_tui.engine.demos.registry`, and
:mod:`gil_tui.engine.demos.costs` for the creation costs); this panel picks one, runs it
in a thread worker (never on the event loop), lets the reader stop it, and shows
the real output and the summary under the lesson.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from gil_tui.engine.demos.registry import DemoResult, demos_for_lesson, run_demo

#: The creation-costs experiment belongs to this lesson.
COSTS_LESSON = "threads-vs-processes"


@dataclass(frozen=True)
class DemoChoice:
    name: str
    title: str
    description: str


def choices_for(slug: str) -> list[DemoChoice]:
    """The demos a lesson offers (the costs experiment included)."""
    found = [DemoChoice(d.name, d.title, d.description) for d in demos_for_lesson(slug)]
    if slug == COSTS_LESSON:
        found.append(DemoChoice(
            "costs", "Costs: what a thread and a process cost on this machine",
            "Creates, starts and joins one thread, then one process under each start "
            "method, many times, and reports the median time and memory of each."))
    return found


def run_choice(name: str, python: str | None, stop: threading.Event) -> DemoResult:
    """Run a demo (blocking: call it from a thread); never raises for expected failures."""
    if name != "costs":
        return run_demo(name, python=python, stop=stop)
    from gil_tui.engine.demos.costs import CostsError, format_text, remember, run_costs

    title = "Costs: what a thread and a process cost on this machine"
    try:
        result = run_costs(python, repeat=20, cancel=stop)
    except CostsError as exc:
        return DemoResult(name="costs", title=title, ok=False, summary=str(exc), error=str(exc))
    remember(result)  # the lesson's table shows it from now on
    lines = format_text(result).rstrip().splitlines()
    return DemoResult(name="costs", title=title, ok=True, sections=[("Measured", lines)],
                      summary="Measured here, just now: compare with the figures in the "
                              "lesson and with `gil-tui costs` on other interpreters.",
                      data=result.to_dict())


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
    """Under the lesson: the running demo, then its real output and summary."""

    DEFAULT_CSS = """
    DemoPanel { height: 60%; display: none; border-top: solid $accent;
                border-title-color: $accent; }
    DemoPanel.-shown { display: block; }
    DemoPanel #demo-status { height: auto; padding: 0 1; color: $text-muted; }
    DemoPanel #demo-output { height: 1fr; padding: 0 1; }
    DemoPanel #demo-text { width: auto; }
    DemoPanel #demo-summary { height: auto; max-height: 5; overflow-y: auto; padding: 0 1;
                              text-style: bold; }
    """

    class Finished(Message):
        def __init__(self, result: DemoResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.running: str | None = None
        self.result: DemoResult | None = None
        self._stop = threading.Event()
        self.python: Callable[[], str | None] = lambda: None

    def compose(self) -> ComposeResult:
        yield Static(id="demo-status")
        with ScrollableContainer(id="demo-output"):  # tab here, then arrows scroll
            yield Static(id="demo-text", markup=False)
        yield Static(id="demo-summary", markup=False)

    def start(self, choice: DemoChoice) -> None:
        if self.running:
            self.notify("A demo is running: press x to stop it first.", severity="warning")
            return
        self.add_class("-shown")
        self.border_title = choice.title
        self.running = choice.name
        self.result = None
        self._stop = threading.Event()
        python = self.python()
        where = python or "this Python"
        self.query_one("#demo-status", Static).update(
            f"running in {where}… (x stops it; demos time out after 10 s)")
        self.query_one("#demo-text", Static).update("")
        self.query_one("#demo-summary", Static).update("")
        self._run(choice.name, python, self._stop)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self.stop()
        self.remove_class("-shown")

    @work(thread=True, exclusive=True, group="lesson-demo", exit_on_error=False)
    def _run(self, name: str, python: str | None, stop: threading.Event) -> None:
        try:
            result = run_choice(name, python, stop)
        except Exception as exc:  # a bug: say it in the panel rather than crash the app
            result = DemoResult(name=name, title=name, ok=False, summary=str(exc),
                                error=f"{type(exc).__name__}: {exc}")
        self.post_message(self.Finished(result))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        result = message.result
        self.running = None
        self.result = result
        status = f"{result.interpreter.label()} · " if result.interpreter else ""
        status += f"took {result.duration:.1f} s" if result.ok else "did not finish"
        self.query_one("#demo-status", Static).update(status)
        text = Text(no_wrap=True)
        for title, lines in result.sections:
            text.append(f"{title}\n", style="bold underline")
            text.append("\n".join(lines) + "\n\n")
        self.query_one("#demo-text", Static).update(text)
        summary = result.summary if result.ok else f"{result.error or result.summary}"
        summary_widget = self.query_one("#demo-summary", Static)
        summary_widget.styles.color = None if result.ok else "red"
        summary_widget.update(summary)
