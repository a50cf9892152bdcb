"""TitleBar: the app's title on one line, as Textual's Header draws it, in one widget.

Textual's Header is four widgets (an icon that opens the palette, the title, a clock
space) with their styles; gil-tui shows neither an icon nor a clock, and every widget
in the first frame delays it, so the title is one ``Static``.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

__all__ = ["TitleBar"]


class TitleBar(Static):
    """``gil-tui — threads, processes and the GIL``: the app's title and sub-title."""

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        content-align: center middle;
    }
    """

    def on_mount(self) -> None:
        self.update(Content.assemble(self.app.title, (" — ", "$foreground-muted"),
                                     (self.app.sub_title, "$foreground-muted")))
