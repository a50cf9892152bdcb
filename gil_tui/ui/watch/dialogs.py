"""The watch view's two small dialogs: "stop it before leaving?" and "which command?"."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class ConfirmStop(ModalScreen[bool]):
    """Ask whether to stop the watched program before leaving."""

    QUESTION = ("The program is still running. Stop it, and every process it started, "
                "before leaving?")

    DEFAULT_CSS = """
    ConfirmStop { align: center middle; }
    ConfirmStop > Vertical { width: 60; max-width: 100%; height: auto; border: thick $warning;
                             background: $surface; padding: 1 2; }
    ConfirmStop Label { width: 100%; }
    ConfirmStop Horizontal { height: auto; margin-top: 1; }
    ConfirmStop Button { margin-right: 2; }
    """
    BINDINGS = [Binding("y", "answer(True)", "Stop it", id="confirm.yes"),
                Binding("n,escape", "answer(False)", "Keep it running", id="confirm.no")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.QUESTION)
            with Horizontal():
                yield Button("Stop it (y)", variant="warning", id="yes")
                yield Button("Keep watching (n)", id="no")

    def action_answer(self, stop: bool) -> None:
        self.dismiss(stop)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class AskCommand(ModalScreen[str | None]):
    """The palette's "Watch a command…": type a command line."""

    DEFAULT_CSS = """
    AskCommand { align: center middle; }
    AskCommand > Vertical { width: 70; max-width: 100%; height: auto; border: thick $primary;
                            background: $surface; padding: 1 2; }
    AskCommand Label { width: 100%; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Command to watch (e.g. python my_script.py); Enter starts it:")
            yield Input(placeholder="python my_script.py", id="ask-command")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["AskCommand", "ConfirmStop"]
