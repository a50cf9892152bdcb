"""`gil-tui interpreters`: list the Pythons found, or add/remove one by path.

Output is an API: ``--json`` prints one JSON list of objects (``path``,
``version``, ``implementation``, ``gil_enabled``, ``free_threaded``,
``supported``, ``reason``, ``source`` and a few extras); exit codes are 0 on
success, 1 when ``--add``/``--remove`` cannot do what was asked (or the list of
added interpreters cannot be read: it is then left as it is), 2 on a usage error
(argparse, or an empty PATH). Problems in that list (entries skipped) are one line
each on stderr; paths and reasons are cleaned of control characters before they
are printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from gil_tui.commands._common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, number
from gil_tui.engine.system.interpreters import (
    MIN_VERSION,
    ConfigError,
    Interpreter,
    InterpreterError,
    add_path,
    config_warnings,
    discover,
    read_user_paths,
    remove_path,
)
from gil_tui.engine.text import clean_line, version_label

PROG = "gil-tui interpreters"
MAX_TIMEOUT = 120.0
FREE_THREADED_HINT = (
    "No free-threaded build found: get one with `pyenv install 3.14t` or "
    "`uv python install 3.14t`, then run `gil-tui interpreters` again."
)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "interpreters",
        help="list the Python interpreters found, or add one by path",
        description=(
            "List every Python interpreter found (the one running gil-tui, pyenv and uv "
            "installs, python3.X on PATH, and paths you added) with its version, whether "
            "it is a free-threaded build, whether the GIL is on at run time, and whether "
            "gil-tui can run benchmarks with it (CPython >= "
            f"{MIN_VERSION[0]}.{MIN_VERSION[1]})."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--add", metavar="PATH", help="check the interpreter at PATH and remember it"
    )
    group.add_argument("--remove", metavar="PATH", help="forget an interpreter you added")
    parser.add_argument(
        "--timeout",
        type=number("timeout", MAX_TIMEOUT, unit="seconds"),
        default=5.0,
        metavar="SECONDS",
        help="how long each interpreter may take to answer (default: 5)",
    )
    parser.set_defaults(func=run)
    return parser


def _status(interp: Interpreter) -> str:
    if interp.supported:
        return "ok"
    if interp.version is not None:
        return f"unsupported: needs CPython >= {MIN_VERSION[0]}.{MIN_VERSION[1]}"
    return interp.reason or "unknown problem"


def _row(interp: Interpreter) -> list[str]:
    if interp.version is None:
        version = build = gil = "?"
    else:
        version = version_label(interp.version, interp.free_threaded)
        if interp.implementation and interp.implementation != "cpython":
            version = f"{interp.implementation} {version}"
        build = "free-threaded" if interp.free_threaded else "GIL"
        gil = {True: "on", False: "off", None: "?"}[interp.gil_enabled]
    aiohttp = "yes" if interp.has_aiohttp else ("no" if interp.version else "?")
    cells = [version, build, gil, aiohttp, interp.source, interp.path, _status(interp)]
    return [clean_line(cell) for cell in cells]


HEADERS = ["VERSION", "BUILD", "GIL NOW", "AIOHTTP", "SOURCE", "PATH", "STATUS"]


def render_table(interps: Sequence[Interpreter]) -> str:
    """The plain-text table ``gil-tui interpreters`` prints (hint line included)."""
    rows = [HEADERS] + [_row(i) for i in interps]
    widths = [max(len(row[col]) for row in rows) for col in range(len(HEADERS) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    if not interps:
        lines.append("No Python interpreter found.")
    if not any(i.free_threaded and i.supported for i in interps):
        lines.append(FREE_THREADED_HINT)
    return "\n".join(lines) + "\n"


def _say(message: str) -> None:
    fail(clean_line(message), prog=PROG)


def _change(args: argparse.Namespace, timeout: float) -> int:
    """--add or --remove."""
    flag, path = ("--add", args.add) if args.add is not None else ("--remove", args.remove)
    if not path.strip():
        return fail(f"{flag} needs a path (got an empty one)", EXIT_USAGE, prog=PROG)
    config = read_user_paths()
    if config.unreadable:  # never overwritten: say so before probing anything
        return fail(config.warnings[0], EXIT_FAILED, prog=PROG)
    for warning in config.warnings:  # entries that saving the list will drop
        _say(warning)
    try:
        if args.add is not None:
            interp = add_path(path, timeout=timeout)
        else:
            removed = remove_path(path)
    except (InterpreterError, ConfigError) as exc:
        return fail(clean_line(str(exc)), EXIT_FAILED, prog=PROG)
    except OSError as exc:
        return fail(clean_line(f"could not save the list of interpreters: {exc}"), EXIT_FAILED,
                    prog=PROG)
    if args.add is not None:
        print(json.dumps(interp.to_dict(), indent=2) if args.json
              else f"added {clean_line(interp.path)}: {clean_line(interp.label())}")
        return EXIT_OK
    if not removed:
        return fail(f"{clean_line(path)} is not among the interpreters you added", EXIT_FAILED,
                    prog=PROG)
    print(json.dumps({"removed": path}) if args.json else f"removed {clean_line(path)}")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    timeout = getattr(args, "timeout", 5.0)
    if args.add is not None or args.remove is not None:
        return _change(args, timeout)
    interps = discover(timeout=timeout)
    if args.json:
        print(json.dumps([i.to_dict() for i in interps], indent=2))
    else:
        sys.stdout.write(render_table(interps))
    for warning in config_warnings():  # after the table, where a long one does not hide them
        _say(warning)
    return EXIT_OK
