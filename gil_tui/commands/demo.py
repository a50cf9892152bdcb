"""`gil-tui demo NAME`: run one of the lessons' live demos headless and print what it showed.

Output is an API. With ``--json`` stdout gets exactly one JSON object, the
``DemoResult.to_dict()`` shape: ``format``, ``name``, ``title``, ``ok``,
``summary``, ``error``, ``interpreter`` {path, version, gil_enabled,
free_threaded, implementation, cpu_count, label} or null, ``sections``
[{title, lines}], ``data`` (the demo's own figures) and ``duration_s``; it is
printed even when the demo could not run (``ok`` false, ``error`` says why).
Without it: the title, each section with the real output, a legend when the
demo gives one (``data["legend"]``: the switch-interval timelines), and the
summary; every line goes through :func:`gil_tui.engine.text.clean`, so nothing a
demo script printed can send an escape sequence to the terminal.

Exit codes: 0 the demo ran (even when what it shows is a failure, like the
RuntimeError of a script without the main guard: that is the point), 1 it
could not run or finish (bad interpreter, timeout; one line on stderr), 2 usage
error, 130 interrupted (every process of the demo is ended first).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import TextIO

from gil_tui.commands._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Interrupted,
    fail,
    interruptible,
    number,
)
from gil_tui.engine.demos.registry import DEMOS, DemoResult, run_demo
from gil_tui.engine.text import clean, seconds

PROG = "gil-tui demo"
MAX_TIMEOUT = 600.0
WIDTH = 88


DESCRIPTION = "\n".join(textwrap.wrap(
    "Run a live demo in the chosen interpreter and print its real output and a summary of "
    "what was seen. Every demo has a time limit and cleans up its temporary files and "
    "processes.", 78))


def _show(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return "default" if value is None else str(value)


def _epilog() -> str:
    lines = ["demos:"]
    for name, info in DEMOS.items():
        lines.append(f"  {name}  (lesson: {info.lesson})")
        lines.extend(textwrap.wrap(info.description, 74, initial_indent="    ",
                                   subsequent_indent="    "))
        options = " ".join(f"{key}={_show(value)}" for key, value in info.defaults.items())
        lines.extend(textwrap.wrap(f"options: {options}", 74, initial_indent="    ",
                                   subsequent_indent="      "))
    return "\n".join(lines)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "demo",
        help="run one of the lessons' live demos and print what it showed",
        description=DESCRIPTION,
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="DEMO", choices=list(DEMOS),
                        help=f"which demo: {', '.join(DEMOS)}")
    parser.add_argument("--python", metavar="PATH", default=None,
                        help="interpreter that runs the demo (default: the one running gil-tui)")
    own = ", ".join(f"{name} {info.timeout:g} s" for name, info in DEMOS.items())
    parser.add_argument("--timeout", type=number("timeout", MAX_TIMEOUT, unit="seconds"),
                        default=None, metavar="S",
                        help=f"stop the demo after S seconds (default: the demo's own: {own})")
    parser.add_argument("--json", action="store_true",
                        help="print exactly one JSON object on stdout instead of text")
    parser.add_argument("-o", "--option", action="append", default=[], type=_option,
                        metavar="KEY=VALUE",
                        help="a demo option, repeatable; e.g. race: -o increments=500000 "
                        "-o trials=5 -o variants=plain,lock; main-guard: -o pool=yes; lists "
                        "are comma-separated")
    parser.set_defaults(func=run)
    return parser


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _option(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"options are KEY=VALUE, got {text!r}")
    value = tuple(_value(v.strip()) for v in raw.split(",")) if "," in raw else _value(raw.strip())
    if key in ("variants", "methods", "intervals_ms") and not isinstance(value, tuple):
        value = (value,)
    return key, value


def run(args: argparse.Namespace) -> int:
    if args.python is not None and not args.python.strip():
        return fail("error: --python needs a path (got an empty one)", EXIT_USAGE, prog=PROG)
    options = dict(args.option)
    try:
        with interruptible():
            result = run_demo(args.name, python=args.python, timeout=args.timeout, **options)
    except ValueError as exc:  # an unknown option or an impossible value
        return fail(f"error: {exc}", EXIT_USAGE, prog=PROG)
    except Interrupted:
        return fail("interrupted; every process of the demo was stopped", EXIT_INTERRUPTED,
                    prog=PROG)
    return report(result, as_json=args.json)


def report(result: DemoResult, *, as_json: bool = False, out: TextIO | None = None,
           err: TextIO | None = None) -> int:
    """Print ``result``; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    if as_json:
        out.write(json.dumps(result.to_dict()) + "\n")
    else:
        out.write(format_text(result))
    out.flush()
    if not result.ok:
        return fail(result.error or "the demo could not run", EXIT_FAILED, prog=PROG, err=err)
    return EXIT_OK


def format_text(result: DemoResult) -> str:
    """The human form: title, interpreter, sections, legend, summary (every line cleaned)."""
    lines = [result.title]
    interp = result.interpreter
    if interp is not None:
        lines.append(f"CPython {interp.label()}  {interp.path}")
    for title, body in result.sections:
        lines.append("")
        lines.append(f"== {title}")
        lines.extend(f"  {line}" if line else "" for line in body)
    legend = result.data.get("legend") if isinstance(result.data, dict) else None
    if isinstance(legend, str) and legend:
        lines.append("")
        lines.append(legend)
    lines.append("")
    label = "What was seen: " if result.ok else "Could not finish: "
    lines.extend(textwrap.wrap(label + result.summary, WIDTH))
    lines.append(f"({seconds(result.duration)})")
    return "\n".join(clean(line) for line in lines) + "\n"

