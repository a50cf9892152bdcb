"""The lessons as a terminal shows them (`gil-tui lessons SLUG`): links written out as
text a reader can follow, and rich's padding taken off. Nothing here imports Textual
or rich; the app never needs this module (:mod:`gil_tui.lessons` finds its names)."""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from gil_tui.lessons import KnownInterpreter, Lesson, body_for_display, load_lessons

__all__ = ["body_for_terminal", "links_for_terminal", "strip_trailing_spaces"]

_FENCE = re.compile(r"^\s*(```|~~~)")
_ANY_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_LESSON_WORD = re.compile(r"^[Ll]esson (\d+)$")
_MARKDOWN_PUNCT = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def links_for_terminal(markdown: str, lessons: Sequence[Lesson], hyperlinks: bool = False) -> str:
    """Markdown with its links written out as text a terminal reader can follow.

    ``[text](lesson:slug)`` becomes ``text [lesson N: Title, `gil-tui lessons slug`]``,
    and ``[lesson N](lesson:slug)`` becomes ``lesson N [`gil-tui lessons slug`]``.
    Without ``hyperlinks`` a web link becomes ``text (URL)`` (just the URL when the text
    is the URL); with them web links stay links, for a terminal to show. Code blocks are
    left alone."""
    by_slug = {lesson.slug: lesson for lesson in lessons}

    def replace(match: re.Match[str]) -> str:
        text, target = match.group(1), match.group(2)
        if target.startswith("lesson:"):
            slug = target[len("lesson:"):]
            lesson = by_slug.get(slug)
            command = f"`gil-tui lessons {slug}`"
            # square brackets: links often sit inside parentheses already
            if lesson is None or _LESSON_WORD.match(text.strip()):
                return f"{text} \\[{command}\\]"
            return f"{text} \\[lesson {lesson.order}: {lesson.title}, {command}\\]"
        if hyperlinks or "://" not in target:
            return match.group(0)
        url = _MARKDOWN_PUNCT.sub(r"\\\1", target)
        if text.strip() in (target, f"<{target}>"):
            return url
        return f"{text} ({url})"

    out: list[str] = []
    in_code = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
        elif not in_code:
            line = _ANY_LINK.sub(replace, line)
        out.append(line)
    return "\n".join(out)


def body_for_terminal(
    lesson: Lesson,
    *,
    hyperlinks: bool = False,
    interpreters: Iterable[KnownInterpreter] | None = None,
) -> str:
    """:func:`body_for_display` with links a terminal reader can follow (for rich)."""
    return links_for_terminal(
        body_for_display(lesson, interpreters), load_lessons(), hyperlinks=hyperlinks
    )


# Spaces at the end of a line, possibly followed by escape sequences only (colours,
# OSC 8 hyperlinks): rich pads every line to the console's width.
_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*[A-Za-z]|\x1b\]8;[^\x1b\a]*(?:\x1b\\|\a))*)$")


def strip_trailing_spaces(text: str) -> str:
    """Every line of ``text`` without spaces at its end (escape codes there are kept)."""
    lines = []
    for line in text.split("\n"):
        while True:
            stripped = _TRAILING.sub(r"\1", line)
            if stripped == line:
                break
            line = stripped
        lines.append(line)
    return "\n".join(lines)
