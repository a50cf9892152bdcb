"""Command line entry point: `gil-tui` and its subcommands.

Each subcommand lives in its own module ``gil_tui.commands.<name>`` (found
automatically) and exposes
``add_parser(subparsers)`` (which registers it and sets ``func``) and a
``run(args) -> int``.  Headless commands never import Textual; only the
commands that open the app do, and only when they run.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from gil_tui import __version__

if TYPE_CHECKING:  # argparse, pkgutil: imported when used (`gil-tui` alone needs neither)
    import argparse

#: The order ``--help`` lists the subcommands in; any other module in
#: ``gil_tui.commands`` is registered after these, alphabetically.
ORDER = ("app", "live", "lessons", "bench", "compare", "interpreters", "results", "watch",
         "costs", "demo")


def command_modules() -> list[str]:
    """Names of the modules in ``gil_tui.commands``, in help order."""
    import pkgutil

    import gil_tui.commands as package

    names = [m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")]
    rank = {name: n for n, name in enumerate(ORDER)}
    return sorted(names, key=lambda name: (rank.get(name, len(ORDER)), name))


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib

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
    for name in command_modules():
        module = importlib.import_module(f"gil_tui.commands.{name}")
        module.add_parser(sub)
    return parser


def _stdout_closed() -> bool:
    """True when there is no stdout to write to (``>&-``, ``pythonw``)."""
    out = sys.stdout
    return out is None or bool(getattr(out, "closed", False))


def _say(line: str) -> None:
    """``gil-tui: line`` on stderr, dropped when stderr is closed too."""
    try:
        if sys.stderr is not None:
            print(f"gil-tui: {line}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    # Ctrl+C while the command modules are still being imported (or the parser built)
    # is one line and 130, never a traceback: the commands' own handling starts later.
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED


#: Ctrl+C; the same value as ``_common.EXIT_INTERRUPTED`` (not imported: `gil-tui` alone skips it)
EXIT_INTERRUPTED = 130
#: stdout closed: the code ``results`` and ``watch`` give it
EXIT_NO_STDOUT = 1
#: commands that check stdout themselves (``results --clear`` needs none; the app
#: commands refuse a closed stdout as "not a terminal")
OWN_STDOUT_CHECK = frozenset({"results", "watch", "app", "live"})


def _main(argv: list[str] | None) -> int:
    if not (sys.argv[1:] if argv is None else argv):
        # `gil-tui` alone opens the app: no parser to build (it imports every command,
        # ~0.1 s before the first frame).
        from gil_tui.commands import app

        return app.open_app()
    # Here, not at the top: `gil-tui` alone (above) does without it.
    from gil_tui.commands._common import EXIT_OK, fail

    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from gil_tui.commands import app

        return app.open_app()
    name = getattr(func, "__module__", "").rpartition(".")[2]  # (args.command: watch's own)
    if name not in OWN_STDOUT_CHECK and _stdout_closed():  # one line, not a traceback
        _say("stdout is closed: nowhere to write the output "
             "(redirect it to a file or /dev/null instead)")
        return EXIT_NO_STDOUT
    try:
        return int(func(args) or EXIT_OK)
    except KeyboardInterrupt:  # a command that does not stop its own work on Ctrl+C
        return fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
