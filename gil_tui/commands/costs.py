"""`gil-tui costs`: what a thread, a process and a subinterpreter cost to create, measured here.

The same measurement as ``gil-tui demo costs`` (the threads-vs-processes lesson's
demo), as a command of its own. Output is an API. With ``--json`` stdout gets
exactly one JSON object (the ``CostsResult.to_dict()`` shape: ``v``, ``kind``
"costs", ``python``, ``version``, ``interpreter_label``, ``measured_at``,
``repeat``, ``default_method``, ``thread`` {median_s, min_s, max_s, p10_s,
p90_s, first_s, rss_bytes, vm_bytes, ...}, ``processes`` [{method, start "-c",
median_s, ..., ratio, rss_bytes, private_bytes, label}], ``errors`` {method:
message}, ``script`` {imports, repeat, processes [... start "script"], errors}
(processes started from a script that imports json, decimal and asyncio),
``subinterpreter`` {cost {...} or null, api, private, reason ("needs 3.12+"
...), message}, ``transfer`` {method, channel "Pipe", payload "bytes", rounds,
sizes [{size_bytes, label "1 MB", median_s, ...}], error}); without it, a table
under 80 columns and what each figure timed. Exit codes: 0 done, 1 a bad
interpreter or a failed measurement, 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys

from gil_tui.commands._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Interrupted,
    StatusLine,
    fail,
    interruptible,
    whole_number,
)

PROG = "gil-tui costs"
DEFAULT_REPEAT = 20
MAX_REPEAT = 1000


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "costs",
        help="measure what creating a thread and a process costs here",
        description=(
            "Create, start and join one thread that does nothing, one subinterpreter (3.12+) "
            "and one process under each start method the interpreter offers (fork, spawn, "
            "forkserver), from -c and from a script that imports json, decimal and asyncio, "
            "N times each, in the chosen interpreter; print the median and spread, the ratio "
            "to a thread and the memory each one takes, and the time to send 1 MB and 10 MB "
            "to a process and back. The same as `gil-tui demo costs`."
        ),
    )
    parser.add_argument("--python", metavar="PATH", default=None,
                        help="interpreter to measure (default: the one running gil-tui)")
    parser.add_argument("--repeat", type=whole_number("repeat", 1, MAX_REPEAT),
                        default=DEFAULT_REPEAT, metavar="N",
                        help=f"timed runs of each kind, 1-{MAX_REPEAT} (default {DEFAULT_REPEAT})")
    parser.add_argument("--json", action="store_true",
                        help="print exactly one JSON object on stdout instead of a table")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from gil_tui.engine.demos.costs import CostsError, format_text, remember, run_costs

    python = None
    if args.python is not None:
        from gil_tui.engine.system.interpreters import probe
        from gil_tui.engine.text import clean_line

        interp = probe(args.python)
        if not interp.supported:
            reason = interp.reason or f"{args.python} cannot run the measurement"
            if args.python not in reason:
                reason = f"{args.python}: {reason}"
            return fail(clean_line(reason), EXIT_FAILED, prog=PROG)  # the path as typed: cleaned
        python = interp.path
    status = StatusLine.on_terminal(sys.stderr)
    if status is not None:
        status.show("measuring (about ten seconds)...", force=True)
    try:
        try:
            with interruptible():
                result = run_costs(python, args.repeat)
        finally:
            if status is not None:
                status.clear()  # before anything else is printed
    except Interrupted:
        return fail("interrupted; the measuring processes were stopped", EXIT_INTERRUPTED,
                    prog=PROG)
    except CostsError as exc:
        return fail(str(exc), EXIT_FAILED, prog=PROG)
    remember(result)  # the threads-vs-processes lesson shows the last figures measured here
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
    else:
        sys.stdout.write(format_text(result))
    sys.stdout.flush()
    return EXIT_OK
