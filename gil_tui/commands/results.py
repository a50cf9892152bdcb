"""`gil-tui results`: show, export, clear or import the history of runs.

Output is an API. Default: a text table of every run (date, machine, source,
interpreter, workload, mode, workers, wall time, busy cores, speedup against
the sequential run of the same work on the same machine). ``--markdown``,
``--csv``: the same rows. ``--json``: exactly one JSON object
(``kind: gil-tui-results``: ``machine``, ``history`` path, ``entries`` in the
history-line shape, ``warnings``) that ``--import`` accepts on another machine.

``--clear`` empties the history. ``--import FILE`` adds the runs of a history
file or a ``compare --json``/``results --json`` output made elsewhere; they keep
the machine they came from and are labelled ``imported``; a file that is not
ours is refused and nothing changes.

Skipped corrupt lines and a history moved aside are reported on stderr (one
line each). Exit codes: 0 done, 1 the history cannot be written or the file
cannot be imported, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from gil_tui.commands._formats import add_format_options

PROG = "gil-tui results"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "results",
        help="show, export, clear or import the history of runs",
        description=(
            "Every finished run (Live tab, compare) is kept in a history file. Show it, "
            "export it as Markdown, CSV or JSON, clear it, or import runs made on another "
            "machine (they stay labelled with that machine)."
        ),
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--clear", action="store_true", help="empty the history")
    action.add_argument("--import", dest="import_file", metavar="FILE", default=None,
                        help="add the runs of a history, `compare --json` or `results --json` "
                        "file made elsewhere")
    add_format_options(parser, markdown="print a Markdown table",
                       csv="print CSV, one row per run")
    parser.set_defaults(func=run)
    return parser


def _fail(message: str, code: int, err: TextIO) -> int:
    print(f"{PROG}: {message}", file=err)
    return code


def run(args: argparse.Namespace) -> int:
    from gil_tui.engine.history import export
    from gil_tui.engine.history.store import HistoryError, HistoryStore

    out, err = sys.stdout, sys.stderr
    store = HistoryStore()
    if args.clear:
        try:
            count = store.clear()
        except HistoryError as exc:
            return _fail(str(exc), EXIT_FAILED, err)
        print(f"cleared {count} run{'s' if count != 1 else ''} from {store.path}", file=err)
        return EXIT_OK
    if args.import_file:
        try:
            report = store.import_file(args.import_file)
        except HistoryError as exc:
            return _fail(f"{exc}; nothing was imported", EXIT_FAILED, err)
        for warning in report.warnings:
            print(f"{PROG}: {warning}", file=err)
        print(report.summary(), file=err)
        return EXIT_OK
    entries, warnings = store.load()
    for warning in warnings:
        print(f"{PROG}: {warning}", file=err)
    if args.format == "json":
        data = export.history_json(entries, machine=store.machine, path=str(store.path),
                                   warnings=warnings)
        out.write(export.dumps(data) + "\n")
    elif args.format == "markdown":
        out.write(export.history_markdown(entries))
    elif args.format == "csv":
        out.write(export.history_csv(entries))
    else:
        out.write(export.history_text(entries))
    out.flush()
    return EXIT_OK
