"""`gil-tui compare`: one workload in every mode on several interpreters, side by side.

Output is an API. Default: a text table (one row per interpreter x mode: wall
time median and min - max, speedup against that interpreter's sequential run,
busy cores, GIL state) and a verdict paragraph. ``--markdown``: the same as a
table ready to paste. ``--csv``: one row per cell. ``--json``: exactly one JSON
object (``kind: gil-tui-compare``, see :mod:`gil_tui.engine.history.export`) that
carries the machine description and every run, so ``gil-tui results --import``
can read it on another machine. ``--sweep MODE`` runs the scaling view instead
(workers 1 .. ``--workers``, default twice the cores) with an Amdahl fit.

Every finished run goes to the history (``gil-tui results``) unless
``--no-history``. A progress line goes to stderr when stderr is a terminal.

Exit codes: 0 every cell ran; 1 some cells failed (their rows say why, the
others ran; one line on stderr) or no interpreter to run; 2 usage error
(unknown workload, ``--repeat 0``...); 130 interrupted (Ctrl+C or SIGTERM: the
running worker and all its processes are ended first, nothing is printed on
stdout).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from gil_tui.commands._formats import add_format_options
from gil_tui.commands.bench import _scale, _whole_number
from gil_tui.engine.run.spec import MAX_DELAY_MS, MAX_WORKERS, Mode

PROG = "gil-tui compare"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
WORKLOADS = ("cpu", "io", "hash")
MAX_REPEAT = 100


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "compare",
        help="run a workload in every mode on several interpreters and compare",
        description=(
            "Run one workload sequentially, with threads and with processes (and asyncio for "
            "io) on each interpreter, the same work in each, and print wall times, speedups "
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
    parser.add_argument("--workers", type=_whole_number("workers", 1, MAX_WORKERS), default=None,
                        metavar="N", help="workers in the threads/processes/asyncio runs "
                        "(default: the usable cores, at least 2, for cpu and hash; 16 for io); "
                        "with --sweep, the largest worker count (default twice the cores)")
    parser.add_argument("--scale", type=_scale, default=1.0, metavar="X",
                        help="amount of cpu/hash work (1.0: about 3 s on one core; default 1.0)")
    parser.add_argument("--repeat", type=_whole_number("repeat", 1, MAX_REPEAT), default=1,
                        metavar="K", help="runs per cell; the table shows the median (default 1)")
    parser.add_argument("--delay-ms", type=_whole_number("delay-ms", 0, MAX_DELAY_MS),
                        default=100, metavar="MS", help="io: delay of each request (default 100)")
    parser.add_argument("--sweep", metavar="MODE", choices=("threads", "processes", "asyncio"),
                        default=None, help="the scaling view instead: MODE with 1, 2, ... "
                        "workers on the first --python (default: this one), with an Amdahl fit")
    parser.add_argument("--no-history", action="store_true",
                        help="do not add the runs to the history")
    add_format_options(parser, markdown="print a Markdown table ready to paste, and the verdict",
                       csv="print CSV, one row per interpreter x mode")
    parser.set_defaults(func=run)
    return parser


def _fail(message: str, code: int, err: TextIO) -> int:
    print(f"{PROG}: {message}", file=err)
    return code


def _targets(paths: list[str] | None) -> list[Any]:
    from gil_tui.engine.system.interpreters import discover, probe
    from gil_tui.engine.compare.model import Target, default_targets

    if not paths:
        return default_targets(discover())
    from concurrent.futures import ThreadPoolExecutor

    unique = list(dict.fromkeys(paths))
    with ThreadPoolExecutor(max_workers=min(8, len(unique))) as pool:
        probed = list(pool.map(lambda p: probe(p, "added"), unique))
    return [Target.from_interpreter(i) for i in probed]


def run(args: argparse.Namespace) -> int:
    err = sys.stderr
    if args.sweep == "asyncio" and args.workload != "io":
        return _fail("error: --sweep asyncio applies to the io workload only", EXIT_USAGE, err)
    targets = _targets(args.python)
    if not targets:
        return _fail("no supported interpreter found (CPython >= 3.8); add one with "
                     "--python PATH", EXIT_FAILED, err)
    history = None
    if not args.no_history:
        from gil_tui.engine.history.store import HistoryStore

        history = HistoryStore()
    progress = ProgressLine(err) if err.isatty() else None
    if args.sweep:
        from gil_tui.engine.history.sweep_export import run_sweep

        return run_sweep(args, targets[0], history, progress, sys.stdout, err)
    from gil_tui.engine.compare.matrix import Matrix, MatrixPlan

    try:
        plan = MatrixPlan.make(args.workload, targets, workers=args.workers, scale=args.scale,
                               repeat=args.repeat, delay_ms=args.delay_ms)
    except ValueError as exc:
        return _fail(f"error: {exc}", EXIT_USAGE, err)
    matrix = Matrix(plan, history=history,
                    on_progress=progress.on_progress if progress else None,
                    on_event=progress.on_event if progress else None)
    result, interrupted = run_cancellable(matrix)
    if progress:
        progress.clear()
    if interrupted:
        finished = len(result.runs)
        return _fail(f"interrupted after {finished} of {plan.total_runs} runs; the worker and "
                     "its processes were stopped", EXIT_INTERRUPTED, err)
    write_matrix(result, args.format, sys.stdout)
    for warning in result.warnings:
        print(f"{PROG}: note: {warning}", file=err)
    failed = result.failed
    if failed:
        return _fail(f"{len(failed)} of {len(result.cells)} cells failed (see the table)",
                     EXIT_FAILED, err)
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


def run_cancellable(job: Any) -> tuple[Any, bool]:
    """Run a Matrix or Sweep; SIGINT/SIGTERM cancel it. Returns (result, interrupted)."""
    import asyncio

    from gil_tui.commands._interrupt import on_signals

    async def main() -> tuple[Any, bool]:
        with on_signals(job.cancel) as interrupt:
            result = await job.run()
        return result, interrupt.happened

    return asyncio.run(main())


class ProgressLine:
    """One line on a terminal: runs done of total, the current cell and its own progress."""

    WIDTH = 24

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.t0 = time.monotonic()
        self.done = self.total = 0
        self.what = ""
        self.steps: dict[int, int] = {}
        self.total_steps = 0
        self.last = 0.0
        self.drawn = False

    def on_progress(self, p: Any) -> None:
        self.done, self.total = p.done, p.total
        if p.phase == "start":
            cell = getattr(p, "cell", None)
            if cell is not None:
                label = cell.target.version or cell.target.path
                label += "t" if cell.target.free_threaded else ""
                self.what = f"{label} {cell.mode.value}"
                if cell.mode is not Mode.SEQUENTIAL:
                    self.what += f" x{cell.workers}"
            else:
                workers = getattr(p, "workers", None)
                self.what = "sequential" if workers is None else f"{workers} workers"
        self.steps, self.total_steps = {}, 0  # a new run starts, or the last one is counted
        self.draw(force=True)

    def on_event(self, _where: Any, event: Any) -> None:
        from gil_tui.engine.run.events import Hello, Progress, WorkerDone

        if isinstance(event, Hello):
            self.total_steps = event.total_steps
        elif isinstance(event, (Progress, WorkerDone)):
            self.steps[event.index] = event.done
            if isinstance(event, Progress):
                self.total_steps = self.total_steps or event.total
        self.draw()

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        inner = min(1.0, sum(self.steps.values()) / self.total_steps) if self.total_steps else 0.0
        fraction = min(1.0, (self.done + inner) / self.total) if self.total else 0.0
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{self.done}/{self.total}] [{bar}] {fraction:4.0%}  {self.what}  "
                          f"{now - self.t0:5.1f} s\x1b[K")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
