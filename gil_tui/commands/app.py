"""Opening the Textual app (the default when no subcommand is given).

Textual is imported only here, inside the functions, so headless commands
(`bench`, `interpreters`, `lessons`) start fast and never load it.
"""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("app", help="open the app (the same as no subcommand)")
    parser.add_argument(
        "--tab",
        choices=("lessons", "live", "compare", "interpreters"),
        default="lessons",
        help="the tab to open on",
    )
    parser.add_argument("--lesson", metavar="SLUG", help="open this lesson first")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return open_app(tab=args.tab, lesson=args.lesson)


def open_app(tab: str = "lessons", lesson: str | None = None) -> int:
    from gil_tui.ui.app import make_app

    app = make_app(tab=tab, lesson=lesson)
    app.run()
    return int(app.return_code or 0)


def open_watch(argv: list[str] | None = None, pid: int | None = None, hz: float = 4.0,
               log: str | None = None) -> int:
    """`gil-tui watch` with the TUI: the watch view alone; returns the exit code."""
    from gil_tui.ui.watch.view import WatchApp

    app = WatchApp(argv, pid=pid, hz=hz, log=log)
    app.run()
    return int(app.return_code or 0)
