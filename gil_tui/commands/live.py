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


def selection_from_args(args: argparse.Namespace, base=None):
    """The Live tab's Selection for these flags, over ``base`` (None: the defaults);
    raises SpecError when they do not fit."""
    from gil_tui.ui.selection import Selection

    values = {key: str(getattr(args, key)) for key in
              ("workload", "mode", "workers", "tasks", "scale", "start_method")
              if getattr(args, key, None) is not None}
    selection = Selection.from_try(values, base)
    if args.start_method and selection.mode is not Mode.PROCESSES:
        raise SpecError("--start-method applies to --mode processes only")
    return selection


def with_saved(args: argparse.Namespace, selection, settings):
    """``selection`` (the flags') over the remembered Live selection: what the flags do
    not say comes from ``settings``; the flags alone when the saved values do not fit
    with them (``--workload cpu`` after a saved asyncio run)."""
    if settings is None:
        return selection
    from gil_tui.ui.selection import Selection

    try:
        merged = selection_from_args(args, Selection.from_try(settings.live.try_values()))
    except (SpecError, ValueError):
        return selection
    return merged.replace(python=selection.python, python_label=selection.python_label)


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
    return open_live(args, selection)


def open_live(args: argparse.Namespace, selection) -> int:
    """The app on the Live tab with ``selection``, remembering choices as `gil-tui` does:
    the saved theme, keymap and selection apply (the flags win over the saved values;
    without --python the saved interpreter is restored once a scan finds it)."""
    from gil_tui.ui.app import make_app
    from gil_tui.ui.settings_bridge import saved_settings

    settings, warnings = saved_settings()
    app = make_app(tab="live", live_selection=with_saved(args, selection, settings),
                   live_run=args.run, settings=settings, settings_warnings=warnings,
                   remember=True)
    from gil_tui.ui.signals import exit_on_stop_signals  # TERM/HUP: the app's own exit
    with exit_on_stop_signals(app):
        app.run()
    return int(app.return_code or 0)
