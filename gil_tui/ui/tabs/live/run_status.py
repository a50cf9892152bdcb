"""RunStatus: what is running, for how long, how far it got, and on which interpreter;
and the Live tab's messages (the tab says things here, not in toasts over the results)."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static

from gil_tui.engine.run.tracker import RunTracker
from gil_tui.engine.text import gil_state, plural
from gil_tui.ui.widgets.core_bars import progress_text

STATE_STYLE = {"idle": "dim", "starting": "yellow", "running": "bold yellow",
               "done": "bold green", "failed": "bold red", "cancelled": "yellow"}
#: The style of a message, by the severity Textual's notify() would give it.
MESSAGE_STYLE = {"information": "italic", "warning": "yellow", "error": "bold red"}
#: Seconds a message stays (long enough to read two lines twice).
MESSAGE_S = 8.0


def gil_text(free_threaded: bool | None, gil_enabled: bool | None) -> str:
    """``free-threaded, GIL off`` (or ``on``), or ``GIL build, GIL on``."""
    if free_threaded:
        return f"free-threaded, {gil_state(free_threaded, gil_enabled)}"
    return "GIL build, GIL on"


def status_text(tracker: RunTracker | None, elapsed: float | None = None, note: str = "",
                bar: int = 28, message: Text | None = None) -> Text:
    """The status lines: state and run, time, interpreter, progress (and a note, and a
    message)."""
    text = Text()
    if tracker is None:
        text.append("idle · press r to run", style="dim")
    else:
        state = tracker.state
        text.append(state, style=STATE_STYLE.get(state, ""))
        text.append(f" · {tracker.spec.label()}")
        if tracker.result is not None:
            text.append(f"\nwall time {tracker.result.wall_s:.2f} s")
        elif elapsed is not None:
            text.append(f"\nelapsed {elapsed:5.1f} s")
        hello = tracker.hello
        if hello is not None:
            text.append(f"\nPython {hello.version}", style="bold")
            text.append(f" · {gil_text(hello.free_threaded, hello.gil_enabled)}")
        text.append(f"\n{plural(tracker.total_tasks, 'task')} · {tracker.fraction:.0%} done\n")
        text.append_text(progress_text(tracker.fraction, bar))
    if note:
        text.append(f"\n{note}", style="italic")
    if message is not None and message.plain:
        text.append("\n")
        text.append_text(message)
    return text


class RunStatus(Vertical):
    """A few lines about the current (or last) run, with an overall progress bar."""

    DEFAULT_CSS = """
    RunStatus { height: auto; width: 38; padding: 0 1; border-left: tall $panel; }
    RunStatus #status-text { height: auto; }
    """

    #: Width of the overall progress bar, in cells. A text bar, not a ProgressBar widget:
    #: fewer widgets make every screen update of the Live tab cheaper.
    BAR = 28

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The run shown (the last one once it ended); None: idle.
        self.tracker: RunTracker | None = None
        #: A line under the status (``cancelling…``).
        self.note = ""
        #: What the tab last said (see :meth:`tell`); None: nothing.
        self.message: Text | None = None
        self._message_timer: Timer | None = None
        self._started: float | None = None
        self._elapsed: float | None = None
        self._lines = 0

    def compose(self) -> ComposeResult:
        yield Static(Text("idle · press r to run", style="dim"), id="status-text")

    def begin(self, tracker: RunTracker, note: str = "") -> None:
        """A run starts now: its clock starts."""
        self.tracker, self.note = tracker, note
        self._started, self._elapsed = time.monotonic(), None
        self.redraw()

    def end(self) -> None:
        """The run ended: its clock stops."""
        if self._started is not None:
            self._elapsed = time.monotonic() - self._started
        self.redraw()

    def saved(self) -> tuple:
        """What the status shows now (the run, its clock, the note), for :meth:`restore`."""
        return self.tracker, self.note, self._started, self._elapsed

    def restore(self, saved: tuple) -> None:
        """Show again what :meth:`saved` kept (the last run's "done" after the Costs panel)."""
        self.tracker, self.note, self._started, self._elapsed = saved
        self.redraw()

    def idle(self, note: str) -> None:
        """No run on show, only ``note`` (the Costs preset)."""
        self.tracker, self.note = None, note
        self.redraw()

    def tell(self, text: str | None, severity: str = "information",
             timeout: float | None = MESSAGE_S) -> None:
        """Say ``text`` under the status for ``timeout`` seconds (None: until the next
        message); ``tell(None)`` says nothing any more."""
        if self._message_timer is not None:
            self._message_timer.stop()
            self._message_timer = None
        self.message = None if not text else Text(text, style=MESSAGE_STYLE.get(severity, ""))
        if self.message is not None and timeout:
            self._message_timer = self.set_timer(timeout, lambda: self.tell(None))
        self.redraw()

    def set_note(self, note: str) -> None:
        self.note = note
        self.redraw()

    def redraw(self) -> None:
        elapsed = self._elapsed
        if elapsed is None and self.tracker is not None and self._started is not None:
            elapsed = time.monotonic() - self._started
        text = status_text(self.tracker, elapsed, self.note, self.BAR, self.message)
        # A new layout (costly: the whole screen) only when the number of lines changes.
        lines = text.plain.count("\n")
        self.query_one("#status-text", Static).update(text, layout=lines != self._lines)
        self._lines = lines
