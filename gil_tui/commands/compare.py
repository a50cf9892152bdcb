"""`gil-tui compare`: one workload in every mode on several interpreters, side by side.

Output is an API. Default: a text table (one row per interpreter x mode: wall
time median and min - max, speedup against that interpreter's sequential run,
busy cores, GIL state) and a verdict paragraph. ``--markdown``: the same as a
table ready to paste. ``--csv``: one row per cell. ``--json``: exactly one JSON
object (``kind: gil-tui-compare``, see :mod:`gil_tui.engine.history.export`) that
carries the machine description and every run, so ``gil-tui results --import``
can read it on another machine. ``--sweep MODE`` runs the scaling view instead
(workers 1 .. ``--workers``, default twice the cores) with an Amdahl fit.

cpu and hash matrices run subinterpreters too, on the interpreters that can
(CPython 3.12+); on the others that row is ``skipped`` with the reason (in the
table, ``rows[].status``/``error`` of the JSON and the verdict), which is not a
failure. ``--sweep subinterpreters`` on an interpreter that cannot is refused with
the reason (exit 2) before any run.

Every finished run goes to the history (``gil-tui results``) unless
``--no-history``. A progress line goes to stderr when stderr is a terminal.

Exit codes: 0 every cell ran (but the skipped ones); 1 some cells failed (their
rows say why, the others ran; one line on stderr) or no interpreter to run; 2 usage error
(unknown workload, ``--repeat 0``...); 130 interrupted (Ctrl+C or SIGTERM: the
running worker and all its processes are ended first, nothing is printed on
stdout).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from gil_tui.commands._common import (
    DELAY_MS,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    SCALE,
    SCALE_HELP,
    WORKERS,
    Interrupted,
    StatusLine,
    fail,
    progress_bar,
    run_async,
    whole_number,
)
from gil_tui.commands._formats import add_format_options
from gil_tui.engine.run.spec import Mode
from gil_tui.engine.text import duration_words, plural

PROG = "gil-tui compare"
WORKLOADS = ("cpu", "io", "hash")
SWEEP_MODES = tuple(m.value for m in Mode if m is not Mode.SEQUENTIAL)
MAX_REPEAT = 100


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "compare",
        help="run a workload in every mode on several interpreters and compare",
        description=(
            "Run one workload sequentially, with threads and with processes (and asyncio for "
            "io, subinterpreters for cpu and hash on CPython 3.12+) on each interpreter, the "
            "same work in each, and print wall times, speedups "
            "against each interpreter's sequential run, busy cores and the GIL state, with a "
            "verdict. Default interpreters: every supported one found (one per version and "
            "build; the current one first; free-threaded builds always included)."
        ),
    )
    parser.add_argument("workload", choices=WORKLOADS,
                        help="cpu: pure-Python arithmetic; io: HTTP GETs to a local server; "
                        "hash: sha256 of 1 MiB buffers (C code that releases the GIL)")
    parser.add_argument("--python", metavar="PATH", action="append", default=None,
                        help="an interpreter to compare (repeat for several; default: every "
                        "supported one found)")
    parser.add_argument("--workers", type=WORKERS, default=None,
                        metavar="N", help="workers in the parallel runs "
                        "(default: the usable cores, at least 2, for cpu and hash; 16 for io); "
                        "with --sweep, the largest worker count (default twice the cores)")
    parser.add_argument("--scale", type=SCALE, default=1.0, metavar="X",
                        help=f"{SCALE_HELP}; default 1.0")
    parser.add_argument("--repeat", type=whole_number("repeat", 1, MAX_REPEAT), default=1,
                        metavar="K", help="runs per cell; the table shows the median (default 1)")
    parser.add_argument("--delay-ms", type=DELAY_MS,
                        default=100, metavar="MS", help="io: delay of each request (default 100)")
    parser.add_argument("--sweep", metavar="MODE", choices=SWEEP_MODES,
                        default=None, help="the scaling view instead: MODE (threads, "
                        "processes, asyncio for io, subinterpreters for cpu and hash on "
                        "CPython 3.12+) with 1, 2, ... workers on the first --python "
                        "(default: this one), with an Amdahl fit")
    parser.add_argument("--no-history", action="store_true",
                        help="do not add the runs to the history")
    add_format_options(parser, markdown="print a Markdown table ready to paste, and the verdict",
                       csv="print CSV, one row per interpreter x mode")
    parser.set_defaults(func=run)
    return parser


def _targets(paths: list[str] | None) -> list[Any]:
    from gil_tui.engine.compare.model import Target, default_targets
    from gil_tui.engine.system.interpreters import discover, probe

    if not paths:
        return default_targets(discover())
    from concurrent.futures import ThreadPoolExecutor

    unique = list(dict.fromkeys(paths))
    with ThreadPoolExecutor(max_workers=min(8, len(unique))) as pool:
        probed = list(pool.map(lambda p: probe(p, "added"), unique))
    return [Target.from_interpreter(i) for i in probed]


def run(args: argparse.Namespace) -> int:
    if args.sweep == "asyncio" and args.workload != "io":
        return fail("error: --sweep asyncio applies to the io workload only", prog=PROG)
    if args.sweep == "subinterpreters" and args.workload == "io":
        return fail("error: --sweep subinterpreters applies to the cpu and hash workloads only",
                    prog=PROG)
    targets = _targets(args.python)
    if not targets:
        return fail("no supported interpreter found (CPython >= 3.8); add one with "
                    "--python PATH", EXIT_FAILED, prog=PROG)
    history = None
    if not args.no_history:
        from gil_tui.engine.history.store import HistoryStore

        history = HistoryStore()
    progress = JobProgressLine.on_terminal(sys.stderr)
    if args.sweep:
        return run_sweep(args, targets[0], history, progress, sys.stdout)
    from gil_tui.engine.compare.matrix import Matrix, MatrixPlan

    try:
        plan = MatrixPlan.make(args.workload, targets, workers=args.workers, scale=args.scale,
                               repeat=args.repeat, delay_ms=args.delay_ms)
    except ValueError as exc:
        return fail(f"error: {exc}", EXIT_USAGE, prog=PROG)
    matrix = Matrix(plan, history=history,
                    on_progress=progress.on_progress if progress else None,
                    on_event=progress.on_event if progress else None)
    try:
        result = run_job(matrix, progress)
    except Interrupted as stop:
        finished = len(stop.result.runs) if stop.result is not None else 0
        return fail(f"interrupted after {finished} of {plural(plan.total_runs, 'run')}; "
                    "the worker and its processes were stopped", EXIT_INTERRUPTED, prog=PROG)
    write_matrix(result, args.format, sys.stdout)
    for warning in result.warnings:
        print(f"{PROG}: note: {warning}", file=sys.stderr)
    failed = result.failed
    if failed:
        made = [c for c in result.cells if c.status != "skipped"]
        return fail(f"{len(failed)} of {len(made)} cells failed (see the table)",
                    EXIT_FAILED, prog=PROG)
    return EXIT_OK


def run_sweep(args: argparse.Namespace, target: Any, history: Any,
              progress: "JobProgressLine | None", out: TextIO) -> int:
    """``--sweep MODE``: the scaling view on ``target``; returns the exit code."""
    from gil_tui.engine.compare.sweep import Sweep, SweepPlan
    from gil_tui.engine.history.sweep_export import format_sweep

    if not target.supported:
        return fail(target.reason or f"{target.path} cannot run the benchmarks", EXIT_FAILED,
                    prog=PROG)
    try:
        plan = SweepPlan.make(args.workload, args.sweep, target, max_workers=args.workers,
                              scale=args.scale, repeat=args.repeat, delay_ms=args.delay_ms)
    except ValueError as exc:
        return fail(f"error: {exc}", EXIT_USAGE, prog=PROG)
    sweep = Sweep(plan, history=history,
                  on_progress=progress.on_progress if progress else None,
                  on_event=progress.on_event if progress else None)
    try:
        result = run_job(sweep, progress)
    except Interrupted:
        return fail("interrupted; the worker and its processes were stopped", EXIT_INTERRUPTED,
                    prog=PROG)
    out.write(format_sweep(result, args.format))
    out.flush()
    if result.errors:
        return fail(f"{len(result.errors)} of the sweep's runs failed (see the output)",
                    EXIT_FAILED, prog=PROG)
    return EXIT_OK


def write_matrix(result: Any, fmt: str, out: TextIO) -> None:
    from gil_tui.engine.history import export

    if fmt == "json":
        out.write(export.dumps(export.matrix_json(result)) + "\n")
    elif fmt == "markdown":
        out.write(export.matrix_markdown(result))
    elif fmt == "csv":
        out.write(export.matrix_csv(result))
    else:
        out.write(export.matrix_text(result))
    out.flush()


def run_job(job: Any, progress: "JobProgressLine | None") -> Any:
    """Run a Matrix or Sweep; SIGINT/SIGTERM cancel it (:class:`Interrupted` holds the
    partial result). The progress line is cleared before anything else is printed."""
    try:
        return run_async(job.run, cancel=job.cancel)
    finally:
        if progress is not None:
            progress.status.clear()


class JobProgressLine:
    """A matrix's or sweep's progress on the status line: runs done of total, the
    current run and how far it got, the time so far and the time left (from the runs
    so far): ``[1/3] [#####---] 50%  3.14t threads x4  12 s, ~1 m 10 s left``."""

    WIDTH = 24

    def __init__(self, status: StatusLine) -> None:
        self.status = status
        self.t0 = time.monotonic()
        self.done = self.total = 0
        self.what = ""
        self.tracker: Any = None  # the current run's RunTracker
        self.eta: float | None = None  # seconds left when the last progress came
        self.eta_t = self.t0

    @classmethod
    def on_terminal(cls, stream: TextIO) -> "JobProgressLine | None":
        status = StatusLine.on_terminal(stream)
        return cls(status) if status is not None else None

    def on_progress(self, p: Any) -> None:
        self.done, self.total = p.done, p.total
        self.eta, self.eta_t = getattr(p, "eta_s", None), time.monotonic()
        self.tracker = None  # a new run starts, or the last one is counted
        if p.phase == "start":
            self.what = self._what(p)
            if getattr(p, "spec", None) is not None:
                from gil_tui.engine.run.tracker import RunTracker

                self.tracker = RunTracker(p.spec)
        self.draw(force=True)

    @staticmethod
    def _what(p: Any) -> str:
        cell = getattr(p, "cell", None)
        if cell is None:
            workers = getattr(p, "workers", None)
            return "sequential" if workers is None else plural(workers, "worker")
        what = f"{cell.target.full if cell.target.version else cell.target.path} {cell.mode.value}"
        if cell.mode is not Mode.SEQUENTIAL:
            what += f" x{cell.workers}"
        return what

    def on_event(self, _where: Any, event: Any) -> None:
        if self.tracker is not None:
            self.tracker.feed(event)
        self.draw()

    def left(self) -> str:
        """``, ~1 m 10 s left`` (counting down since the last progress), or nothing
        before the first run has finished."""
        if self.eta is None:
            return ""
        return f", ~{duration_words(max(0.0, self.eta - (time.monotonic() - self.eta_t)))} left"

    def draw(self, force: bool = False) -> None:
        inner = self.tracker.fraction if self.tracker is not None else 0.0
        fraction = min(1.0, (self.done + inner) / self.total) if self.total else 0.0
        self.status.show(f"[{self.done}/{self.total}] [{progress_bar(fraction, self.WIDTH)}] "
                         f"{fraction:4.0%}  {self.what}  "
                         f"{duration_words(time.monotonic() - self.t0)}{self.left()}",
                         force=force)
