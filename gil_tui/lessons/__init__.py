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


def body_for_display(lesson: Lesson) -> str:
    """The lesson's Markdown with what was measured on this machine filled in."""
    if COSTS_PLACEHOLDER not in lesson.body:
        return lesson.body
    from gil_tui.engine.costs import last_table

    table = last_table()
    return lesson.body.replace(COSTS_PLACEHOLDER, table.strip()) if table else lesson.body


def get_lesson(slug: str) -> Lesson | None:
    """The lesson with this slug, or None."""
    return next((lesson for lesson in load_lessons() if lesson.slug == slug), None)


def slugs() -> list[str]:
    return [lesson.slug for lesson in load_lessons()]
