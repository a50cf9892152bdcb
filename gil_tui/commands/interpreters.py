"""`gil-tui interpreters`: list the Pythons found, or add/remove one by path.

Output is an API: ``--json`` prints one JSON list of objects (``path``,
``version``, ``implementation``, ``gil_enabled``, ``free_threaded``,
``supported``, ``reason``, ``source`` and a few extras); exit codes are 0 on
success, 1 when ``--add``/``--remove`` cannot do what was asked, 2 on a usage
error (argparse).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from gil_tui.engine.system.interpreters import (
    MIN_VERSION,
    Interpreter,
    InterpreterError,
    add_path,
    discover,
    remove_path,
)

PROG = "gil-tui interpreters"
FREE_THREADED_HINT = (
    "No free-threaded build found: get one with `pyenv install 3.14t` or "
    "`uv python install 3.14t`, then run `gil-tui interpreters` again."
)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 120:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 120 seconds")
    return value


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
        type=_positive,
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
        version = interp.version + ("t" if interp.free_threaded else "")
        if interp.implementation and interp.implementation != "cpython":
            version = f"{interp.implementation} {version}"
        build = "free-threaded" if interp.free_threaded else "GIL"
        gil = {True: "on", False: "off", None: "?"}[interp.gil_enabled]
    aiohttp = "yes" if interp.has_aiohttp else ("no" if interp.version else "?")
    return [version, build, gil, aiohttp, interp.source, interp.path, _status(interp)]


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


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    timeout = getattr(args, "timeout", 5.0)
    if args.add:
        try:
            interp = add_path(args.add, timeout=timeout)
        except InterpreterError as exc:
            return _fail(str(exc))
        except OSError as exc:
            return _fail(f"could not save the list of interpreters: {exc}")
        if args.json:
            print(json.dumps(interp.to_dict(), indent=2))
        else:
            print(f"added {interp.path}: {interp.label()}")
        return 0
    if args.remove:
        try:
            removed = remove_path(args.remove)
        except OSError as exc:
            return _fail(f"could not save the list of interpreters: {exc}")
        if not removed:
            return _fail(f"{args.remove} is not among the interpreters you added")
        if not args.json:
            print(f"removed {args.remove}")
        else:
            print(json.dumps({"removed": args.remove}))
        return 0

    interps = discover(timeout=timeout)
    if args.json:
        print(json.dumps([i.to_dict() for i in interps], indent=2))
    else:
        sys.stdout.write(render_table(interps))
    return 0
