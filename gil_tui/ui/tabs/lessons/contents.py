"""The list of lessons (the contents) on the left of the Lessons tab.

Built when first shown: a narrow terminal hides it, and then the app's first
frame does without it (an option list and its styles are not free to build).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Sequence

from textual.content import Content
from textual.visual import Visual
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from gil_tui.lessons import Lesson

if TYPE_CHECKING:
    from textual.css.styles import RulesMap
    from textual.strip import Strip
    from textual.style import Style
    from textual.visual import RenderOptions

#: Width of the list of lessons (its right border included).
LIST_WIDTH = 30
#: Cells before a title: the number, right-aligned in two, and a space.
NUMBER_WIDTH = 3

__all__ = ["LIST_WIDTH", "ContentsEntry", "contents_entry", "make_contents"]


def contents_entry(number: int, title: str, width: int = LIST_WIDTH - 3) -> str:
    """One entry: the number, then the title wrapped under itself (a hanging indent),
    ``width`` cells wide at most."""
    lines = textwrap.wrap(title, max(8, width - NUMBER_WIDTH)) or [""]
    indent = " " * NUMBER_WIDTH
    return "\n".join([f"{number:>2} {lines[0]}", *(f"{indent}{line}" for line in lines[1:])])


class ContentsEntry(Visual):
    """One entry of the list, wrapped for the width it is drawn at.

    The option list wraps its options itself, at the width left once its scrollbar
    shows: an entry wrapped beforehand would be wrapped again there, its title's second
    line under the number. This one wraps its title when drawn, under the title."""

    def __init__(self, number: int, title: str) -> None:
        self.number = number
        self.title = title
        self._content: tuple[int, Content] | None = None

    def content(self, width: int) -> Content:
        """The entry as text, wrapped ``width`` cells wide."""
        if self._content is None or self._content[0] != width:
            self._content = (width, Content(contents_entry(self.number, self.title, width)))
        return self._content[1]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content(LIST_WIDTH - 3).get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.content(width).get_height(rules, width)

    def render_strips(self, width: int, height: int | None, style: Style,
                      options: RenderOptions) -> list[Strip]:
        return self.content(width).render_strips(width, height, style, options)


def make_contents(lessons: Sequence[Lesson], highlighted: int) -> OptionList:
    """The list, with the lesson on show highlighted."""
    options = OptionList(
        *(Option(ContentsEntry(n, lesson.title), id=lesson.slug)
          for n, lesson in enumerate(lessons, 1)),
        id="lesson-list",
    )
    options.tooltip = "Enter or click opens a lesson"
    if lessons:
        options.highlighted = highlighted
    return options
