"""`gil-tui lessons [SLUG]`: list the lessons, or print one rendered in the terminal."""

from __future__ import annotations

import argparse
import platform
import sys

from gil_tui.commands._common import EXIT_OK, EXIT_USAGE, fail
from gil_tui.lessons import (
    INTERPRETERS_PLACEHOLDER,
    Lesson,
    body_for_terminal,
    get_lesson,
    load_lessons,
    strip_trailing_spaces,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "lessons",
        help="list the lessons, or print one (rendered) to the terminal",
        description="Without SLUG, list the lessons in order (slug and title). "
        "With SLUG, print that lesson rendered for the terminal.",
    )
    parser.add_argument("slug", nargs="?", metavar="SLUG", help="the lesson to print")
    parser.add_argument(
        "--plain", action="store_true", help="print the lesson's Markdown source as it is"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    lessons = load_lessons()
    if args.slug is None:
        width = max((len(lesson.slug) for lesson in lessons), default=0)
        for lesson in lessons:
            print(f"{lesson.order:>2}  {lesson.slug:<{width}}  {lesson.title}")
        return EXIT_OK
    lesson = get_lesson(args.slug)
    if lesson is None:
        fail(f"unknown lesson {args.slug!r}. Valid slugs:", prog="gil-tui lessons")
        for item in lessons:
            print(f"  {item.slug}", file=sys.stderr)
        return EXIT_USAGE
    if args.plain:
        sys.stdout.write(lesson.body)
        return EXIT_OK
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console()
    hyperlinks = console.is_terminal
    body = body_for_terminal(
        lesson, hyperlinks=hyperlinks, interpreters=_interpreters_for(lesson)
    )
    with console.capture() as captured:
        console.print(Markdown(body, hyperlinks=hyperlinks))
        if lesson.try_it:
            console.print(f"\n[dim]Try it: {lesson.try_command()}[/dim]")
    # rich pads each line to the terminal's width: no spaces at line ends
    sys.stdout.write(strip_trailing_spaces(captured.get()))
    sys.stdout.flush()
    return EXIT_OK


def _interpreters_for(lesson: Lesson) -> list[tuple[str, tuple[int, ...]]] | None:
    """The interpreters on this machine, when the lesson shows which of them do what.

    A one-shot command can afford the probes (in parallel, ~0.2 s); the app passes
    what its own scan found instead."""
    if INTERPRETERS_PLACEHOLDER not in lesson.body:
        return None
    try:
        from gil_tui.engine.system.interpreters import discover

        found = discover(timeout=3.0)
    except Exception:  # the list is a bonus: the lesson prints without it
        found = []
    pairs: list[tuple[str, tuple[int, ...]]] = []
    for interp in found:
        if interp.supported and interp.version and interp.version_info:
            label = interp.version + ("t" if interp.free_threaded else "")
            pairs.append((label, tuple(interp.version_info)))
    if not pairs:  # at least the Python running this command
        pairs.append((platform.python_version(), tuple(sys.version_info[:3])))
    return pairs
