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

The app's first frame shows a lesson's title, so this module is imported before
it: what only some callers need is imported when first used (the main-guard
analysis, and :mod:`gil_tui.lessons.terminal` for `gil-tui lessons SLUG`, whose
names are still found here).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Sequence, Tuple

if TYPE_CHECKING:  # found by __getattr__ below
    from gil_tui.engine.demos.main_guard_analysis import forkserver_preloads_main
    from gil_tui.lessons.terminal import (body_for_terminal, links_for_terminal,
                                          strip_trailing_spaces)

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
    lessons = [parse_lesson(text, name) for name, text in _lesson_files()]
    lessons.sort(key=lambda lesson: (lesson.order, lesson.slug))
    return tuple(lessons)


def _lesson_files(folder: str = "") -> list[tuple[str, str]]:
    """(name, text) of each lesson file. Read from the package's folder (what every
    install has; importlib.resources would import zipfile first), else through
    importlib.resources (a package in a zip archive has no folder to list)."""
    folder = folder or os.path.dirname(os.path.abspath(__file__))
    try:
        names = os.listdir(folder)
    except OSError:
        from importlib import resources

        return [(entry.name, entry.read_text(encoding="utf-8"))
                for entry in resources.files(__name__).iterdir() if _is_lesson(entry.name)]
    files = []
    for name in names:
        if _is_lesson(name):
            with open(os.path.join(folder, name), encoding="utf-8") as file:
                files.append((name, file.read()))
    return files


def _is_lesson(name: str) -> bool:
    return name.endswith(".md") and name[:2].isdigit()


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
    from gil_tui.engine.demos.main_guard_analysis import forkserver_preloads_main

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


def get_lesson(slug: str) -> Lesson | None:
    """The lesson with this slug, or None."""
    return next((lesson for lesson in load_lessons() if lesson.slug == slug), None)


def slugs() -> list[str]:
    return [lesson.slug for lesson in load_lessons()]


#: Names found in another module, imported when first asked for.
_LATER = {
    "forkserver_preloads_main": "gil_tui.engine.demos.main_guard_analysis",
    "links_for_terminal": "gil_tui.lessons.terminal",
    "body_for_terminal": "gil_tui.lessons.terminal",
    "strip_trailing_spaces": "gil_tui.lessons.terminal",
}


def __getattr__(name: str) -> Any:
    module = _LATER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
