"""`gil-tui costs`: what one thread and one process cost to create, measured here.

Output is an API. With ``--json`` stdout gets exactly one JSON object (the
``CostsResult.to_dict()`` shape: ``v``, ``kind`` "costs", ``python``,
``version``, ``measured_at``, ``repeat``, ``default_method``, ``thread``
{median_s, min_s, max_s, p10_s, p90_s, first_s, rss_bytes, vm_bytes, ...},
``processes`` [{method, median_s, ..., ratio, rss_bytes, private_bytes}],
``errors`` {method: message}); without it, a table. Exit codes: 0 done,
1 a bad interpreter or a failed measurement, 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

PROG = "gil-tui costs"
DEFAULT_REPEAT = 20
MAX_REPEAT = 1000


def _repeat(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"repeat must be a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_REPEAT:
        raise argparse.ArgumentTypeError(f"repeat must be from 1 to {MAX_REPEAT}, got {value}")
    return value


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--python", metavar="PATH", default=None,
                        help="interpreter to measure (default: the one running gil-tui)")
    parser.add_argument("--repeat", type=_repeat, default=DEFAULT_REPEAT, metavar="N",
                        help=f"timed runs of each kind, 1-{MAX_REPEAT} (default {DEFAULT_REPEAT})")
    parser.add_argument("--json", action="store_true",
                        help="print exactly one JSON object on stdout instead of a table")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "costs",
        help="measure what creating a thread and a process costs here",
        description=(
            "Create, start and join one thread that does nothing, then one process under "
            "each start method the interpreter offers (fork, spawn, forkserver), N times each, "
            "in the chosen interpreter; print the median and spread, the ratio process / thread "
            "and the memory each one takes."
        ),
    )
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _fail(message: str, code: int = 1) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    from gil_tui.engine.demos.costs import CostsError, format_text, remember, run_costs

    python = None
    if args.python is not None:
        from gil_tui.engine.system.interpreters import probe

        interp = probe(args.python)
        if not interp.supported:
            reason = interp.reason or f"{args.python} cannot run the measurement"
            if args.python not in reason:
                reason = f"{args.python}: {reason}"
            return _fail(reason)
        python = interp.path
    if sys.stderr.isatty():
        sys.stderr.write("measuring (a few seconds)...\r")
        sys.stderr.flush()
    try:
        result = run_costs(python, args.repeat)
    except CostsError as exc:
        return _fail(str(exc))
    finally:
        if sys.stderr.isatty():
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
    remember(result)  # the threads-vs-processes lesson shows the last figures measured here
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
    else:
        sys.stdout.write(format_text(result))
    sys.stdout.flush()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    _add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
