"""RunStatus: what is running, for how long, how far it got, and on which interpreter."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from gil_tui.engine.run.tracker import RunTracker
from gil_tui.ui.widgets.core_bars import progress_text

STATE_STYLE = {"idle": "dim", "starting": "yellow", "running": "bold yellow",
               "done": "bold green", "failed": "bold red", "cancelled": "yellow"}


def gil_text(free_threaded: bool | None, gil_enabled: bool | None) -> str:
    if free_threaded:
        return "free-threaded, GIL " + ("on" if gil_enabled else "off")
    return "GIL build, GIL on"


class RunStatus(Vertical):
    """A few lines about the current (or last) run, with an overall progress bar."""

    DEFAULT_CSS = """
    RunStatus { height: auto; width: 38; padding: 0 1; border-left: tall $panel; }
    RunStatus #status-text { height: auto; }
    """

    #: Width of the overall progress bar, in cells. A text bar, not a ProgressBar widget:
    #: fewer widgets make every screen update of the Live tab cheaper.
    BAR = 28

    _lines = 0

    def compose(self) -> ComposeResult:
        yield Static(Text("idle · press r to run", style="dim"), id="status-text")

    def show(self, tracker: RunTracker | None, elapsed: float | None = None,
             note: str = "") -> None:
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
            text.append(f"\n{tracker.total_tasks} tasks · {tracker.fraction:.0%} done\n")
            text.append_text(progress_text(tracker.fraction, self.BAR))
        if note:
            text.append(f"\n{note}", style="italic")
        # A new layout (costly: the whole screen) only when the number of lines changes.
        lines = text.plain.count("\n")
        self.query_one("#status-text", Static).update(text, layout=lines != self._lines)
        self._lines = lines
