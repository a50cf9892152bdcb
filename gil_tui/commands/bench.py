"""`gil-tui bench`: run one benchmark headless and print its figures.

Output is an API. With ``--json`` stdout gets exactly one JSON object (the
``RunResult.to_dict()`` shape: ``spec``, ``interpreter`` {path, version,
gil_enabled, free_threaded, ...}, ``wall_s``, ``startup_s``, ``cpu_s``,
``workers`` [{index, pid, thread_id, seconds, ...}] and a few extras);
without it, a short human summary. A progress bar goes to stderr when stderr is
a terminal. Exit codes: 0 done, 1 the run failed (bad interpreter, crashed or
killed worker, latency server trouble), 2 usage error, 130 interrupted
(Ctrl+C or SIGTERM; the worker and all its processes are ended first).
Every failure is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Sequence, TextIO

# Only the cheap spec module at import time: building the CLI parser must stay
# fast; the runner (and aiohttp behind it) load when a run starts.
from gil_tui.engine.run.spec import (
    MAX_DELAY_MS,
    MAX_SCALE,
    MAX_TASKS,
    MAX_WORKERS,
    START_METHODS,
    Mode,
    RunSpec,
    SpecError,
    Workload,
)

if TYPE_CHECKING:
    from gil_tui.engine.run.events import Event
    from gil_tui.engine.run.results import RunResult

PROG = "gil-tui bench"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
SHOWN_WORKERS = 16


def _whole_number(name: str, low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be from {low} to {high}, got {value}")
        return value

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"scale must be a number, got {text!r}") from None
    if not 0 < value <= MAX_SCALE:  # also rejects nan
        raise argparse.ArgumentTypeError(f"scale must be above 0 and at most {MAX_SCALE:g}, got {text}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "bench",
        help="run one benchmark headless and print its figures",
        description=(
            "Run one workload in one mode in a separate worker process (any CPython >= 3.8) "
            "and print wall time, start-up time, CPU time and per-worker figures. "
            "The total work depends only on --workload, --scale and --tasks, never on "
            "--mode or --workers, so runs compare on the same work."
        ),
    )
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workload", required=True, choices=[w.value for w in Workload],
                        help="cpu: pure-Python arithmetic; io: HTTP GETs to a local server "
                        "that answers after --delay-ms; sleep: time.sleep; hash: sha256 of "
                        "1 MiB buffers (C code that releases the GIL)")
    parser.add_argument("--mode", required=True, choices=[m.value for m in Mode],
                        help="how the workers run (asyncio: io and sleep only)")
    parser.add_argument("--workers", type=_whole_number("workers", 1, MAX_WORKERS), default=2,
                        metavar="N", help=f"workers at once, 1-{MAX_WORKERS} (default 2; "
                        "sequential always uses 1)")
    parser.add_argument("--tasks", type=_whole_number("tasks", 1, MAX_TASKS), default=None,
                        metavar="N", help="tasks the work is split into (default: 8 for cpu "
                        "and hash, 16 for io and sleep; for io/sleep, the number of requests/sleeps)")
    parser.add_argument("--scale", type=_scale, default=1.0, metavar="X",
                        help="amount of cpu/hash work (1.0: about 3 s on one core; default 1.0)")
    parser.add_argument("--delay-ms", type=_whole_number("delay-ms", 0, MAX_DELAY_MS), default=100,
                        metavar="MS", help="delay of each io request or sleep (default 100)")
    parser.add_argument("--python", metavar="PATH", default=None,
                        help="interpreter that runs the worker (default: the one running gil-tui)")
    parser.add_argument("--start-method", choices=START_METHODS, default=None,
                        help="processes mode only (default: the interpreter's own default)")
    parser.add_argument("--json", action="store_true",
                        help="print exactly one JSON object on stdout instead of a summary")


def _fail(message: str, code: int, err: TextIO) -> int:
    print(f"{PROG}: {message}", file=err)
    return code


def run(args: argparse.Namespace) -> int:
    """The subcommand: validate, pre-flight the interpreter, run, print."""
    err = sys.stderr
    if args.start_method is not None and args.mode != Mode.PROCESSES.value:
        return _fail("error: --start-method applies to --mode processes only", EXIT_USAGE, err)
    python = None
    if args.python is not None:
        from gil_tui.engine.system.interpreters import probe

        interp = probe(args.python)
        if not interp.supported:
            reason = interp.reason or f"{args.python} cannot run the benchmarks"
            if args.python not in reason:
                reason = f"{args.python}: {reason}"
            return _fail(reason, EXIT_FAILED, err)
        python = interp.path
    try:
        spec = RunSpec(
            workload=args.workload,
            mode=args.mode,
            workers=args.workers,
            tasks=args.tasks,
            scale=args.scale,
            delay_ms=args.delay_ms,
            start_method=args.start_method,
            python=python,
        )
    except SpecError as exc:
        return _fail(f"error: {exc}", EXIT_USAGE, err)
    return run_bench(spec, as_json=args.json, progress=err.isatty())


def run_bench(
    spec: RunSpec,
    *,
    as_json: bool = False,
    progress: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``spec`` and print its result; returns the exit code (for tests, too)."""
    import asyncio

    from gil_tui.engine.run.results import RunError

    out = out or sys.stdout
    err = err or sys.stderr
    bar = ProgressBar(spec, err) if progress else None
    try:
        result = asyncio.run(_run_interruptible(spec, bar.update if bar else None))
    except _Interrupted:
        if bar:
            bar.clear()
        return _fail("interrupted; the worker and its processes were stopped", EXIT_INTERRUPTED, err)
    except RunError as exc:
        if bar:
            bar.clear()
        return _fail(exc.error.message, EXIT_FAILED, err)
    if bar:
        bar.clear()
    _remember(result, err)
    if as_json:
        out.write(json.dumps(result.to_dict()) + "\n")
    else:
        out.write(format_summary(result))
    out.flush()
    return EXIT_OK


def _remember(result: "RunResult", err: TextIO) -> None:
    """Add the run to the results history; a history problem is a note, not a failure."""
    from gil_tui.engine.history.store import HistoryError, HistoryStore

    try:
        HistoryStore().append(result, source="bench")
    except (HistoryError, OSError) as exc:
        print(f"{PROG}: note: the run was not added to the history: {exc}", file=err)


class _Interrupted(Exception):
    pass


async def _run_interruptible(spec: RunSpec, on_event) -> RunResult:
    """Run; SIGINT/SIGTERM cancel the run (which ends the worker group) and raise _Interrupted."""
    import asyncio

    from gil_tui.engine.run.runner import run as run_spec

    from gil_tui.commands._interrupt import on_signals

    task = asyncio.ensure_future(run_spec(spec, on_event=on_event))
    with on_signals(task.cancel) as interrupt:
        try:
            return await task
        except asyncio.CancelledError:
            if interrupt.happened:
                raise _Interrupted() from None
            raise


class ProgressBar:
    """A one-line progress bar on a terminal, redrawn at most 10 times a second."""

    WIDTH = 28

    def __init__(self, spec: RunSpec, stream: TextIO) -> None:
        self.spec = spec
        self.stream = stream
        self.total = 0
        self.done: dict[int, int] = {}
        self.t0 = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False

    def update(self, event: Event) -> None:
        from gil_tui.engine.run.events import Error, Hello, Progress, Result, WorkerDone

        if isinstance(event, Hello):
            self.total = event.total_steps
        elif isinstance(event, Progress):
            self.done[event.index] = event.done
        elif isinstance(event, WorkerDone):
            self.done[event.index] = event.done
        elif isinstance(event, (Result, Error)):
            return
        now = time.monotonic()
        if now - self.last_draw >= 0.1 or isinstance(event, WorkerDone):
            self.last_draw = now
            self.draw(now)

    def draw(self, now: float) -> None:
        fraction = min(1.0, sum(self.done.values()) / self.total) if self.total else 0.0
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        text = f"\r{self.spec.label()}  [{bar}] {fraction:4.0%}  {now - self.t0:5.1f} s"
        self.stream.write(text + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 0.001:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def format_summary(result: RunResult) -> str:
    """The human summary `gil-tui bench` prints without --json."""
    spec = result.spec
    interp = result.interpreter
    lines = [f"{spec.label()} on CPython {interp.label()}  {interp.path}"]
    what = f"{result.tasks} tasks"
    if spec.workload in (Workload.CPU, Workload.HASH):
        what += f", scale {spec.scale:g}"
    else:
        what += f" of {spec.delay_ms} ms"
    if result.io_client:
        what += f", client {result.io_client}"
    if result.start_method:
        what += f", start method {result.start_method}"
    lines.append(f"  {what}")
    lines.append(
        f"  wall {_seconds(result.wall_s)}   start-up {_seconds(result.startup_s)}   "
        f"CPU {_seconds(result.cpu_s)} ({result.busy_cores:.2f} cores busy)"
    )
    lines.append(f"  {'worker':>6}  {'pid':>7}  {'thread':>7}  {'time':>9}  {'CPU':>9}  tasks")
    for w in result.workers[:SHOWN_WORKERS]:
        lines.append(
            f"  {w.index:>6}  {w.pid:>7}  {w.thread_id:>7}  {_seconds(w.seconds):>9}  "
            f"{_seconds(w.cpu_s):>9}  {w.tasks:>5}"
        )
    hidden = len(result.workers) - SHOWN_WORKERS
    if hidden > 0:
        lines.append(f"  ... and {hidden} more workers (see --json)")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m gil_tui.commands.bench ARGS`: the subcommand without the rest of the CLI."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    _add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED, sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
