"""The list of lessons (the contents) on the left of the Lessons tab.

Built when first shown: a narrow terminal hides it, and then the app's first
frame does without it (an option list and its styles are not free to build).
"""

from __future__ import annotations

import textwrap
from typing import Sequence

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from gil_tui.lessons import Lesson

#: Width of the list of lessons (its right border included).
LIST_WIDTH = 30

__all__ = ["LIST_WIDTH", "contents_entry", "make_contents"]


def contents_entry(number: int, title: str, width: int = LIST_WIDTH - 3) -> str:
    """One entry: the number, then the title wrapped under itself (a hanging indent),
    ``width`` cells wide at most."""
    lines = textwrap.wrap(title, max(8, width - 3)) or [""]
    return "\n".join([f"{number:>2} {lines[0]}", *(f"   {line}" for line in lines[1:])])


def make_contents(lessons: Sequence[Lesson], highlighted: int) -> OptionList:
    """The list, with the lesson on show highlighted."""
    options = OptionList(
        *(Option(Content(contents_entry(n, lesson.title)), id=lesson.slug)
          for n, lesson in enumerate(lessons, 1)),
        id="lesson-list",
    )
    options.tooltip = "Enter or click opens a lesson"
    if lessons:
        options.highlighted = highlighted
    return options
