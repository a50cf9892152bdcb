"""`gil-tui live`: open the app on the Live tab with a run selected (and started, with --run)."""

from __future__ import annotations

import argparse

from gil_tui.commands._common import EXIT_FAILED, EXIT_USAGE, SCALE, TASKS, WORKERS, fail
from gil_tui.engine.run.spec import START_METHODS, Mode, SpecError, Workload
from gil_tui.engine.text import clean_line

PROG = "gil-tui live"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "live",
        help="open the Live tab with a run selected (--run starts it)",
        description="Open gil-tui on the Live tab with this selection. Everything can still be "
        "changed with keys there; --run starts the run as soon as the tab is up.",
    )
    parser.add_argument("--workload", choices=[w.value for w in Workload])
    parser.add_argument("--mode", choices=[m.value for m in Mode])
    parser.add_argument("--workers", type=WORKERS, metavar="N")
    parser.add_argument("--tasks", type=TASKS, metavar="N")
    parser.add_argument("--scale", type=SCALE, metavar="X")
    parser.add_argument("--python", metavar="PATH", help="interpreter that runs the workers")
    parser.add_argument("--start-method", choices=START_METHODS)
    parser.add_argument("--run", action="store_true", help="start the run at once")
    parser.set_defaults(func=run)


def selection_from_args(args: argparse.Namespace):
    """The Live tab's Selection for these flags; raises SpecError when they do not fit."""
    from gil_tui.ui.selection import Selection

    values = {key: str(getattr(args, key)) for key in
              ("workload", "mode", "workers", "tasks", "scale", "start_method")
              if getattr(args, key, None) is not None}
    selection = Selection.from_try(values)
    if args.start_method and selection.mode is not Mode.PROCESSES:
        raise SpecError("--start-method applies to --mode processes only")
    return selection


def run(args: argparse.Namespace) -> int:
    if args.python is not None and not args.python.strip():
        return fail("error: --python needs a path (got an empty one)", EXIT_USAGE, prog=PROG)
    try:
        selection = selection_from_args(args)
    except (SpecError, ValueError) as exc:
        return fail(f"error: {exc}", EXIT_USAGE, prog=PROG)
    from gil_tui.terminal import require_terminal

    refused = require_terminal(PROG)
    if refused is not None:
        return refused
    if args.python is not None:
        from gil_tui.engine.system.interpreters import probe

        found = probe(args.python)
        if not found.supported:
            return fail(clean_line(found.reason or f"{args.python} cannot run the benchmarks"),
                        EXIT_FAILED, prog=PROG)
        selection = selection.replace(python=found.path, python_label=found.label())
    from gil_tui.ui.app import make_app

    app = make_app(tab="live", live_selection=selection, live_run=args.run)
    app.run()
    return int(app.return_code or 0)
