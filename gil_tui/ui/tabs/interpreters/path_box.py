"""PathBox: where the Interpreters tab asks for the path of a python to add."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

PLACEHOLDER = "path to a python executable, e.g. ~/.pyenv/versions/3.14.0t/bin/python3.14t"
ADD_HELP = "Enter checks the interpreter and adds it · Escape cancels"


class PathBox(Vertical):
    """An input for the path, and a line under it: help, progress or what went wrong."""

    DEFAULT_CSS = """
    PathBox #interp-add-message { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    PathBox #interp-add-message.-error { color: $text-error; }
    """

    class Submitted(Message):
        """The user asked to add the interpreter at ``path`` (never empty)."""

        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    def compose(self) -> ComposeResult:
        yield Input(placeholder=PLACEHOLDER, id="interp-path")
        yield Static(ADD_HELP, id="interp-add-message")

    @property
    def field(self) -> Input:
        return self.query_one("#interp-path", Input)

    def open(self) -> None:
        """Empty, with the help line, and the focus in the field."""
        self.field.value = ""
        self.say(ADD_HELP)
        self.field.focus()

    def close(self) -> None:
        self.field.value = ""

    def say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#interp-add-message", Static)
        message.update(text)
        message.set_class(error, "-error")

    @on(Input.Submitted, "#interp-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        if not path:
            self.say("Type the path of a python executable first.", error=True)
            return
        self.post_message(self.Submitted(path))
