"""What a tab says, in a line of its own, instead of a toast over its results.

A toast at 80x24 covers the verdict and wraps paths mid-word. So the Compare and
Interpreters tabs say things in their one-line status (the Live tab in its status
box): a :class:`TabMessage` holds the message and its timer, the line draws
:attr:`TabMessage.text` over what it shows otherwise (a :class:`MessageLine` does
both). A part of a tab calls
:func:`tell` as it would call ``notify``: the nearest tab that says things itself
(a ``tell`` method) gets the message, or else it is a toast, paths cut.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.dom import DOMNode
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from gil_tui.engine.text import clean
from gil_tui.ui.text import message_text, without_paths

#: Seconds an information or a warning stays (long enough to read it twice); an error
#: stays until the next message.
MESSAGE_S = 8.0


class TabMessage:
    """What a tab said last, for its status line: information and warnings for a while,
    errors until the next message. ``redraw`` is called whenever it changes."""

    def __init__(self, owner: Widget, redraw: Callable[[], None]) -> None:
        self._owner = owner
        self._redraw = redraw
        self._timer: Timer | None = None
        #: The message as the line draws it (one line, paths cut); None: nothing said.
        self.text: Text | None = None
        #: The whole message, as it was said, control characters escaped (the line's
        #: tooltip; every message passes here, whoever said it).
        self.full = ""
        #: ``information``, ``warning`` or ``error``.
        self.severity = "information"

    def say(self, message: str, severity: str = "information",
            timeout: float | None = None) -> None:
        """Show ``message``; it goes after ``timeout`` seconds (at least MESSAGE_S), never
        for an error."""
        self._stop()
        self.full, self.severity = clean(message), severity
        self.text = message_text(message, severity) if message.strip() else None
        if self.text is not None and severity != "error":
            delay = MESSAGE_S if timeout is None else max(timeout, MESSAGE_S)
            self._timer = self._owner.set_timer(delay, self.clear)
        self._redraw()

    def clear(self) -> None:
        """Say nothing any more."""
        self._stop()
        if self.text is not None:
            self.text, self.full = None, ""
            self._redraw()

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None


class MessageLine(Static):
    """One line: its own text (:meth:`show`), or for a while what the tab said over it
    (:meth:`tell`), cut with an ellipsis; the whole message is its tooltip."""

    DEFAULT_CSS = "MessageLine { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }"

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = without_paths(text)
        #: What the tab said last.
        self.message = TabMessage(self, self._draw)

    def on_mount(self) -> None:
        self._draw()

    def show(self, text: str) -> None:
        """The line's own text (paths cut), under any message."""
        self._text = without_paths(text)
        self._draw()

    def tell(self, text: str, severity: str = "information",
             timeout: float | None = None) -> None:
        """Say ``text`` here: for a while, or until the next message for an error."""
        self.message.say(text, severity, timeout)

    def _draw(self) -> None:
        said = self.message.text
        self.update(Text(self._text) if said is None else said)
        self.tooltip = Text(self.message.full) if said is not None else None


class SaysInItsLine:
    """A mixin for a tab (before its Textual base) that says things in a line of its own:
    whatever would be a toast over its results (the run gate's refusals, too) goes to its
    :meth:`tell`."""

    def tell(self, text: str, severity: str = "information",
             timeout: float | None = None) -> None:
        raise NotImplementedError

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        self.tell(f"{title}: {message}" if title else message, severity, timeout)


def tell(node: DOMNode, message: str, *, title: str = "", severity: Any = "information",
         timeout: float | None = None, markup: bool = True) -> None:
    """``node.notify(...)``, said by the nearest tab (``node`` or an ancestor) with a
    ``tell(message, severity, timeout)`` method; a toast (paths cut) when there is none."""
    text = f"{title}: {message}" if title else message
    for ancestor in node.ancestors_with_self:
        said = getattr(ancestor, "tell", None)
        if callable(said):
            said(text, severity, timeout)
            return
    node.notify(without_paths(message), title=title, severity=severity, timeout=timeout,
                markup=markup)
