"""Command line entry point: `gil-tui` and its subcommands.

Each subcommand lives in ``gil_tui.commands.<name>`` and exposes
``add_parser(subparsers)`` (which registers it and sets ``func``) and a
``run(args) -> int``.  Headless commands never import Textual; only the
commands that open the app do, and only when they run.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from gil_tui import __version__

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ("app", "lessons", "bench", "interpreters")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gil-tui",
        description=(
            "Learn how threads and processes behave in CPython, with and without "
            "the GIL, and watch your own cores while they run. "
            "Without a subcommand, opens the app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"gil-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"gil_tui.commands.{name}")
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from gil_tui.commands import app

        return app.open_app()
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        print("gil-tui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
