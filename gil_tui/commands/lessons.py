"""`gil-tui lessons [SLUG]`: list the lessons, or print one rendered in the terminal."""

from __future__ import annotations

import argparse
import sys

from gil_tui.lessons import body_for_display, get_lesson, load_lessons


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
        return 0
    lesson = get_lesson(args.slug)
    if lesson is None:
        print(f"gil-tui lessons: unknown lesson {args.slug!r}. Valid slugs:", file=sys.stderr)
        for item in lessons:
            print(f"  {item.slug}", file=sys.stderr)
        return 2
    if args.plain:
        sys.stdout.write(lesson.body)
        return 0
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console()
    console.print(Markdown(body_for_display(lesson), hyperlinks=console.is_terminal))
    if lesson.try_it:
        console.print(f"\n[dim]Try it: {lesson.try_command()}[/dim]")
    return 0
