"""`gil-tui results`: show, export, clear or import the history of runs.

Output is an API. Default: a text table of every run (date, machine, source,
interpreter, workload, mode, workers, wall time, busy cores, speedup against
the sequential run of the same work on the same machine). ``--markdown``,
``--csv``: the same rows. ``--json``: exactly one JSON object
(``kind: gil-tui-results``: ``machine``, ``history`` path, ``entries`` in the
history-line shape, ``warnings``) that ``--import`` accepts on another machine.
The history is streamed: memory stays flat whatever the number of runs.

``--clear`` empties the history (without reading its runs). ``--import FILE``
adds the runs of a history file or a ``compare --json``/``results --json``
output made elsewhere (a regular file of at most 50 MiB, read as it streams);
they keep the machine they came from and are labelled ``imported``; a file
that is not ours is refused and nothing changes; a run that is not valid is
skipped with one warning naming its line.

Skipped lines and a history moved aside are reported on stderr (one line
each, at most about twenty). Every string from outside gil-tui is cleaned
before it is printed. Exit codes: 0 done, 1 the history cannot be written, the
file cannot be imported or the output cannot be written (stdout closed), 2
usage error (an empty file name; a FIFO, a device or a directory to import).
"""

from __future__ import annotations

import argparse
import sys

from gil_tui.commands._common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from gil_tui.commands._formats import add_format_options

PROG = "gil-tui results"


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
                        "file made elsewhere (a regular file of at most 50 MiB)")
    add_format_options(parser, markdown="print a Markdown table",
                       csv="print CSV, one row per run")
    parser.set_defaults(func=run)
    return parser


def _say(message: str) -> None:
    """One cleaned line on stderr (nothing when stderr is closed too)."""
    from gil_tui.engine.text import clean_line

    if sys.stderr is not None:
        print(f"{PROG}: {clean_line(message)}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.import_file is not None and not args.import_file.strip():
        _say("--import needs a file name (got an empty one)")
        return EXIT_USAGE
    from gil_tui.engine.history.store import HistoryError, HistoryStore, NotAFileError

    store = HistoryStore()
    if args.clear:
        try:
            count = store.clear()
        except HistoryError as exc:
            _say(str(exc))
            return EXIT_FAILED
        _say(f"cleared {count} run{'s' if count != 1 else ''} from {store.path}")
        return EXIT_OK
    if args.import_file is not None:
        try:
            report = store.import_file(args.import_file)
        except NotAFileError as exc:
            _say(f"{exc}; nothing was imported")
            return EXIT_USAGE
        except HistoryError as exc:
            _say(f"{exc}; nothing was imported")
            return EXIT_FAILED
        for warning in report.warnings:
            _say(warning)
        _say(report.summary())
        return EXIT_OK
    return _show(store, args.format)


def _show(store, fmt: str) -> int:
    from gil_tui.engine.history import listing

    out = sys.stdout
    if out is None:
        _say("stdout is closed: nothing to print the history to")
        return EXIT_FAILED
    warnings: list[str] = []
    try:
        if fmt == "json":
            listing.write_json(store.scan, out, warnings, machine=store.machine,
                               path=str(store.path))
        else:
            write = {"markdown": listing.write_markdown, "csv": listing.write_csv}.get(
                fmt, listing.write_text)
            write(store.scan, out, warnings)
        out.flush()
    except BrokenPipeError:
        raise  # the reader went away (`| head`): the CLI ends quietly
    except OSError as exc:  # a full disk, a descriptor closed under us, no temporary room...
        _say(f"cannot print the history: {exc.strerror or exc}")
        return EXIT_FAILED
    except ValueError:
        if not getattr(out, "closed", False):
            raise
        _say("cannot print the history: stdout is closed")
        return EXIT_FAILED
    finally:
        for warning in warnings:  # after the table, where a long table does not hide them
            _say(warning)
    return EXIT_OK
