"""Tabs whose full view is still being built: each says what it will show and what to use now."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

UPCOMING = {
    "live": (
        "Live will run a workload with a key press and draw every core, process and thread.",
        "Meanwhile: gil-tui bench --workload cpu --mode threads --workers 2",
    ),
    "compare": (
        "Compare will run the CPU and I/O experiments over every mode and interpreter.",
        "Meanwhile: gil-tui bench --workload io --mode threads --workers 16",
    ),
    "interpreters": (
        "Interpreters will list every Python found here, GIL or free-threaded.",
        "Meanwhile: gil-tui interpreters",
    ),
}


class UpcomingPane(Vertical):
    """A one-line note for a tab that later work fills in."""

    DEFAULT_CSS = """
    UpcomingPane { padding: 1 2; height: 1fr; }
    UpcomingPane .what { text-style: bold; }
    UpcomingPane .meanwhile { color: $text-muted; }
    """

    def __init__(self, name: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.what, self.meanwhile = UPCOMING[name]

    def compose(self) -> ComposeResult:
        yield Static(self.what, classes="what")
        yield Static(self.meanwhile, classes="meanwhile")
