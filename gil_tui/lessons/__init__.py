"""The lessons: small Markdown files with front matter, shipped as package data.

Each file ``NN-slug.md`` starts with a front matter block::

    ---
    slug: the-gil
    title: The GIL, and why CPython has one
    order: 3
    summary: One sentence for the lesson list.
    try: workload=cpu mode=threads workers=2
    ---

The ordered index is the ``order`` key.  Links between lessons are written
``[text](lesson:SLUG)``.  Nothing here imports Textual or rich.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence, Tuple

from gil_tui.engine.demos.main_guard_analysis import forkserver_preloads_main

LESSON_LINK = re.compile(r"\]\(lesson:([a-z0-9-]+)\)")
TRY_KEYS = ("workload", "mode", "workers", "start_method", "tasks", "scale", "delay_ms")


class LessonError(ValueError):
    """A lesson file that does not follow the format."""


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    order: int
    summary: str
    body: str
    filename: str
    try_it: dict[str, str] = field(default_factory=dict)

    @property
    def words(self) -> int:
        return len(self.body.split())

    @property
    def links(self) -> list[str]:
        """Slugs of the other lessons this one links to."""
        return LESSON_LINK.findall(self.body)

    def try_command(self) -> str | None:
        """The `gil-tui bench` command line for this lesson's experiment."""
        if not self.try_it:
            return None
        parts = ["gil-tui bench"]
        for key in TRY_KEYS:
            if key in self.try_it:
                parts.append(f"--{key.replace('_', '-')} {self.try_it[key]}")
        return " ".join(parts)


def parse_try(text: str) -> dict[str, str]:
    """Parse ``workload=cpu mode=threads workers=2`` into a dict."""
    result: dict[str, str] = {}
    for item in text.split():
        key, sep, value = item.partition("=")
        if not sep or key not in TRY_KEYS or not value:
            raise LessonError(f"bad 'try' item {item!r} (known keys: {', '.join(TRY_KEYS)})")
        result[key] = value
    return result


def parse_lesson(text: str, filename: str = "<string>") -> Lesson:
    """Parse one lesson file's text."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise LessonError(f"{filename}: no front matter (first line must be '---')")
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    except StopIteration:
        raise LessonError(f"{filename}: front matter is not closed with '---'") from None
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise LessonError(f"{filename}: front matter line without ':': {line!r}")
        meta[key.strip()] = value.strip()
    missing = [k for k in ("slug", "title", "order", "summary") if not meta.get(k)]
    if missing:
        raise LessonError(f"{filename}: front matter lacks {', '.join(missing)}")
    try:
        order = int(meta["order"])
    except ValueError:
        raise LessonError(f"{filename}: order must be an integer") from None
    try_text = meta.get("try", "")
    try_it = {} if try_text in ("", "none") else parse_try(try_text)
    body = "\n".join(lines[end + 1 :]).strip() + "\n"
    return Lesson(
        slug=meta["slug"],
        title=meta["title"],
        order=order,
        summary=meta["summary"],
        body=body,
        filename=filename,
        try_it=try_it,
    )


@lru_cache(maxsize=1)
def load_lessons() -> tuple[Lesson, ...]:
    """Every lesson shipped with the package, in order."""
    folder = resources.files(__name__)
    lessons = [
        parse_lesson(entry.read_text(encoding="utf-8"), entry.name)
        for entry in folder.iterdir()
        if entry.name.endswith(".md") and entry.name[:2].isdigit()
    ]
    lessons.sort(key=lambda lesson: (lesson.order, lesson.slug))
    return tuple(lessons)


#: In the threads-vs-processes lesson, replaced by the costs measured on this machine.
COSTS_PLACEHOLDER = "Not measured here yet: press d in the app, or run gil-tui costs."

#: In the main-guard lesson, right after the table of what an unguarded script does
#: under each start method: replaced by a list saying which row each of the reader's
#: interpreters falls in, or removed when none is known.
INTERPRETERS_PLACEHOLDER = "<!-- your-interpreters -->"

#: (label, version tuple) of each interpreter the app has found, e.g. ("3.13.0", (3, 13, 0)).
KnownInterpreter = Tuple[str, Tuple[int, ...]]

# What the app discovered last (see note_interpreters); probes are never run from here.
_known_interpreters: tuple[KnownInterpreter, ...] = ()


def _version3(version: Sequence[object]) -> tuple[int, int, int]:
    parts = [int(part) for part in list(version)[:3] if isinstance(part, int)]
    parts += [0] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def forkserver_row(label: str, version: Sequence[object]) -> str:
    """One line saying which row of the main-guard lesson's table an interpreter is in."""
    v = _version3(version)
    if forkserver_preloads_main(v):
        return (f"{label}: the fork server imports `__main__` once; an unguarded "
                "script makes the parent's `start()` fail or a `Pool` hang")
    if v[:2] == (3, 13):
        return f"{label}: forkserver behaves like spawn (before the 3.13.8 fix)"
    if v[:2] == (3, 14):
        return f"{label}: forkserver behaves like spawn (before the 3.14.1 fix)"
    return f"{label}: forkserver behaves like spawn"


def interpreters_list(interpreters: Iterable[KnownInterpreter]) -> str:
    """The Markdown list that takes the place of INTERPRETERS_PLACEHOLDER ("" if none).

    Interpreters older than 3.4 (no forkserver) are left out; a label seen twice once."""
    rows: list[str] = []
    seen: set[str] = set()
    ordered = sorted(interpreters, key=lambda item: (_version3(item[1]), item[0]))
    for label, version in ordered:
        if label in seen or _version3(version) < (3, 4, 0):
            continue
        seen.add(label)
        rows.append(f"- {forkserver_row(label, version)}")
    if not rows:
        return ""
    intro = ("On the interpreters gil-tui found here (spawn and fork behave "
             "the same on all of them):")
    return intro + "\n\n" + "\n".join(rows)


def note_interpreters(interpreters: Iterable[KnownInterpreter]) -> None:
    """Remember what the app discovered, for the main-guard lesson's list.

    The app calls this when its interpreter scan finishes (e.g. with
    ``[(i.version + ("t" if i.free_threaded else ""), i.version_info) for i in found]``)
    and shows the lesson again; nothing here probes an interpreter."""
    global _known_interpreters
    _known_interpreters = tuple(
        (str(label), tuple(version)) for label, version in interpreters if version
    )


def _fill_interpreters(body: str, interpreters: Iterable[KnownInterpreter] | None) -> str:
    if INTERPRETERS_PLACEHOLDER not in body:
        return body
    listing = interpreters_list(_known_interpreters if interpreters is None else interpreters)
    lines = body.split("\n")
    out: list[str] = []
    for index, line in enumerate(lines):
        if line.strip() != INTERPRETERS_PLACEHOLDER:
            out.append(line)
        elif listing:
            # blank lines around it, so that it never joins the table above
            if out and out[-1].strip():
                out.append("")
            out.append(listing)
            if index + 1 < len(lines) and lines[index + 1].strip():
                out.append("")
        elif out and not out[-1].strip():
            out.pop()  # removed, with the blank line before it
    return "\n".join(out)


def body_for_display(
    lesson: Lesson, interpreters: Iterable[KnownInterpreter] | None = None
) -> str:
    """The lesson's Markdown with what is known about this machine filled in.

    The costs measured here (threads-vs-processes), and which row of the main-guard
    table each interpreter falls in: ``interpreters`` as (label, version) pairs, or when
    None the ones the app noted with :func:`note_interpreters`. Never runs a probe."""
    body = _fill_interpreters(lesson.body, interpreters)
    if COSTS_PLACEHOLDER not in body:
        return body
    from gil_tui.engine.demos.costs import last_table

    table = last_table()
    return body.replace(COSTS_PLACEHOLDER, table.strip()) if table else body


# ------------------------------------------------------------ for `gil-tui lessons SLUG`

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


def get_lesson(slug: str) -> Lesson | None:
    """The lesson with this slug, or None."""
    return next((lesson for lesson in load_lessons() if lesson.slug == slug), None)


def slugs() -> list[str]:
    return [lesson.slug for lesson in load_lessons()]
