"""LessonHeading: ``Lesson 3 of 11 · The GIL…        r: try it live · d: demo``.

One line: the lesson's place and title on the left, cut with an ellipsis when room is
short, and its keys on the right, never cut (they were, at 80 columns). It takes the
focus while the lesson is read (the tab's keys are the pane's), and is one widget: it
is in the app's first frame.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

__all__ = ["LessonHeading"]


class LessonHeading(Widget, can_focus=True):
    """The lesson on show, and the keys it offers."""

    DEFAULT_CSS = """
    LessonHeading { height: 1; padding: 0 1; background: $boost; color: $text-muted; }
    LessonHeading:focus > .lesson-heading--title { color: $text; text-style: bold; }
    """

    COMPONENT_CLASSES = {"lesson-heading--title"}

    title: reactive[str] = reactive("")
    """``Lesson 3 of 11 · The GIL, and why CPython has one``."""

    hints: reactive[str] = reactive("")
    """The lesson's keys: ``r: try it live · d: demo`` ("" for none)."""

    def render(self) -> Text:
        width = self.content_size.width
        hints = self.hints
        room = width - (cell_len(hints) + 2 if hints else 0)
        title = self.title
        if cell_len(title) > room:
            title = set_cell_size(title, max(0, room - 1)) + "…" if room > 1 else ""
        line = Text(no_wrap=True, overflow="crop", end="")
        line.append(title, style=self.get_component_rich_style("lesson-heading--title"))
        if hints:
            line.append(" " * max(2, width - cell_len(title) - cell_len(hints)))
            line.append(hints)  # in the heading's own colour (muted)
        return line
